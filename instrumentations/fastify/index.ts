/**
 * Fastify 4 and 5: through Fastify's own hooks, added to every instance the factory makes. The
 * route (`request.routeOptions.url`) names the server span; an error a handler throws or rejects
 * with is recorded on it (`onError` runs before Fastify's error handler, which then answers as
 * it always does). With TS_OTEL_RUN_MIDDLEWARE_SPANS, the route handler gets a span of its own.
 */
import type { Instrumentation, InstrumentationContext } from '../../src/instrumentation/types';
import { ATTR_FASTIFY_NAME, ATTR_FASTIFY_TYPE } from '../../src/semconv';
import { isServerRequest, recordHandlerError, serverSpanOf, setRoute } from '../http-common';

interface FastifyRequestLike {
  raw?: unknown;
  routeOptions?: { url?: unknown };
  routerPath?: unknown;
}

interface FastifyLike {
  addHook(name: string, hook: (...args: unknown[]) => unknown): unknown;
}

type Factory = ((...args: unknown[]) => FastifyLike) & Record<string, unknown>;

/** The handler span of a request (TS_OTEL_RUN_MIDDLEWARE_SPANS), until its response is sent. */
const handlerSpans = new WeakMap<object, { end(): void }>();

function addHooks(instance: FastifyLike, ctx: InstrumentationContext): void {
  // Callback-style hooks (no promise made per request).
  instance.addHook('onRequest', (request: unknown, _reply: unknown, done: unknown) => {
    const raw = (request as FastifyRequestLike).raw;
    if (ctx.isEnabled() && isServerRequest(raw)) {
      const r = request as FastifyRequestLike;
      // routeOptions.url from Fastify 4.10 on; routerPath before (deprecated, gone in 5).
      const route = r.routeOptions?.url ?? r.routerPath;
      if (typeof route === 'string' && route) setRoute(raw, route);
    }
    (done as () => void)();
  });
  instance.addHook('onError', (request: unknown, _reply: unknown, error: unknown, done: unknown) => {
    const span = ctx.isEnabled() ? serverSpanOf((request as FastifyRequestLike).raw) : undefined;
    if (span) recordHandlerError(span, error);
    (done as () => void)();
  });
  if (!ctx.config.TS_OTEL_RUN_MIDDLEWARE_SPANS) return;
  // A span for the route handler, active while it runs: Fastify calls the handler from the
  // preHandler hooks' done(), so calling done() inside the span's context hands it on.
  const { trace, tracer } = ctx;
  instance.addHook('preHandler', (request: unknown, _reply: unknown, done: unknown) => {
    const server = ctx.isEnabled() ? serverSpanOf((request as FastifyRequestLike).raw) : undefined;
    if (!server) return (done as () => void)();
    const r = request as FastifyRequestLike;
    const route = r.routeOptions?.url ?? r.routerPath;
    const name = typeof route === 'string' && route ? route : '<unknown>';
    const parent = trace.contextManager.active();
    const span = tracer.startSpan(`request handler - ${name}`, { attributes: { [ATTR_FASTIFY_TYPE]: 'request_handler', [ATTR_FASTIFY_NAME]: name } }, parent);
    handlerSpans.set(request as object, span);
    trace.contextManager.with(trace.setSpan(parent, span), () => (done as () => void)());
  });
  const endHandler = (request: unknown, _reply: unknown, done: unknown) => {
    handlerSpans.get(request as object)?.end();
    handlerSpans.delete(request as object);
    (done as () => void)();
  };
  instance.addHook('onResponse', endHandler);
  try {
    instance.addHook('onRequestAbort', endHandler); // Fastify 4.15 and later
  } catch {
    // older: a request aborted before its response leaves its handler span to be collected unended
  }
}

function patch(exports: unknown, ctx: InstrumentationContext): unknown {
  const original = exports as Factory;
  if (typeof original !== 'function') throw new TypeError('fastify does not export a function');
  // Fastify's module is its factory: the program gets a wrapper that adds the hooks to each instance.
  const wrapped = function fastify(this: unknown, ...args: unknown[]) {
    const instance = original.apply(this, args);
    try {
      if (instance && typeof instance.addHook === 'function') addHooks(instance, ctx);
    } catch (e) {
      ctx.diag.debug(`hooks not added: ${e instanceof Error ? e.message : String(e)}`);
    }
    return instance;
  } as Factory;
  for (const key of Reflect.ownKeys(original)) {
    if (key === 'length' || key === 'name' || key === 'prototype') continue;
    const d = Object.getOwnPropertyDescriptor(original, key);
    if (d) Object.defineProperty(wrapped, key, d);
  }
  // The ways the factory is reached besides the module itself: require('fastify').fastify / .default.
  wrapped.fastify = wrapped;
  wrapped.default = wrapped;
  return wrapped;
}

const instrumentation: Instrumentation = {
  id: 'fastify',
  targets: [{ module: 'fastify', versions: '>=4 <6', patch }],
};

export default instrumentation;
