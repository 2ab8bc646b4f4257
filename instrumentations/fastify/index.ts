/**
 * Fastify 4 and 5: through Fastify's own hooks, added to every instance the factory makes. The
 * route (`request.routeOptions.url`) names the server span; an error a handler throws or rejects
 * with is recorded on it (`onError` runs before Fastify's error handler, which then answers as
 * it always does).
 */
import type { Instrumentation, InstrumentationContext } from '../../src/instrumentation/types';
import { recordHandlerError, serverSpanOf, setRoute } from '../http-common';

interface FastifyRequestLike {
  raw?: unknown;
  routeOptions?: { url?: unknown };
  routerPath?: unknown;
}

interface FastifyLike {
  addHook(name: string, hook: (...args: unknown[]) => unknown): unknown;
}

type Factory = ((...args: unknown[]) => FastifyLike) & Record<string, unknown>;

function addHooks(instance: FastifyLike, ctx: InstrumentationContext): void {
  // Callback-style hooks (no promise made per request).
  instance.addHook('onRequest', (request: unknown, _reply: unknown, done: unknown) => {
    const span = ctx.isEnabled() ? serverSpanOf((request as FastifyRequestLike).raw) : undefined;
    if (span) {
      const r = request as FastifyRequestLike;
      // routeOptions.url from Fastify 4.10 on; routerPath before (deprecated, gone in 5).
      const route = r.routeOptions?.url ?? r.routerPath;
      if (typeof route === 'string' && route) setRoute(span, route);
    }
    (done as () => void)();
  });
  instance.addHook('onError', (request: unknown, _reply: unknown, error: unknown, done: unknown) => {
    const span = ctx.isEnabled() ? serverSpanOf((request as FastifyRequestLike).raw) : undefined;
    if (span) recordHandlerError(span, error);
    (done as () => void)();
  });
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
