/**
 * The @opentelemetry/api bridge. When a program loads the API (any 1.x, any number of copies),
 * the engine's tracer provider, context manager and propagator are registered with THAT copy, and
 * its private context keys are made to mean the same as the engine's: spans the program makes by
 * hand join the instrumented traces, and `trace.getActiveSpan()` sees the instrumented spans.
 *
 * Copies with the metrics API (1.3 and later) get a MeterProvider too, when a metrics exporter is
 * configured: instruments the program creates through `metrics.getMeter(…)` are the engine's, and
 * are exported with the rest.
 *
 * A program that installs an SDK of its own wins: registering it replaces the bridge (one warning
 * says so), and spans made through the API then go to that SDK; the same for a MeterProvider.
 */
import type { Context } from '../../src/context/context';
import type { Instrumentation, InstrumentationContext, PatchInfo } from '../../src/instrumentation/types';
import type { BatchCallback, Callback, InstrumentOptions, MeterLike } from '../../src/metrics/meter';
import type { Attributes } from '../../src/trace/types';

interface Api {
  trace: {
    setGlobalTracerProvider(p: unknown): boolean;
    getTracerProvider(): { getDelegate?: () => unknown };
    setSpan(context: Context, span: unknown): Context;
    disable(): void;
  };
  context: { setGlobalContextManager(m: unknown): boolean; disable(): void };
  propagation: {
    setGlobalPropagator(p: unknown): boolean;
    setBaggage?(context: Context, baggage: unknown): Context;
    disable(): void;
  };
  /** 1.3 and later. */
  metrics?: {
    setGlobalMeterProvider(p: unknown): boolean;
    getMeterProvider(): unknown;
    disable(): void;
  };
}

/** The symbol a function stores its value under, found by handing it a context that records it. */
function keyUsedBy(store: (context: Context) => unknown): symbol | undefined {
  let key: symbol | undefined;
  const recorder: Context = {
    getValue: () => undefined,
    setValue(k: symbol) {
      key = k;
      return recorder;
    },
    deleteValue: () => recorder,
  };
  try {
    store(recorder);
  } catch {
    return undefined;
  }
  return key;
}

function patch(exports: unknown, ctx: InstrumentationContext, info: PatchInfo): void {
  const api = exports as Api;
  bridgeTraces(api, ctx, info);
  // Spans stay bridged whatever happens to meters.
  try {
    bridgeMetrics(api, ctx, info);
  } catch (e) {
    ctx.diag.warn(`@opentelemetry/api@${info.version}: meters are not bridged: ${message(e)}`);
  }
}

