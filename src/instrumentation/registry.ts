import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/settings';
import type { Diag } from '../diag';
import { compileRange } from './semver';
import { RecordingShimmer } from './shimmer';
import type { TracerProvider } from '../trace/tracer';
import type { CatalogEntry, Instrumentation, InstrumentationContext, LogServices, PatchInfo, Target, TraceServices } from './types';
import { NOOP_LOGGER, type LoggerProvider } from '../logs/logger';
import { NOOP_METER, type MeterProvider } from '../metrics/meter';

interface Patched {
  readonly target: Target;
  /** What the patch was given, and what the program got (a replacement, or the same object). */
  readonly input: object;
  readonly output: object;
  readonly info: PatchInfo;
}

interface Seen {
  /** The exports as the module made them. */
  readonly original: unknown;
  /** What the program holds (the module caches keep it): patched, or a patch's replacement. */
  current: unknown;
  readonly info: Omit<PatchInfo, 'module'>;
}

/** Everything the registry knows and did for one instrumentation. */
class State {
  instrumentation: Instrumentation | undefined;
  loadFailed = false;
  setupFailed = false;
  enabled = true;
  readonly shimmer: RecordingShimmer;
  readonly ctx: InstrumentationContext;
  readonly patched: Patched[] = [];
  disposeSetup: (() => void) | undefined;

  constructor(
    readonly entry: CatalogEntry,
    config: Config,
    diag: Diag,
    services: Services,
  ) {
    this.shimmer = new RecordingShimmer(entry.id);
    this.ctx = Object.freeze({
      id: entry.id,
      config,
      diag: diag.child(entry.id),
      shimmer: this.shimmer,
      isEnabled: () => this.enabled,
      tracer: services.tracerProvider.getTracer(entry.id, services.version),
      trace: services.trace,
      logs: logServices(entry.id, config, services),
      metrics: Object.freeze({
        meter: services.meterProvider?.active ? services.meterProvider.getMeter(entry.id, services.version) : NOOP_METER,
        active: !!services.meterProvider?.active,
        getMeter: (name: string, version?: string, options?: { schemaUrl?: string }) =>
          services.meterProvider?.active ? services.meterProvider.getMeter(name, version, options) : NOOP_METER,
      }),
    });
  }
}

function logServices(id: string, config: Config, services: Services): LogServices {
  const provider = services.loggerProvider;
  const sending = !!provider?.active && !((config.TS_OTEL_RUN_LOG_SENDING_DISABLED ?? []) as readonly string[]).includes(id);
  return Object.freeze({
    logger: sending ? provider!.getLogger(id, services.version) : NOOP_LOGGER,
    sending,
    correlation: config.TS_OTEL_RUN_LOG_CORRELATION,
    getLogger: (name: string, version?: string, options?: { schemaUrl?: string }) =>
      provider ? provider.getLogger(name, version, options) : NOOP_LOGGER,
  });
}

/** The engine's pieces the registry hands to instrumentations. */
export interface Services {
  readonly tracerProvider: TracerProvider;
  readonly trace: TraceServices;
  /** The log pipeline; without it, instrumentations get no-op loggers. */
  readonly loggerProvider?: LoggerProvider;
  /** The metrics pipeline; without it, instrumentations get a no-op meter. */
  readonly meterProvider?: MeterProvider;
  /** The version of ts-otel-run, recorded as each instrumentation scope's version. */
  readonly version: string;
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
  /**
   * Per target, every exports object it patched → what the program got for it. The same object
   * reached by require and by import is patched once, and both get the same result.
   */
  private readonly done = new WeakMap<Target, WeakMap<object, object>>();

  constructor(
    entries: readonly CatalogEntry[],
    config: Config,
    private readonly diag: Diag,
    services: Services,
  ) {
    this.states = entries.map((e) => new State(e, config, diag, services));
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
    for (const state of this.states) {
      if (!state.entry.eager || !state.enabled) continue;
      const needs = state.entry.needs;
      if ((needs === 'logs' && !state.ctx.logs.sending) || (needs === 'metrics' && !state.ctx.metrics.active)) continue;
      this.activate(state);
    }
    for (const state of this.states) for (const name of state.entry.globals ?? []) this.triggerOnCall(state, name);
  }

