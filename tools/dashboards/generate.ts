// Writes the dashboards (src/) as Grafana JSON where they are loaded, or checks that the committed
// files are what the code generates:
//
//   npm run dashboards              write them (then commit them)
//   npm run dashboards -- check     fail, naming each file, when a committed file differs, is missing or is stale
//
// Two places, the same files: the chart (one ConfigMap per file for Grafana's dashboard sidecar,
// helm/ecotrack/templates/dashboards.yaml) and the compose Grafana's file provisioning.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { dashboards } from './src';

const ROOT = path.resolve(__dirname, '../..');
export const OUTPUT_DIRS = ['helm/ecotrack/files/dashboards', 'tools/stack/compose/grafana/provisioning/dashboards'].map((dir) => path.join(ROOT, dir));

/** Each file's content as the generator writes it. */
export function rendered(): Map<string, string> {
  return new Map(Object.entries(dashboards()).map(([name, dashboard]) => [`${name}.json`, `${JSON.stringify(dashboard, null, 2)}\n`]));
}

const jsonFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((file) => file.endsWith('.json')) : []);

/** What differs between the committed files and the generator's output, one line each. */
export function differences(): string[] {
  const wanted = rendered();
  const found: string[] = [];
  for (const dir of OUTPUT_DIRS) {
    const where = path.relative(ROOT, dir);
    for (const file of jsonFiles(dir).filter((f) => !wanted.has(f))) found.push(`${where}/${file}: no dashboard generates it any more`);
    for (const [file, content] of wanted) {
      const target = path.join(dir, file);
      if (!existsSync(target)) found.push(`${where}/${file}: generated, not committed`);
      else if (readFileSync(target, 'utf8') !== content) found.push(`${where}/${file}: differs from what tools/dashboards generates`);
    }
  }
  return found;
}

function write(): void {
  const wanted = rendered();
  for (const dir of OUTPUT_DIRS) {
    mkdirSync(dir, { recursive: true });
    for (const file of jsonFiles(dir).filter((f) => !wanted.has(f))) rmSync(path.join(dir, file));
    for (const [file, content] of wanted) writeFileSync(path.join(dir, file), content);
    console.log(`dashboards: ${wanted.size} written to ${path.relative(ROOT, dir)}`);
  }
}

if (require.main === module) {
  if (process.argv[2] === 'check') {
    const found = differences();
    for (const line of found) console.error(`dashboards: ${line}`);
    if (found.length > 0) {
      console.error('dashboards: run `npm run dashboards` and commit the result');
      process.exit(1);
    }
    console.log(`dashboards: the committed files are what tools/dashboards generates (${rendered().size} dashboards, ${OUTPUT_DIRS.length} places)`);
  } else {
    write();
  }
}
