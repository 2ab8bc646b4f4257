import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import type { Diag } from '../diag';
import { describe } from '../instrumentation/registry';
import type { CatalogEntry, Instrumentation } from '../instrumentation/types';

function problemWith(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'it does not export an object';
  const i = value as Partial<Instrumentation>;
  if (typeof i.id !== 'string' || !i.id) return "it has no string 'id'";
  if (i.targets === undefined && typeof i.setup !== 'function') return "it has neither 'targets' nor 'setup'";
  if (i.targets !== undefined) {
    if (!Array.isArray(i.targets)) return "'targets' is not an array";
    for (const t of i.targets) {
      if (typeof t?.module !== 'string' || typeof t.versions !== 'string' || typeof t.patch !== 'function') {
        return "each target needs 'module', 'versions' and 'patch'";
      }
    }
  }
  return undefined;
}

/**
 * Loads the instrumentation modules named by TS_OTEL_RUN_EXTRA_INSTRUMENTATIONS (paths, relative to
 * the working directory, or package names). These are the user's own code and are loaded at start;
 * a module that fails to load or does not follow the contract is skipped with a warning.
 */
export function loadExtraInstrumentations(
  specs: readonly string[],
  takenIds: ReadonlySet<string>,
  diag: Diag,
  cwd = process.cwd(),
): CatalogEntry[] {
  const requireFromCwd = createRequire(join(cwd, 'noop.js'));
  const entries: CatalogEntry[] = [];
  const ids = new Set(takenIds);
  for (const spec of specs) {
    let loaded: unknown;
    try {
      // A path (relative to cwd, with or without ./) when such a file exists; else a package name.
      const asPath = resolve(cwd, spec);
      const isPath = spec.startsWith('.') || isAbsolute(spec) || existsSync(asPath);
      loaded = requireFromCwd(isPath ? asPath : spec);
    } catch (e) {
      diag.warn(`extra instrumentation '${spec}' could not be loaded: ${describe(e)}`);
      continue;
    }
    const candidate = (loaded as { default?: unknown })?.default ?? loaded;
    const problem = problemWith(candidate);
    if (problem) {
      diag.warn(`extra instrumentation '${spec}' is not an instrumentation: ${problem}`);
      continue;
    }
    const instrumentation = candidate as Instrumentation;
    if (ids.has(instrumentation.id)) {
      diag.warn(`extra instrumentation '${spec}' uses the id '${instrumentation.id}', which is taken; skipped`);
      continue;
    }
    ids.add(instrumentation.id);
    const modules = [...new Set((instrumentation.targets ?? []).map((t) => t.module))];
    entries.push({ id: instrumentation.id, modules, eager: modules.length === 0, load: () => instrumentation });
  }
  return entries;
}
