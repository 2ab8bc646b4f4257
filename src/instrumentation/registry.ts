import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/settings';
import type { Diag } from '../diag';
import { compileRange } from './semver';
import { RecordingShimmer } from './shimmer';
import type { CatalogEntry, Instrumentation, InstrumentationContext, PatchInfo, Target } from './types';

interface Patched {
  readonly target: Target;
  readonly exports: object;
  readonly info: PatchInfo;
}

interface Seen {
  exports: unknown;
  readonly info: Omit<PatchInfo, 'module'>;
}

/** Everything the registry knows and did for one instrumentation. */
class State {
  instrumentation: Instrumentation | undefined;
  loadFailed = false;
  enabled = true;
  readonly shimmer: RecordingShimmer;
  readonly ctx: InstrumentationContext;
  readonly patched: Patched[] = [];
  disposeSetup: (() => void) | undefined;

  constructor(
    readonly entry: CatalogEntry,
    config: Config,
    diag: Diag,
  ) {
    this.shimmer = new RecordingShimmer(entry.id);
    this.ctx = Object.freeze({
      id: entry.id,
      config,
      diag: diag.child(entry.id),
      shimmer: this.shimmer,
      isEnabled: () => this.enabled,
    });
  }
}

export interface PatchReport {
  readonly id: string;
  readonly module: string;
  readonly version: string;
}

export function stripNodePrefix(name: string): string {
  return name.startsWith('node:') ? name.slice(5) : name;
}

const versions = new Map<string, string>();

/** The version of the package in `baseDir`, or Node's own for builtins. */
export function moduleVersion(baseDir: string | undefined): string {
  if (!baseDir) return process.versions.node;
  let v = versions.get(baseDir);
  if (v === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(join(baseDir, 'package.json'), 'utf8')) as { version?: unknown };
      v = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
    } catch {
      v = '0.0.0';
    }
    versions.set(baseDir, v);
  }
  return v;
}

/**
 * Owns all runtime state of the instrumentations: which are enabled, which module exports each has
 * patched, what failed. The hooks call `onModule` for every module a catalog entry names; the
 * registry loads the instrumentation's code on the first such call, checks the version, patches,
 * and on any failure gives the program its original exports.
 */
export class Registry {
  private readonly states: State[];
  private readonly byModule = new Map<string, State[]>();
  private readonly seen = new Map<string, Seen[]>();
  private readonly ranges = new WeakMap<Target, (version: string) => boolean>();
  /** Exports objects each target already patched: the same object reached by require and import is patched once. */
  private readonly done = new WeakMap<Target, WeakSet<object>>();

  constructor(
    entries: readonly CatalogEntry[],
    config: Config,
    private readonly diag: Diag,
  ) {
    this.states = entries.map((e) => new State(e, config, diag));
    for (const state of this.states) {
      for (const m of state.entry.modules) {
        const key = stripNodePrefix(m);
        const list = this.byModule.get(key) ?? [];
        list.push(state);
        this.byModule.set(key, list);
      }
    }
  }

  /** Every module name the hooks must watch. */
  moduleNames(): string[] {
    return [...this.byModule.keys()];
  }

  ids(): string[] {
    return this.states.map((s) => s.entry.id);
  }

  /** Sets up the instrumentations that do not wait for a module (globals, diagnostics channels). */
  startEager(): void {
    for (const state of this.states) if (state.entry.eager) this.load(state);
  }

  /**
   * Called by the require and import hooks. Returns the exports the program must get: patched, or
   * replaced by a patch, or, if anything failed, the original ones.
   */
  onModule(name: string, exports: unknown, baseDir: string | undefined, format: PatchInfo['format']): unknown {
    const module = stripNodePrefix(name);
    const states = this.byModule.get(module);
    if (!states) return exports;
    const info = { version: moduleVersion(baseDir), baseDir, format };
    const seen = { exports, info };
    const list = this.seen.get(module) ?? [];
    list.push(seen);
    this.seen.set(module, list);
    for (const state of states) {
      if (state.enabled) seen.exports = this.patchModule(state, module, seen.exports, info);
    }
    return seen.exports;
  }