function bridgeTraces(api: Api, ctx: InstrumentationContext, info: PatchInfo): void {
  const { trace: services, diag } = ctx;
  const provider = services.tracerProvider;
  const manager = services.contextManager;

  // The API may call disable() on what is registered (when an SDK replaces it, at its shutdown):
  // hand it a facade, so that only the registration goes, never the engine's own context manager.
  const contextFacade = {
    active: () => manager.active(),
    with: (...args: Parameters<typeof manager.with>) => manager.with(...args),
    bind: <T>(context: Context, target: T) => manager.bind(context, target),
    enable() {
      return contextFacade;
    },
    disable() {
      return contextFacade;
    },
  };

  const spanKey = keyUsedBy((c) => api.trace.setSpan(c, {}));
  if (spanKey) services.linkContextKeys(services.keys.span, spanKey);
  const baggageKey = api.propagation.setBaggage ? keyUsedBy((c) => api.propagation.setBaggage!(c, {})) : undefined;
  if (baggageKey) services.linkContextKeys(services.keys.baggage, baggageKey);

  const registered =
    api.trace.setGlobalTracerProvider(provider) &&
    api.context.setGlobalContextManager(contextFacade) &&
    api.propagation.setGlobalPropagator(services.propagator);
  const ours = () => api.trace.getTracerProvider().getDelegate?.() === provider;
  if (!registered && !ours()) {
    diag.once(
      'api-taken',
      'warn',
      `@opentelemetry/api@${info.version} already has an SDK registered by the program: spans made through the API go there, not to ts-otel-run`,
    );
    return;
  }
  diag.debug(`registered with @opentelemetry/api@${info.version}`);

  // An SDK the program registers later takes over: unregister the bridge first, so that its
  // registration succeeds instead of failing as a duplicate.
  const takeOver = (name: string, disable: () => void) => (original: (x: unknown) => boolean) =>
    function (this: unknown, replacement: unknown): boolean {
      if (replacement !== provider && replacement !== contextFacade && replacement !== services.propagator) {
        diag.once(
          'api-replaced',
          'warn',
          `the program registered its own OpenTelemetry SDK (${name}); spans it makes through @opentelemetry/api go there from now on`,
        );
        disable();
      }
      return original.call(this, replacement);
    };
  ctx.shimmer.wrap(api.trace, 'setGlobalTracerProvider', takeOver('tracer provider', () => api.trace.disable()));
  ctx.shimmer.wrap(api.context, 'setGlobalContextManager', takeOver('context manager', () => api.context.disable()));
  ctx.shimmer.wrap(api.propagation, 'setGlobalPropagator', takeOver('propagator', () => api.propagation.disable()));
}

/** Where every 1.x copy of the API keeps what is registered (shared by copies of one version). */
const API_GLOBAL = Symbol.for('opentelemetry.js.api.1');

/** One MeterProvider per registry state, whichever copies of the API it is registered with. */
const facades = new WeakMap<InstrumentationContext, object>();

function bridgeMetrics(api: Api, ctx: InstrumentationContext, info: PatchInfo): void {
  const { diag } = ctx;
  const metrics = api.metrics;
  if (
    typeof metrics?.setGlobalMeterProvider !== 'function' ||
    typeof metrics.getMeterProvider !== 'function' ||
    typeof metrics.disable !== 'function'
  ) {
    diag.debug(`@opentelemetry/api@${info.version} has no metrics API (it came in 1.3)`);
    return;
  }
  // Without a metrics exporter there is nothing to record into: the API stays as the program found it.
  if (!ctx.metrics.active) return;
  let facade = facades.get(ctx);
  if (!facade) facades.set(ctx, (facade = meterProvider(ctx)));
  const seenHere = () => metrics.getMeterProvider() === facade;
  const slot = () => (globalThis as unknown as Record<symbol, { version?: unknown; metrics?: unknown } | undefined>)[API_GLOBAL];
  // Registered through another copy of the API, which this one may not see (below).
  const inSlot = () => slot()?.metrics === facade;
  const ours = () => seenHere() || inSlot();

  // Asking first spares the program the API's own "duplicate registration" error when another
  // copy of the API already registered us.
  if (!ours() && !metrics.setGlobalMeterProvider(facade)) {
    diag.once(
      'api-metrics-taken',
      'warn',
      `@opentelemetry/api@${info.version} already has a MeterProvider registered by the program: instruments created through the API record there, not in ts-otel-run`,
    );
    return;
  }
  if (!seenHere()) {
    // The API's rule: a copy ignores what a copy of an older minor version registered.
    diag.once(
      `api-metrics-unseen:${info.version}`,
      'info',
      `@opentelemetry/api@${info.version} does not accept what @opentelemetry/api@${String(slot()?.version)} registered: instruments created through this copy record nothing`,
    );
  } else {
    diag.debug(`registered a MeterProvider with @opentelemetry/api@${info.version}`);
  }

  // A MeterProvider the program registers later takes over: unregister the bridge first, so that
  // its registration succeeds instead of failing as a duplicate. The API has no proxy meters:
  // instruments created before keep recording here, as they would keep recording in any provider.
  ctx.shimmer.wrap(metrics, 'setGlobalMeterProvider', (original) =>
    function (this: unknown, replacement: unknown): boolean {
      if (replacement !== facade && ours()) {
        diag.once(
          'api-metrics-replaced',
          'warn',
          'the program registered its own MeterProvider; instruments it creates through @opentelemetry/api from now on record there',
        );
        metrics.disable();
      }
      return original.call(this, replacement);
    },
  );
}

