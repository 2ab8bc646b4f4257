import { readFileSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { nearestPackageType } from '../resource/package-json';

// An import or export statement, or import.meta, at the start of a line: enough to tell an ES
// module entry file from a CommonJS one when neither the extension nor package.json says.
const ESM_SYNTAX = /^[ \t]*(?:import[\s{*'"]|import\.meta\b|export[\s{*])/m;

/**
 * Whether the program's entry point is an ES module, decided the way Node decides it: the
 * --input-type / --experimental-default-type flags, the file extension, the nearest package.json
 * "type", and, where those leave it open, the file's syntax (Node runs a .js file with import
 * statements as an ES module). Only then does the program need the import hook, whose loader costs
 * tens of milliseconds of start-up on Node versions without synchronous hooks.
 */
export function entryIsModule(
  argv1: string | undefined = process.argv[1],
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? '',
): boolean {
  const flags = `${execArgv.join(' ')} ${nodeOptions}`;
  if (/--input-type[= ]module\b/.test(flags) || /--experimental-default-type[= ]module\b/.test(flags)) return true;
  if (!argv1) return false;
  const ext = extname(argv1);
  if (ext === '.mjs' || ext === '.mts') return true;
  if (ext === '.cjs' || ext === '.cts') return false;
  if (nearestPackageType(dirname(argv1)) === 'module') return true;
  try {
    return ESM_SYNTAX.test(readFileSync(argv1, 'utf8'));
  } catch {
    return false;
  }
}