  /** Disables an instrumentation: undoes its patches and its setup. */
  disable(id: string): boolean {
    const state = this.states.find((s) => s.entry.id === id);
    if (!state || !state.enabled) return false;
    state.enabled = false;
    for (const p of state.patched.splice(0)) {
      try {
        p.target.unpatch?.(p.exports, state.ctx, p.info);
      } catch (e) {
        state.ctx.diag.warn(`unpatch of ${p.info.module}@${p.info.version} failed: ${describe(e)}`);
      }
      this.done.get(p.target)?.delete(p.exports);
    }
    state.shimmer.unwrapSince(0);
    this.disposeSetup(state);
    return true;
  }

  /** Enables an instrumentation again, patching every module of it loaded so far. */
  enable(id: string): boolean {
    const state = this.states.find((s) => s.entry.id === id);
    if (!state || state.enabled) return false;
    state.enabled = true;
    let loaded = false;
    for (const module of state.entry.modules.map(stripNodePrefix)) {
      for (const seen of this.seen.get(module) ?? []) {
        loaded = true;
        seen.exports = this.patchModule(state, module, seen.exports, seen.info);
      }
    }
    if (state.entry.eager && !loaded) this.load(state);
    return true;
  }

  /** What has been patched so far, for diagnostics and `check`'s summary. */
  report(): PatchReport[] {
    return this.states.flatMap((s) =>
      s.patched.map((p) => ({ id: s.entry.id, module: p.info.module, version: p.info.version })),
    );
  }

  private disposeSetup(state: State): void {
    const dispose = state.disposeSetup;
    state.disposeSetup = undefined;
    if (!dispose) return;
    try {
      dispose();
    } catch (e) {
      state.ctx.diag.warn(`teardown failed: ${describe(e)}`);
    }
  }

  private load(state: State): Instrumentation | undefined {
    if (state.instrumentation || state.loadFailed) return state.instrumentation;
    try {
      state.instrumentation = state.entry.load();
    } catch (e) {
      state.loadFailed = true;
      this.diag.warn(`instrumentation '${state.entry.id}' could not be loaded and stays off: ${describe(e)}`);
      return undefined;
    }
    this.runSetup(state);
    return state.instrumentation;
  }

  private runSetup(state: State): void {
    const setup = state.instrumentation?.setup;
    if (!setup || state.disposeSetup) return;
    try {
      state.disposeSetup = setup.call(state.instrumentation, state.ctx) ?? (() => {});
    } catch (e) {
      this.diag.warn(`instrumentation '${state.entry.id}' failed to set up and stays off: ${describe(e)}`);
    }
  }

  private matches(target: Target, version: string, state: State): boolean {
    let test = this.ranges.get(target);
    if (!test) {
      try {
        test = compileRange(target.versions);
      } catch (e) {
        state.ctx.diag.warn(`${describe(e)} for ${target.module}; the target stays off`);
        test = () => false;
      }
      this.ranges.set(target, test);
    }
    return test(version);
  }

  private patchModule(state: State, module: string, exports: unknown, info: Omit<PatchInfo, 'module'>): unknown {
    const instrumentation = this.load(state);
    if (!instrumentation) return exports;
    if (instrumentation.setup && !state.disposeSetup) this.runSetup(state);
    for (const target of instrumentation.targets ?? []) {
      if (stripNodePrefix(target.module) !== module) continue;
      const full: PatchInfo = { module, ...info };
      if (!this.matches(target, info.version, state)) {
        state.ctx.diag.debug(`skipped ${module}@${info.version}: supported versions are ${target.versions}`);
        continue;
      }
      if (exports === null || (typeof exports !== 'object' && typeof exports !== 'function')) continue;
      const object = exports as object;
      let done = this.done.get(target);
      if (!done) this.done.set(target, (done = new WeakSet()));
      if (done.has(object)) continue;
      const mark = state.shimmer.size;
      let result: unknown;
      try {
        result = target.patch(exports, state.ctx, full);
      } catch (e) {
        state.shimmer.unwrapSince(mark);
        this.diag.once(
          `patch:${state.entry.id}:${module}@${info.version}`,
          'warn',
          `instrumentation '${state.entry.id}' failed to patch ${module}@${info.version}; ` +
            `the module is left as it was: ${describe(e)}`,
        );
        continue;
      }
      done.add(object);
      state.patched.push({ target, exports: object, info: full });
      if (result && result !== exports && (typeof result === 'object' || typeof result === 'function')) {
        done.add(result);
        exports = result;
      }
      state.ctx.diag.debug(`patched ${module}@${info.version} (${info.format})`);
    }
    return exports;
  }
}

export function describe(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}