  /**
   * Replaces a global function by one that, on its first call, puts the original back, loads and
   * sets up the instrumentation, then calls the original: nothing is loaded for a program that
   * never calls it, and nothing stays in the way of one that does.
   */
  private triggerOnCall(state: State, name: string): void {
    const g = globalThis as unknown as Record<string, unknown>;
    const descriptor = Object.getOwnPropertyDescriptor(g, name);
    const original = descriptor?.value as ((...args: unknown[]) => unknown) | undefined;
    if (!descriptor || typeof original !== 'function' || !descriptor.writable || !descriptor.configurable) return;
    const registry = this;
    const trigger = function (this: unknown, ...args: unknown[]): unknown {
      if (g[name] === trigger) Object.defineProperty(g, name, descriptor);
      if (state.enabled) registry.activate(state);
      // The instrumentation may have wrapped the global as it set up: the first call goes through it.
      const current = g[name];
      return (typeof current === 'function' && current !== trigger ? current : original).apply(this, args);
    };
    Object.defineProperty(trigger, 'name', { value: original.name, configurable: true });
    Object.defineProperty(trigger, 'length', { value: original.length, configurable: true });
    Object.defineProperty(g, name, { ...descriptor, value: trigger });
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
    const seen: Seen = { original: exports, current: exports, info };
    const list = this.seen.get(module) ?? [];
    list.push(seen);
    this.seen.set(module, list);
    for (const state of states) {
      if (state.enabled) seen.current = this.patchModule(state, module, seen.current, info);
    }
    return seen.current;
  }

  /** Disables an instrumentation: undoes its patches and its setup. */
  disable(id: string): boolean {
    const state = this.states.find((s) => s.entry.id === id);
    if (!state || !state.enabled) return false;
    state.enabled = false;
    for (const p of state.patched.splice(0)) {
      try {
        p.target.unpatch?.(p.input, state.ctx, p.info);
      } catch (e) {
        state.ctx.diag.warn(`unpatch of ${p.info.module}@${p.info.version} failed: ${describe(e)}`);
      }
      const done = this.done.get(p.target);
      done?.delete(p.input);
      done?.delete(p.output);
    }
    state.shimmer.unwrapSince(0);
    this.disposeSetup(state);
    return true;
  }

  /**
   * Enables an instrumentation again: sets it up and patches every module of it loaded so far.
   * A patch that returns a replacement cannot hand it to a program that already holds the module
   * (the module caches keep what the program got first); the original exports are patched again,
   * and a replacement made earlier keeps working through its `isEnabled` check.
   */
  enable(id: string): boolean {
    const state = this.states.find((s) => s.entry.id === id);
    if (!state || state.enabled) return false;
    state.enabled = true;
    state.setupFailed = false;
    if (state.entry.eager || state.instrumentation) this.activate(state);
    for (const module of state.entry.modules.map(stripNodePrefix)) {
      for (const seen of this.seen.get(module) ?? []) {
        const result = this.patchModule(state, module, seen.original, seen.info);
        if (seen.current === seen.original) seen.current = result;
      }
    }
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

  /**
   * Loads the instrumentation's code (once) and runs its setup (once per enabling). Returns
   * undefined when either failed: the instrumentation then stays off, with one warning.
   */
  private activate(state: State): Instrumentation | undefined {
    if (state.loadFailed || state.setupFailed) return undefined;
    if (!state.instrumentation) {
      try {
        state.instrumentation = state.entry.load();
      } catch (e) {
        state.loadFailed = true;
        state.enabled = false;
        this.diag.warn(`instrumentation '${state.entry.id}' could not be loaded and stays off: ${describe(e)}`);
        return undefined;
      }
    }
    const setup = state.instrumentation.setup;
    if (setup && !state.disposeSetup) {
      try {
        state.disposeSetup = setup.call(state.instrumentation, state.ctx) ?? (() => {});
      } catch (e) {
        state.setupFailed = true;
        this.disable(state.entry.id);
        this.diag.warn(`instrumentation '${state.entry.id}' failed to set up and stays off: ${describe(e)}`);
        return undefined;
      }
    }
    return state.instrumentation;
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
    const instrumentation = this.activate(state);
    if (!instrumentation) return exports;
    for (const target of instrumentation.targets ?? []) {
      if (stripNodePrefix(target.module) !== module) continue;
      const full: PatchInfo = { module, ...info };
      if (!this.matches(target, info.version, state)) {
        state.ctx.diag.debug(`skipped ${module}@${info.version}: supported versions are ${target.versions}`);
        continue;
      }
      if (exports === null || (typeof exports !== 'object' && typeof exports !== 'function')) continue;
      const input = exports as object;
      let done = this.done.get(target);
      if (!done) this.done.set(target, (done = new WeakMap()));
      const already = done.get(input);
      if (already) {
        exports = already;
        continue;
      }
      const mark = state.shimmer.mark();
      let result: unknown;
      try {
        result = target.patch(input, state.ctx, full);
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
      const output = result && (typeof result === 'object' || typeof result === 'function') ? result : input;
      done.set(input, output);
      done.set(output, output);
      state.patched.push({ target, input, output, info: full });
      exports = output;
      state.ctx.diag.debug(`patched ${module}@${info.version} (${info.format})`);
    }
    return exports;
  }
}

export function describe(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}
