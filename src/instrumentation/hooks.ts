import * as nodeModule from 'node:module';
import { pathToFileURL } from 'node:url';
import type { Diag } from '../diag';
import { entryIsModule } from './entry-format';
import { describe, type Registry } from './registry';

/**
 * ONE require hook and ONE import hook for every instrumentation. Both watch only the modules the
 * catalog names, so nothing else the program loads is intercepted (for ES modules, the loader is
 * given an include list: packages we do not instrument are never wrapped).
 */
export interface Hooks {
  unhook(): void;
}

type Namespace = Record<string, unknown> & { default?: unknown };

/**
 * A CommonJS module or builtin reached by `import`: its namespace mirrors `default`, the object
 * `require` returns. Patch that object (so both ways in share one patch), then copy what changed
 * onto the namespace so that named imports see the wrappers too.
 */
function onImport(registry: Registry, ns: Namespace, name: string, baseDir: string | undefined, format?: string) {
  const cjsLike = format === 'commonjs' || format === 'builtin' || nodeModule.isBuiltin(name);
  if (!cjsLike || ns.default === null || (typeof ns.default !== 'object' && typeof ns.default !== 'function')) {
    registry.onModule(name, ns, baseDir, 'module');
    return;
  }
  const original = ns.default as Record<string, unknown>;
  const result = registry.onModule(name, original, baseDir, 'module') as Record<string, unknown>;
  if (result !== original) ns.default = result;
  for (const key of Object.keys(ns)) {
    if (key === 'default' || !(key in result)) continue;
    const value = result[key];
    if (ns[key] !== value) ns[key] = value;
  }
}

function registerImportLoader(modules: string[], diag: Diag): boolean {
  const options = { include: modules };
  try {
    if (typeof (nodeModule as { registerHooks?: unknown }).registerHooks === 'function') {
      // Where Node can run import-in-the-middle's loader synchronously, on this thread, there is no
      // loader worker to start and no message channel to wait for. Those versions also have
      // require(esm), which is how a CommonJS preload reaches these ES modules.
      const sync = require('import-in-the-middle/supports-sync-hooks.mjs') as { supportsSyncHooks(): boolean };
      if (sync.supportsSyncHooks()) {
        (require('import-in-the-middle/register-hooks.mjs') as { register(o: object): void }).register(options);
        return true;
      }
    }
  } catch (e) {
    diag.debug(`synchronous import hooks unavailable, using module.register: ${describe(e)}`);
  }
  try {
    // A string parent URL: Node 20.6 rejects a URL object here.
    nodeModule.register('import-in-the-middle/hook.mjs', pathToFileURL(__filename).href, { data: options });
    return true;
  } catch (e) {
    diag.warn(`ES module instrumentation is off: the import hook could not be registered: ${describe(e)}`);
    return false;
  }
}

export function installHooks(registry: Registry, diag: Diag, importHook: 'auto' | 'on' | 'off'): Hooks {
  const modules = registry.moduleNames();
  if (modules.length === 0) return { unhook() {} };

  const { Hook: RequireHook } = require('require-in-the-middle') as typeof import('require-in-the-middle');
  const requireHook = new RequireHook(modules, (exports, name, baseDir) => {
    try {
      const result = registry.onModule(name, exports, baseDir, 'commonjs') as typeof exports;
      // ES modules that imported this builtin before the hook ran see the change only after a sync.
      if (baseDir === undefined && nodeModule.isBuiltin(name)) nodeModule.syncBuiltinESMExports();
      return result;
    } catch (e) {
      diag.warn(`require hook failed for ${name}; the module is left as it was: ${describe(e)}`);
      return exports;
    }
  });

  let wantImports = importHook === 'on';
  if (importHook === 'auto') {
    wantImports = entryIsModule();
    diag.debug(
      wantImports
        ? 'import hook on: the entry point is an ES module'
        : 'import hook off: the entry point is CommonJS (TS_OTEL_RUN_IMPORT_HOOK=on also covers import())',
    );
  }
  let esmHook: { unhook(): void } | undefined;
  if (wantImports && registerImportLoader(modules, diag)) {
    const { Hook: ImportHook } = require('import-in-the-middle') as typeof import('import-in-the-middle');
    esmHook = new ImportHook(modules, (ns, name, baseDir, format) => {
      try {
        onImport(registry, ns, name, baseDir ?? undefined, format);
      } catch (e) {
        diag.warn(`import hook failed for ${name}: ${describe(e)}`);
      }
    });
  }

  return {
    unhook() {
      requireHook.unhook();
      esmHook?.unhook();
    },
  };
}
