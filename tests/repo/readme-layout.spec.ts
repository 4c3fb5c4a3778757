import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The README's "Layout" block is the map a newcomer reads first: every path it names must
 * exist, and every folder of the house (top level, libs/, tests/, tools/) must be on it.
 */
const root = path.resolve(__dirname, '../..');
const SERVICES = ['user-service', 'product-service', 'order-service', 'payment-service', 'notification-service'];
const NOT_PART_OF_THE_HOUSE = new Set(['node_modules', 'dist', 'coverage']);

function layoutBlock(): string {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const block = /## Layout\n\n```\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('README.md has no "## Layout" code block');
  return block[1];
}

/** A path line's first word is a path, relative to the last unindented path above it. */
function namedPaths(block: string): string[] {
  const paths: string[] = [];
  let parent = '';
  for (const line of block.split('\n')) {
    const word = /^( *)(\S+)/.exec(line);
    // Paths stand unindented or indented by two; deeper lines continue the description above.
    if (!word || word[1].length > 2 || !/[/.]/.test(word[2])) continue;
    const name = word[2].replace(/,$/, '');
    if (word[1].length === 0) {
      parent = name;
      paths.push(name);
    } else if (parent.includes('<name>-service') && /^[a-z]+-service\//.test(name)) {
      paths.push(`apps/${name}`); // a service named under the common shape of all five
    } else {
      paths.push(`${parent}${name}`);
    }
  }
  return paths;
}

/** Placeholders stand for every one of their kind, so each must exist for all of them. */
function expand(named: string): string[] {
  if (named.includes('<context>')) return [];
  if (named.includes('<name>-service')) return SERVICES.map((service) => named.replace('<name>-service', service));
  if (named.includes('<lib>')) {
    const libs = readdirSync(path.join(root, 'libs')).filter((lib) => existsSync(path.join(root, 'libs', lib, 'test')));
    return libs.map((lib) => named.replace('<lib>', lib));
  }
  return [named];
}

const folders = (dir: string) =>
  readdirSync(path.join(root, dir), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && !NOT_PART_OF_THE_HOUSE.has(entry.name))
    .map((entry) => entry.name);

describe("README's layout", () => {
  const block = layoutBlock();
  const named = namedPaths(block);

  it('names only paths that exist', () => {
    expect(named.length).toBeGreaterThan(20);
    const missing = named.flatMap(expand).filter((p) => !existsSync(path.join(root, p)));
    expect(missing).toEqual([]);
  });

  it('names every folder at the top level and in libs/, tests/ and tools/', () => {
    const unnamed = [
      ...folders('.').filter((folder) => !named.some((p) => p === `${folder}/` || p.startsWith(`${folder}/`))),
      ...['libs', 'tests', 'tools'].flatMap((dir) => folders(dir).map((folder) => `${dir}/${folder}/`).filter((folder) => !named.includes(folder) && !block.includes(` ${folder.split('/')[1]}/`))),
    ];
    expect(unnamed).toEqual([]);
  });
});
