// The MySQL backend runs schema.sql itself, the file at the top of the project, so that what an
// operator reads (or feeds to the mysql client by hand) is exactly what dchat creates.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StoreError } from './store-error.js';

export const schemaFileName = 'schema.sql';

/**
 * Finds schema.sql in the nearest directory above this module that has one: the module runs
 * from src/store (with a TypeScript loader) or from dist/src/store (compiled), and the file sits
 * at the project's top either way.
 */
export function schemaFilePath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here, depth = 0; depth < 6; dir = dirname(dir), depth++) {
    const candidate = join(dir, schemaFileName);
    if (existsSync(candidate)) return candidate;
  }
  throw new StoreError(
    'DCHAT_STORE_FAILED',
    `${schemaFileName} was not found in any directory above ${here}: reinstall dchat (the package ships it at its top)`,
  );
}

export function readMySqlSchema(): string {
  return readFileSync(schemaFilePath(), 'utf8');
}