type ApiCallback = (result: { observe(value: number, attributes?: Attributes): void }) => void | Promise<void>;
type ApiBatchCallback = (result: { observe(observable: object, value: number, attributes?: Attributes): void }) => void | Promise<void>;

const NOOP_ADD = { add() {} };
const NOOP_RECORD = { record() {} };
const NOOP_OBSERVABLE = { addCallback() {}, removeCallback() {} };

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
/** Attributes as the engine takes them: an object, or none. */
const attributesOf = (a: unknown) => (a !== null && typeof a === 'object' ? (a as Attributes) : undefined);

/** The API's MeterProvider: `getMeter(name, version?, { schemaUrl? })`, one Meter per scope. */
function meterProvider(ctx: InstrumentationContext): object {
  const meters = new Map<string, object>();
  // The engine's observable behind each one the program got, across meters: for batch callbacks.
  const observables = new WeakMap<object, object>();
  return {
    getMeter(name: unknown, version?: unknown, options?: { schemaUrl?: unknown }): object {
      // The API promises a working meter whatever the arguments: anything but a string counts as none.
      const n = typeof name === 'string' ? name : '';
      const v = typeof version === 'string' && version ? version : undefined;
      const schemaUrl = options !== null && typeof options === 'object' && typeof options.schemaUrl === 'string' ? options.schemaUrl : undefined;
      const key = `${n}@${v ?? ''}@${schemaUrl ?? ''}`;
      let meter = meters.get(key);
      if (!meter) {
        meter = apiMeter(ctx.metrics.getMeter(n, v, schemaUrl ? { schemaUrl } : undefined), ctx, observables);
        meters.set(key, meter);
      }
      return meter;
    },
  };
}

/**
 * The API's Meter over one of the engine's. Its instruments take `(value, attributes?, context?)`;
 * the context is for exemplars, which the engine does not keep. Nothing here throws into the
 * program: a failure is a debug line and a no-op.
 */
