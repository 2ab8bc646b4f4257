/**
 * The @opentelemetry/api bridge. When a program loads the API (any 1.x, any number of copies),
 * the engine's tracer provider, context manager and propagator are registered with THAT copy, and
 * its private context keys are made to mean the same as the engine's: spans the program makes by
 * hand join the instrumented traces, and `trace.getActiveSpan()` sees the instrumented spans.
 *
 * A program that installs an SDK of its own wins: registering it replaces the bridge (one warning
 * says so), and spans made through the API then go to that SDK.
 */
import type { Context } from '../../src/context/context';
import type { Instrumentation, InstrumentationContext, PatchInfo } from '../../src/instrumentation/types';

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

const instrumentation: Instrumentation = {
  id: '@opentelemetry/api',
  targets: [{ module: '@opentelemetry/api', versions: '>=1.0.0 <2', patch }],
};

export default instrumentation;
