/**
 * The instrumentation contract: one plain object per library, no base class.
 *
 * ```ts
 * const instrumentation: Instrumentation = {
 *   id: 'pg',
 *   targets: [{ module: 'pg', versions: '>=8 <9', patch(exports, ctx, info) { ctx.shimmer.wrap(...) } }],
 * };
 * export default instrumentation;
 * ```
 *
 * An instrumentation imports nothing from the core: everything it needs arrives in `ctx`, so each
 * one can be tested on its own with in-memory exporters.
 */
import type { Context } from '../context/context';
import type { ContextManager } from '../context/manager';
import type { Config } from '../config/settings';
import type { Diag } from '../diag';
import type { Logger } from '../logs/types';
import type { MeterLike } from '../metrics/meter';
import type { SpanLike } from '../trace/span-context';
import type { Tracer, TracerProvider } from '../trace/tracer';
import type { Shimmer } from './shimmer';

/** Context propagation over a carrier of headers (a plain object of header names to values). */
export interface Propagation {
  /** Writes the context's trace headers into `carrier` (a plain object). */
  inject(context: Context, carrier: Record<string, unknown>): void;
  /** A context with the remote parent and baggage read from `carrier` (Node's incoming headers). */
  extract(context: Context, carrier: Record<string, unknown>): Context;
}

/** A propagator in @opentelemetry/api's shape (inject and extract with a setter and a getter). */
export interface TextMapPropagatorLike {
  inject(context: Context, carrier: unknown, setter: unknown): void;
  extract(context: Context, carrier: unknown, getter: unknown): Context;
  fields(): string[];
}

/** What the core lends an instrumentation for tracing; the only way it reaches the engine. */
export interface TraceServices {
  readonly contextManager: ContextManager;
  readonly propagation: Propagation;
  readonly rootContext: Context;
  /** The provider and propagator themselves, for the @opentelemetry/api bridge. */
  readonly tracerProvider: TracerProvider;
  readonly propagator: TextMapPropagatorLike;
  /** The engine's own context keys, and a way to make a foreign key mean the same. */
  readonly keys: { readonly span: symbol; readonly baggage: symbol };
  linkContextKeys(ours: symbol, theirs: symbol): void;
  getSpan(context: Context): SpanLike | undefined;
  setSpan(context: Context, span: SpanLike): Context;
  isTracingSuppressed(context: Context): boolean;
  suppressTracing(context: Context): Context;
}

/** What the core lends an instrumentation for logs. */
export interface LogServices {
  /**
   * The logger of this instrumentation (its scope is the instrumentation's id). Records go to the
   * configured log exporters; a no-op when there are none or this library's sending is off.
   */
  readonly logger: Logger;
  /** Whether this library's records are exported (`logger` is live): bridges skip the work when not. */
  readonly sending: boolean;
  /** Whether trace ids go into the program's own log output (TS_OTEL_RUN_LOG_CORRELATION). */
  readonly correlation: boolean;
  /** Loggers of any scope, for the @opentelemetry/api-logs bridge. */
  getLogger(name: string, version?: string, options?: { schemaUrl?: string }): Logger;
}

/** What the core lends an instrumentation for metrics. */
export interface MetricServices {
  /** The meter of this instrumentation (its scope is the instrumentation's id); a no-op without readers. */
  readonly meter: MeterLike;
  /** Whether any metrics reader is configured: instrumentations skip measuring when not. */
  readonly active: boolean;
  /**
   * Meters of any scope, for the @opentelemetry/api bridge: the same meter for the same name,
   * version and schema URL; a no-op meter when no metrics reader is configured.
   */
  getMeter(name: string, version?: string, options?: { schemaUrl?: string }): MeterLike;
}

export interface InstrumentationContext {
  /** The instrumentation's id, which is also its instrumentation scope name. */
  readonly id: string;
  /** The resolved configuration. */
  readonly config: Config;
  /** Diagnostics whose lines name this instrumentation. */
  readonly diag: Diag;
  /** Wraps functions; every wrap is recorded so the registry can undo it. */
  readonly shimmer: Shimmer;
  /** False while the instrumentation is disabled; wrappers that outlive an unwrap check it first. */
  readonly isEnabled: () => boolean;
  /** A tracer whose instrumentation scope is this instrumentation. */
  readonly tracer: Tracer;
  /** Context, propagation and span helpers. */
  readonly trace: TraceServices;
  /** The log pipeline. */
  readonly logs: LogServices;
  /** The metrics pipeline. */
  readonly metrics: MetricServices;
}

export interface PatchInfo {
  /** The module as the hook saw it: `http`, `pg`, or a file inside a package: `pg/lib/client.js`. */
  readonly module: string;
  /** The package's version, or Node's for a builtin module. */
  readonly version: string;
  /** The package's directory; undefined for builtins. */
  readonly baseDir: string | undefined;
  /** How the module was reached: by `require` (or a builtin) or by `import` of an ES module. */
  readonly format: 'commonjs' | 'module';
}

export interface Target {
  /** The module name (`http`, `pg`) or a file inside a package (`pg/lib/client.js`). */
  readonly module: string;
  /** A bounded semver range of the versions this target supports (Node's version for builtins). */
  readonly versions: string;
  /**
   * Patches the module's exports. May return a replacement for the exports (for modules that
   * export a single function). If it throws, every wrap it made is undone and the program gets the
   * original exports.
   */
  patch(exports: any, ctx: InstrumentationContext, info: PatchInfo): unknown; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Undoes what `patch` did beyond `ctx.shimmer` wraps, which the registry undoes by itself. */
  unpatch?(exports: any, ctx: InstrumentationContext, info: PatchInfo): void; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface Instrumentation {
  /** The npm or builtin name of the library; the key for enabling and disabling it. */
  readonly id: string;
  readonly targets?: readonly Target[];
  /**
   * For libraries that publish on diagnostics_channel or live in globals: subscribe, and return
   * what undoes it. Called when the instrumentation is enabled.
   */
  setup?(ctx: InstrumentationContext): (() => void) | void;
}

/**
 * What the registry knows about an instrumentation before loading its code: enough to set up the
 * hooks. `modules` must name every module the instrumentation's targets name (a unit test holds
 * the catalog to that).
 */
export interface CatalogEntry {
  readonly id: string;
  readonly modules: readonly string[];
  /** Set up at start rather than when one of `modules` is first loaded (globals, channels). */
  readonly eager?: boolean;
  /**
   * An eager entry that only feeds one signal: its code is not even loaded when that signal has
   * nowhere to go (no log exporter, or this library's log sending turned off; no metrics reader).
   */
  readonly needs?: 'logs' | 'metrics';
  /**
   * Global functions (such as `fetch`) whose first call loads and sets up the instrumentation,
   * for libraries that are reached without a require or an import.
   */
  readonly globals?: readonly string[];
  readonly load: () => Instrumentation;
}
