/**
 * Express 4 and 5: the matched route names the server span (`GET /users/:id`, with http.route),
 * and errors thrown in handlers or passed to next() are recorded on it, while Express's own error
 * handling and response stay as they are.
 *
 * Express does not export its Route and Layer classes; their prototypes are taken from a router
 * made for the purpose (Express 4 has its own; Express 5 uses the `router` package, whose Layer
 * methods are camel-cased).
 */
import type { Instrumentation, InstrumentationContext } from '../../src/instrumentation/types';
import { ATTR_EXPRESS_NAME, ATTR_EXPRESS_TYPE } from '../../src/semconv';
import { isServerRequest, recordHandlerError, serverSpanOf, setRoute } from '../http-common';

type Next = (err?: unknown) => unknown;
type Handle = (this: unknown, req: unknown, res: unknown, next: Next) => unknown;

interface RequestLike {
  baseUrl?: unknown;
}

/** `route` and `router` are Express's own signals to skip to the next route or router. */
const isError = (err: unknown) => err !== undefined && err !== null && err !== 'route' && err !== 'router';

function routePath(path: unknown): string {
  if (typeof path === 'string') return path;
  if (Array.isArray(path)) return path.map(routePath).join(',');
  if (path instanceof RegExp) return String(path);
  return '';
}

/** Middleware spans still open, per response: a layer that answers without calling next ends with it. */
const openSpans = new WeakMap<object, Set<{ end(): void }>>();

function endWithResponse(res: unknown, span: { end(): void }): void {
  const r = res as { once?: (event: string, listener: () => void) => unknown };
  let spans = openSpans.get(res as object);
  if (!spans) {
    const set = new Set<{ end(): void }>();
    spans = set;
    openSpans.set(res as object, set);
    // One listener per response, whatever the number of layers. 'close' comes after the response
    // is done, and also when the client went away before that.
    r.once?.('close', () => {
      for (const s of set) s.end();
      set.clear();
    });
  }
  spans.add(span);
}

function patch(express: unknown, ctx: InstrumentationContext): void {
  const e = express as { Router?: () => { route(path: string): object; stack: object[] } };
  if (typeof e.Router !== 'function') throw new TypeError('express.Router is not a function');
  const probe = e.Router();
  const RouteProto = Object.getPrototypeOf(probe.route('/')) as { dispatch: Handle };
  const LayerProto = Object.getPrototypeOf(probe.stack[0]) as Record<string, Handle>;

  // The route that will handle the request: its path below the mount points of its routers.
  ctx.shimmer.wrap(RouteProto, 'dispatch', (original: Handle) =>
    function dispatch(this: unknown, req: unknown, res: unknown, next: Next) {
      if (ctx.isEnabled() && isServerRequest(req)) {
        const base = (req as RequestLike).baseUrl;
        const path = (this as { path?: unknown }).path;
        setRoute(req, `${typeof base === 'string' ? base : ''}${routePath(path)}` || '/');
      }
      return original.call(this, req, res, next);
    },
  );

  // Errors reach next(): thrown in a handler (Express catches it), rejected by an async handler
  // (Express 5), or passed by the program. Seen there, recorded once, then passed on untouched.
  const requestMethod = typeof LayerProto.handleRequest === 'function' ? 'handleRequest' : 'handle_request';
  const middlewareSpans = ctx.config.TS_OTEL_RUN_MIDDLEWARE_SPANS;
  const { trace, tracer } = ctx;
  ctx.shimmer.wrap(LayerProto, requestMethod, (original: Handle) =>
    function handleRequest(this: unknown, req: unknown, res: unknown, next: Next) {
      const span = ctx.isEnabled() ? serverSpanOf(req) : undefined;
      if (!span || typeof next !== 'function') return original.call(this, req, res, next);
      // The layers inside a route (each of its handlers, marked with their method) run within the
      // route's own layer, whose span is the "request handler" one.
      if (!middlewareSpans || (this as { method?: unknown }).method !== undefined) {
        return original.call(this, req, res, function nextWithError(this: unknown, err?: unknown) {
          if (isError(err)) recordHandlerError(span, err);
          // eslint-disable-next-line prefer-rest-params
          return next.apply(this, arguments as unknown as [unknown]);
        });
      }
      // A span for this layer, active while it runs. It ends when the layer hands on (next) or the
      // response is done; the next layer then runs in the context this one started in, so that
      // layers are siblings under the server span and what a layer does nests under it.
      const layer = this as { name?: unknown; route?: { path?: unknown } };
      const parent = trace.contextManager.active();
      const route = layer.route ? `${(req as RequestLike).baseUrl ?? ''}${routePath(layer.route.path)}` : undefined;
      const type = route !== undefined ? 'request_handler' : layer.name === 'router' ? 'router' : 'middleware';
      const name = route ?? (typeof layer.name === 'string' && layer.name ? layer.name : '<anonymous>');
      const mw = tracer.startSpan(`${type === 'request_handler' ? 'request handler' : type} - ${name}`, {
        attributes: { [ATTR_EXPRESS_TYPE]: type, [ATTR_EXPRESS_NAME]: name },
      }, parent);
      const end = () => {
        mw.end();
        openSpans.get(res as object)?.delete(mw);
      };
      endWithResponse(res, mw);
      return trace.contextManager.with(trace.setSpan(parent, mw), () =>
        original.call(this, req, res, function nextInParent(this: unknown, err?: unknown) {
          if (isError(err)) {
            recordHandlerError(span, err);
            mw.recordException(err);
            mw.setStatus({ code: 2 });
          }
          end();
          // eslint-disable-next-line prefer-rest-params
          const args = arguments as unknown as [unknown];
          return trace.contextManager.with(parent, () => next.apply(this, args));
        }),
      );
    },
  );
}

const instrumentation: Instrumentation = {
  id: 'express',
  targets: [{ module: 'express', versions: '>=4 <6', patch }],
};

export default instrumentation;
