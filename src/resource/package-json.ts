import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export interface PackageInfo {
  readonly name?: string;
  readonly version?: string;
  readonly type?: string;
  readonly path: string;
}

/** The nearest package.json at or above `dir`, with its name and version. */
export function nearestPackage(dir: string): PackageInfo | undefined {
  for (let d = resolve(dir); ; ) {
    const path = join(d, 'package.json');
    try {
      const pkg = JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown; version?: unknown; type?: unknown };
      return {
        path,
        ...(typeof pkg.type === 'string' ? { type: pkg.type } : {}),
        ...(typeof pkg.name === 'string' && pkg.name ? { name: pkg.name } : {}),
        ...(typeof pkg.version === 'string' && pkg.version ? { version: pkg.version } : {}),
      };
    } catch {
      // absent or unreadable: keep looking upward
    }
    const parent = dirname(d);
    if (parent === d) return undefined;
    d = parent;
  }
}

/**
 * The package.json of the program being run: the one nearest to its entry script, or to the
 * working directory when there is no script (`node -e`, a REPL).
 */
export function programPackage(argv1: string | undefined = process.argv[1], cwd = process.cwd()): PackageInfo | undefined {
  return nearestPackage(argv1 ? dirname(resolve(cwd, argv1)) : cwd);
}

const types = new Map<string, string | undefined>();

/** The "type" of the nearest package.json at or above `dir` ('module', 'commonjs' or undefined). */
export function nearestPackageType(dir: string): string | undefined {
  if (!types.has(dir)) types.set(dir, nearestPackage(dir)?.type);
  return types.get(dir);
}
