import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding package.json, found from this file whether run from `src/` or `dist/src/`. */
function findProjectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('Cannot find the Signpost project root (package.json)');
    dir = parent;
  }
  return dir;
}

export const PROJECT_ROOT = findProjectRoot();
export const SOURCE_DIR = path.join(PROJECT_ROOT, 'src');
/** Compiled code (`npm run build`) loads the compiled migrations; tsx loads the sources. */
const RUNNING_BUILT = fileURLToPath(import.meta.url).startsWith(path.join(PROJECT_ROOT, 'dist') + path.sep);
export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, RUNNING_BUILT ? 'dist/migrations' : 'migrations');
export const GOVUK_FRONTEND_DIR = path.join(PROJECT_ROOT, 'node_modules', 'govuk-frontend', 'dist');