function apiMeter(meter: MeterLike, ctx: InstrumentationContext, observables: WeakMap<object, object>): object {
  const { isEnabled: on, diag } = ctx;
  const failed = (what: string, e: unknown) =>
    diag.once(`api-metrics:${what}`, 'debug', `${what} through @opentelemetry/api failed: ${message(e)}`);
  const make = <T>(what: string, create: () => T, fallback: T): T => {
    try {
      return create();
    } catch (e) {
      failed(what, e);
      return fallback;
    }
  };
  /** What an observable callback is handed: the engine's result, guarded. */
  const guarded = (result: Parameters<Callback>[0]) => ({
    observe(value: number, attributes?: Attributes): void {
      try {
        result.observe(value, attributesOf(attributes));
      } catch (e) {
        failed('an observation', e);
      }
    },
  });

  const adding = (what: string, create: (name: string, options?: InstrumentOptions) => { add(value: number, attributes?: Attributes): void }) =>
    function (name: string, options?: InstrumentOptions) {
      const ours = make(what, () => create(name, options), NOOP_ADD);
      return {
        add(value: number, attributes?: Attributes, _context?: unknown): void {
          if (!on()) return;
          try {
            ours.add(value, attributesOf(attributes));
          } catch (e) {
            failed('a measurement', e);
          }
        },
      };
    };
  const recording = (what: string, create: (name: string, options?: InstrumentOptions) => { record(value: number, attributes?: Attributes): void }) =>
    function (name: string, options?: InstrumentOptions) {
      const ours = make(what, () => create(name, options), NOOP_RECORD);
      return {
        record(value: number, attributes?: Attributes, _context?: unknown): void {
          if (!on()) return;
          try {
            ours.record(value, attributesOf(attributes));
          } catch (e) {
            failed('a measurement', e);
          }
        },
      };
    };
  const observable = (what: string, create: (name: string, options?: InstrumentOptions) => { addCallback(cb: Callback): void; removeCallback(cb: Callback): void }) =>
    function (name: string, options?: InstrumentOptions) {
      const ours = make(what, () => create(name, options), NOOP_OBSERVABLE);
      // One engine callback per program callback, so that adding it twice adds it once and
      // removing it finds it.
      const wrappers = new WeakMap<ApiCallback, Callback>();
      const handle = {
        addCallback(callback: ApiCallback): void {
          if (typeof callback !== 'function') return;
          let wrapper = wrappers.get(callback);
          if (!wrapper) {
            wrapper = (result) => (on() ? callback(guarded(result)) : undefined);
            wrappers.set(callback, wrapper);
          }
          ours.addCallback(wrapper);
        },
        removeCallback(callback: ApiCallback): void {
          const wrapper = typeof callback === 'function' ? wrappers.get(callback) : undefined;
          if (wrapper) ours.removeCallback(wrapper);
        },
      };
      if (ours !== NOOP_OBSERVABLE) observables.set(handle, ours);
      return handle;
    };

  /** The engine's observables behind those the program names; others (not ours) are left out. */
  const engineObservables = (list: unknown): object[] => {
    const out: object[] = [];
    if (!Array.isArray(list)) return out;
    for (const o of list) {
      const ours = o !== null && typeof o === 'object' ? observables.get(o) : undefined;
      if (ours) out.push(ours);
    }
    return out;
  };
  const batchWrappers = new WeakMap<ApiBatchCallback, BatchCallback>();

  return {
    createCounter: adding('createCounter', (n, o) => meter.createCounter(n, o)),
    createUpDownCounter: adding('createUpDownCounter', (n, o) => meter.createUpDownCounter(n, o)),
    createHistogram: recording('createHistogram', (n, o) => meter.createHistogram(n, o)),
    createGauge: recording('createGauge', (n, o) => meter.createGauge(n, o)),
    createObservableCounter: observable('createObservableCounter', (n, o) => meter.createObservableCounter(n, o)),
    createObservableUpDownCounter: observable('createObservableUpDownCounter', (n, o) => meter.createObservableUpDownCounter(n, o)),
    createObservableGauge: observable('createObservableGauge', (n, o) => meter.createObservableGauge(n, o)),
    addBatchObservableCallback(callback: ApiBatchCallback, list: readonly object[]): void {
      if (typeof callback !== 'function') return;
      let wrapper = batchWrappers.get(callback);
      if (!wrapper) {
        wrapper = (result) => {
          if (!on()) return undefined;
          return callback({
            observe(observable: object, value: number, attributes?: Attributes): void {
              const ours = observable !== null && typeof observable === 'object' ? observables.get(observable) : undefined;
              if (!ours) return;
              try {
                result.observe(ours, value, attributesOf(attributes));
              } catch (e) {
                failed('an observation', e);
              }
            },
          });
        };
        batchWrappers.set(callback, wrapper);
      }
      meter.addBatchObservableCallback(wrapper, engineObservables(list));
    },
    removeBatchObservableCallback(callback: ApiBatchCallback, list: readonly object[]): void {
      const wrapper = typeof callback === 'function' ? batchWrappers.get(callback) : undefined;
      if (wrapper) meter.removeBatchObservableCallback(wrapper, engineObservables(list));
    },
  };
}

const instrumentation: Instrumentation = {
  id: '@opentelemetry/api',
  targets: [{ module: '@opentelemetry/api', versions: '>=1.0.0 <2', patch }],
};

export default instrumentation;
