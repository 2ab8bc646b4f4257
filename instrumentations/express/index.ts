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
import { recordHandlerError, serverSpanOf, setRoute } from '../http-common';

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

function patch(express: unknown, ctx: InstrumentationContext): void {
  const e = express as { Router?: () => { route(path: string): object; stack: object[] } };
  if (typeof e.Router !== 'function') throw new TypeError('express.Router is not a function');
  const probe = e.Router();
  const RouteProto = Object.getPrototypeOf(probe.route('/')) as { dispatch: Handle };
  const LayerProto = Object.getPrototypeOf(probe.stack[0]) as Record<string, Handle>;

  // The route that will handle the request: its path below the mount points of its routers.
  ctx.shimmer.wrap(RouteProto, 'dispatch', (original: Handle) =>
    function dispatch(this: unknown, req: unknown, res: unknown, next: Next) {
      const span = ctx.isEnabled() ? serverSpanOf(req) : undefined;
      if (span) {
        const base = (req as RequestLike).baseUrl;
        const path = (this as { path?: unknown }).path;
        setRoute(span, `${typeof base === 'string' ? base : ''}${routePath(path)}` || '/');
      }
      return original.call(this, req, res, next);
    },
  );

  // Errors reach next(): thrown in a handler (Express catches it), rejected by an async handler
  // (Express 5), or passed by the program. Seen there, recorded once, then passed on untouched.
  const requestMethod = typeof LayerProto.handleRequest === 'function' ? 'handleRequest' : 'handle_request';
  ctx.shimmer.wrap(LayerProto, requestMethod, (original: Handle) =>
    function handleRequest(this: unknown, req: unknown, res: unknown, next: Next) {
      const span = ctx.isEnabled() ? serverSpanOf(req) : undefined;
      if (!span || typeof next !== 'function') return original.call(this, req, res, next);
      return original.call(this, req, res, function nextWithError(this: unknown, err?: unknown) {
        if (isError(err)) recordHandlerError(span, err);
        // eslint-disable-next-line prefer-rest-params
        return next.apply(this, arguments as unknown as [unknown]);
      });
    },
  );
}

const instrumentation: Instrumentation = {
  id: 'express',
  targets: [{ module: 'express', versions: '>=4 <6', patch }],
};

export default instrumentation;
