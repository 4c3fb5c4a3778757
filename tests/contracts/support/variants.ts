import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** One change to a provider's source: in `file`, `from` becomes `to` (every occurrence). */
export interface SourceEdit {
  file: string;
  from: string;
  to: string;
}

/** Applies edits to a source tree; an edit that finds nothing fails (a variant must differ for real). */
export function applyEdits(root: string, edits: readonly SourceEdit[]): void {
  for (const { file, from, to } of edits) {
    const target = path.join(root, file);
    const text = readFileSync(target, 'utf8');
    if (!text.includes(from)) throw new Error(`${file} has no "${from}": the variant would not change anything`);
    writeFileSync(target, text.split(from).join(to));
  }
}

/** Every file under these folders that mentions the text, for renames across the tree. */
export function filesMentioning(root: string, text: string, folders: readonly string[]): string[] {
  const found = execFileSync('git', ['grep', '-l', '--fixed-strings', text, '--', ...folders], { cwd: root, encoding: 'utf8' });
  return found.split('\n').filter(Boolean);
}

/** A rename of a word across the given folders (a message type, in every file that names it). */
export const renameEverywhere = (root: string, from: string, to: string, folders: readonly string[]): SourceEdit[] =>
  filesMentioning(root, from, folders).map((file) => ({ file, from, to }));

/** product-service without carbonKgCo2e in its product representation (the batch read order-service prices from). */
export const WITHOUT_CARBON: SourceEdit[] = [
  { file: 'apps/product-service/src/catalog/dto/product.dto.ts', from: '  carbonKgCo2e: number;\n  @ApiProperty({ example: 250 })', to: '  carbonKgCo2e?: number;\n  @ApiProperty({ example: 250 })' },
  {
    file: 'apps/product-service/src/catalog/catalog.service.ts',
    from: 'export const toDto = ({ createdAt: _c, updatedAt: _u, ...product }: Product): ProductDto => product;',
    to: 'export const toDto = ({ createdAt: _c, updatedAt: _u, carbonKgCo2e: _gone, ...product }: Product): ProductDto => product;',
  },
];

/** StockChanged without `available` (the registry's schema and the code that writes it). */
export const STOCK_WITHOUT_AVAILABLE: SourceEdit[] = [
  { file: 'libs/events/src/schemas/events.ts', from: 'z.object({ productId: uuid, available: z.number().int().min(0) })', to: 'z.object({ productId: uuid })' },
  { file: 'apps/product-service/src/catalog/product-events.ts', from: "payload: { productId, available } }", to: 'payload: { productId } }' },
  { file: 'apps/product-service/src/catalog/product-events.ts', from: 'for (const { productId, available } of levels)', to: 'for (const { productId } of levels)' },
];

/** product-service's batch read answered on another path. */
export const BATCH_MOVED: SourceEdit[] = [{ file: 'apps/product-service/src/catalog/catalog.controller.ts', from: "@Get('batch')", to: "@Get('many')" }];

/** product-service adding a field to its products and to StockChanged: compatible changes. */
export const WITH_MORE_FIELDS: SourceEdit[] = [
  {
    file: 'apps/product-service/src/catalog/catalog.service.ts',
    from: 'export const toDto = ({ createdAt: _c, updatedAt: _u, ...product }: Product): ProductDto => product;',
    to: 'export const toDto = ({ createdAt: _c, updatedAt: _u, ...product }: Product): ProductDto => Object.assign(product, { weightGrams: 250 });',
  },
  {
    file: 'libs/events/src/schemas/events.ts',
    from: 'z.object({ productId: uuid, available: z.number().int().min(0) })',
    to: "z.object({ productId: uuid, available: z.number().int().min(0), warehouse: z.string().optional() })",
  },
  { file: 'apps/product-service/src/catalog/product-events.ts', from: "payload: { productId, available } }", to: "payload: { productId, available, warehouse: 'main' } }" },
];
