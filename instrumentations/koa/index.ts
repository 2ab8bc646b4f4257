/**
 * Koa 2 and 3 (with @koa/router or any router that sets `ctx._matchedRoute`): the route names the
 * server span once the middleware has run, and errors are recorded on it as they leave each
 * middleware, so that one a program's own error middleware catches is seen too. Koa's handling and
 * response are unchanged: errors are rethrown as they were.
 */
import type { Instrumentation, InstrumentationContext } from '../../src/instrumentation/types';
import { ATTR_KOA_NAME, ATTR_KOA_TYPE } from '../../src/semconv';
import { isServerRequest, recordHandlerError, serverSpanOf, setRoute } from '../http-common';

interface KoaContext {
  req?: unknown;
  _matchedRoute?: unknown;
}

type Middleware = (ctx: KoaContext, next: () => Promise<unknown>) => unknown;
type HandleRequest = (this: unknown, ctx: KoaContext, fnMiddleware: (ctx: KoaContext) => Promise<unknown>) => unknown;

const routeOf = (ctx: KoaContext) => (typeof ctx._matchedRoute === 'string' ? ctx._matchedRoute : undefined);

function patch(exports: unknown, ctx: InstrumentationContext): void {
  const Koa = ((exports as { default?: unknown }).default ?? exports) as unknown;
  const proto = (typeof Koa === 'function' ? (Koa as { prototype?: unknown }).prototype : undefined) as
    | { use: (fn: Middleware) => unknown; handleRequest: HandleRequest }
    | undefined;
  if (!proto || typeof proto.handleRequest !== 'function') throw new TypeError('koa does not export its Application class');

  // The route is known once the router has matched: name the span when the middleware is done.
  ctx.shimmer.wrap(proto, 'handleRequest', (original: HandleRequest) =>
    function handleRequest(this: unknown, koaCtx: KoaContext, fnMiddleware: (c: KoaContext) => Promise<unknown>) {
      const req = koaCtx?.req;
      if (!ctx.isEnabled() || !isServerRequest(req)) return original.call(this, koaCtx, fnMiddleware);
      const named = (c: KoaContext) => {
        const done = () => {
          const route = routeOf(c);
          if (route) setRoute(req, route);
        };
        return fnMiddleware(c).then(
          (value) => {
            done();
            return value;
          },
          (error: unknown) => {
            done();
            const span = serverSpanOf(req);
            if (span) recordHandlerError(span, error);
            throw error;
          },
        );
      };
      return original.call(this, koaCtx, named);
    },
  );

  // An error leaving a middleware: recorded on the way out, even if an outer middleware catches it.
  // With TS_OTEL_RUN_MIDDLEWARE_SPANS, each middleware also gets a span, active while it runs;
  // Koa's middleware are nested (each runs the next inside itself), and so are their spans.
  const middlewareSpans = ctx.config.TS_OTEL_RUN_MIDDLEWARE_SPANS;
  const { trace, tracer } = ctx;
  ctx.shimmer.wrap(proto, 'use', (original: (fn: Middleware) => unknown) =>
    function use(this: unknown, fn: Middleware) {
      // Koa 2 converts generator middleware itself (it must see the generator function).
      if (typeof fn !== 'function' || fn.constructor?.name === 'GeneratorFunction') return original.call(this, fn);
      // @koa/router's routes() is a bound function with a `router` property.
      const isRouter = typeof (fn as { router?: unknown }).router === 'object';
      const type = isRouter ? 'router' : 'middleware';
      const name = isRouter ? 'routes' : fn.name.replace(/^bound /, '') || '<anonymous>';
      const observed: Middleware = function (this: unknown, koaCtx, next) {
        const span = ctx.isEnabled() ? serverSpanOf(koaCtx?.req) : undefined;
        if (!span) return fn.call(this, koaCtx, next);
        const parent = trace.contextManager.active();
        const mw = middlewareSpans
          ? tracer.startSpan(`${type} - ${name}`, { attributes: { [ATTR_KOA_TYPE]: type, [ATTR_KOA_NAME]: name } }, parent)
          : undefined;
        const failed = (error: unknown) => {
          recordHandlerError(span, error);
          if (mw) {
            mw.recordException(error);
            mw.setStatus({ code: 2 });
            mw.end();
          }
        };
        let result: unknown;
        try {
          result = mw ? trace.contextManager.with(trace.setSpan(parent, mw), () => fn.call(this, koaCtx, next)) : fn.call(this, koaCtx, next);
        } catch (error) {
          failed(error);
          throw error;
        }
        if (result && typeof (result as Promise<unknown>).then === 'function') {
          return (result as Promise<unknown>).then(
            (value) => {
              mw?.end();
              return value;
            },
            (error: unknown) => {
              failed(error);
              throw error;
            },
          );
        }
        mw?.end();
        return result;
      };
      // Keep what routers and debuggers read off a middleware.
      Object.defineProperty(observed, 'name', { value: fn.name, configurable: true });
      Object.defineProperty(observed, 'length', { value: fn.length, configurable: true });
      for (const key of Object.keys(fn)) (observed as unknown as Record<string, unknown>)[key] = (fn as unknown as Record<string, unknown>)[key];
      return original.call(this, observed);
    },
  );
}

const instrumentation: Instrumentation = {
  id: 'koa',
  targets: [{ module: 'koa', versions: '>=2 <4', patch }],
};

export default instrumentation;
