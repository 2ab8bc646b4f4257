import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const MODULE_NAME = 'ts-otel-run';

/** Looked for in each directory, in this order (the first one present wins). */
export const SEARCH_PLACES = [
  'package.json',
  `.${MODULE_NAME}rc`,
  `.${MODULE_NAME}rc.json`,
  `.${MODULE_NAME}rc.yaml`,
  `.${MODULE_NAME}rc.yml`,
  `${MODULE_NAME}.config.js`,
  `${MODULE_NAME}.config.cjs`,
  `${MODULE_NAME}.config.mjs`,
  `${MODULE_NAME}.config.json`,
  `${MODULE_NAME}.config.yaml`,
  `${MODULE_NAME}.config.yml`,
] as const;

export interface LoadedFile {
  path: string;
  values: Record<string, unknown>;
}

function hasPackageKey(path: string): boolean {
  try {
    const pkg = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return typeof pkg === 'object' && pkg !== null && MODULE_NAME in pkg;
  } catch {
    return false;
  }
}

/**
 * Finds the config file without loading any parser: one directory listing per level, from `cwd`
 * up to the nearest directory holding a package.json (inclusive), or the root. The parsers
 * (cosmiconfig and its YAML and JS loaders) are loaded only when a file was found.
 */
export function findConfigFile(cwd: string): string | undefined {
  let dir = cwd;
  for (;;) {
    let names: Set<string>;
    try {
      names = new Set(readdirSync(dir));
    } catch {
      names = new Set();
    }
    for (const place of SEARCH_PLACES) {
      if (!names.has(place)) continue;
      const path = join(dir, place);
      if (place !== 'package.json' || hasPackageKey(path)) return path;
    }
    const parent = dirname(dir);
    if (names.has('package.json') || parent === dir) return undefined;
    dir = parent;
  }
}

type CosmiconfigResult = { config: unknown; filepath: string; isEmpty?: boolean } | null;

function toValues(path: string, result: CosmiconfigResult): LoadedFile {
  const config = result?.config ?? {};
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new Error(`${path}: the configuration must be an object of settings`);
  }
  return { path, values: config as Record<string, unknown> };
}

function explainLoadError(path: string, e: unknown): Error {
  const message = e instanceof Error ? e.message : String(e);
  return new Error(message.includes(path) ? message : `${path}: ${message}`);
}

/** Loads a config file with any loader cosmiconfig has (JSON, YAML, CommonJS and ES modules). */
export async function loadConfigFile(path: string): Promise<LoadedFile> {
  const { cosmiconfig } = await import('cosmiconfig');
  try {
    return toValues(path, await cosmiconfig(MODULE_NAME).load(path));
  } catch (e) {
    throw explainLoadError(path, e);
  }
}

/**
 * The synchronous twin, for the preload, which must configure everything before the program's
 * first line runs. ES module config files cannot be loaded synchronously on every supported Node
 * version: the launcher (or an explicit environment) is the way to use those.
 */
export function loadConfigFileSync(path: string): LoadedFile {
  if (path.endsWith('.mjs')) {
    throw new Error(
      `${path}: an ES module config file can only be read by the ts-otel-run launcher; ` +
        'use a .js, .cjs, .json or .yaml file to configure the preload on its own',
    );
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { cosmiconfigSync } = require('cosmiconfig') as typeof import('cosmiconfig');
  try {
    return toValues(path, cosmiconfigSync(MODULE_NAME).load(path));
  } catch (e) {
    throw explainLoadError(path, e);
  }
}
