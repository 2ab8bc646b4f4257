/**
 * fetch and undici: a CLIENT span per request, through undici's diagnostics channels, which both
 * Node's global fetch and the undici package publish on. The catalog loads this on the first call
 * of the global fetch or the first load of the undici package.
 *
 * One client span per fetch call, redirects included: the fetch functions (global and undici's)
 * are wrapped only to mark their calls in the context, so that the requests of the redirects a
 * fetch follows join its span (counted in http.request.resend_count) instead of making their own.
 * fetch does not go through http.request, so the http instrumentation never sees these requests.
 */
import type { Instrumentation, InstrumentationContext } from '../../src/instrumentation/types';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_REQUEST_RESEND_COUNT,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
  ATTR_URL_SCHEME,
  ERROR_TYPE_OTHER,
  KNOWN_HTTP_METHODS,
} from '../../src/semconv';
import type { Span } from '../../src/trace/span';
import type { NonRecordingSpan } from '../../src/trace/span-context';
import type { Attributes } from '../../src/trace/types';
import { httpDurationHistogram, httpPolicy, type HttpPolicy } from '../http-common';

const CLIENT = 2;
const ERROR = 2;

/** What undici publishes about a request (the fields read here exist from undici 5 on). */
interface UndiciRequest {
  origin?: unknown;
  method?: unknown;
  path?: unknown;
  headers?: unknown;
  addHeader?: (name: string, value: string) => unknown;
}

type AnySpan = Span | NonRecordingSpan;

/** One fetch call: its span once its first request exists, and whether it follows redirects. */
/** http.client.request.duration of one fetch (its redirects included, as its span). */
interface Timing {
  readonly startMs: number;
  readonly attributes: Attributes;
}

interface FetchCall {
  span?: AnySpan;
  timing?: Timing;
  readonly follow: boolean;
  hops: number;
}

interface InFlight {
  readonly span: AnySpan;
  readonly timing?: Timing;
  readonly call?: FetchCall;
  status?: number;
  /** A redirect the fetch will follow: the span goes on with the next request. */
  redirected?: boolean;
}

const FETCH_CALL = Symbol('ts-otel-run.undici.fetch-call');
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
type FetchFn = (this: unknown, input: unknown, init?: { redirect?: unknown }) => unknown;

/** Whether the program set a header itself (undici keeps headers as a flat array or as text). */
function hasHeader(headers: unknown, name: string): boolean {
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) {
      if (String(headers[i]).toLowerCase() === name) return true;
    }
    return false;
  }
  return typeof headers === 'string' && headers.toLowerCase().includes(`${name}:`);
}

/** A header's values from undici's raw lists ([name, value, …], strings or Buffers) or its header text. */
function headerValues(headers: unknown, name: string): string[] | undefined {
  let found: string[] | undefined;
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) {
      if (String(headers[i]).toLowerCase() === name) (found ??= []).push(String(headers[i + 1]));
    }
  } else if (typeof headers === 'string') {
    for (const line of headers.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === name) (found ??= []).push(line.slice(colon + 1).trim());
    }
  }
  return found;
}

function requestAttributes(request: UndiciRequest, policy: HttpPolicy): { name: string; attributes: Attributes } | undefined {
  if (typeof request.origin !== 'string' && !(request.origin instanceof URL)) return undefined;
  let origin: URL;
  try {
    origin = new URL(String(request.origin));
  } catch {
    return undefined;
  }
  const raw = typeof request.method === 'string' ? request.method : 'GET';
  const upper = raw.toUpperCase();
  const known = KNOWN_HTTP_METHODS.has(upper);
  const port = origin.port ? Number(origin.port) : origin.protocol === 'https:' ? 443 : 80;
  origin.username = '';
  origin.password = '';
  const attributes: Attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: known ? upper : '_OTHER',
    [ATTR_SERVER_ADDRESS]: origin.hostname.replace(/^\[|\]$/g, ''),
    [ATTR_SERVER_PORT]: port,
    [ATTR_URL_FULL]: policy.redactUrl(`${origin.origin}${typeof request.path === 'string' ? request.path : '/'}`),
  };
  if (!known || raw !== upper) attributes[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = raw;
  return { name: known ? upper : 'HTTP', attributes };
}

function setup(ctx: InstrumentationContext): () => void {
  const dc = require('node:diagnostics_channel') as typeof import('node:diagnostics_channel');
  const { trace, tracer } = ctx;
  const policy = httpPolicy(ctx.config);
  const inFlight = new WeakMap<object, InFlight>();
  const duration = httpDurationHistogram(ctx, 'client');

  const end = (request: object, error?: unknown) => {
    const entry = inFlight.get(request);
    if (!entry) return;
    inFlight.delete(request);
    const { span, status } = entry;
    let type: string | undefined;
    if (status !== undefined) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    if (error !== undefined) {
      span.recordException(error);
      const code = (error as { code?: unknown; name?: unknown }) ?? {};
      type = typeof code.code === 'string' ? code.code : typeof code.name === 'string' ? code.name : ERROR_TYPE_OTHER;
      span.setAttribute(ATTR_ERROR_TYPE, type);
      span.setStatus({ code: ERROR, message: error instanceof Error ? error.message : String(error) });
    } else if (status !== undefined && status >= 400) {
      type = String(status);
      span.setAttribute(ATTR_ERROR_TYPE, type);
      span.setStatus({ code: ERROR });
    }
    span.end();
    const timing = entry.timing;
    if (duration && timing) {
      const measured: Attributes = { ...timing.attributes };
      if (status !== undefined) measured[ATTR_HTTP_RESPONSE_STATUS_CODE] = status;
      if (type !== undefined) measured[ATTR_ERROR_TYPE] = type;
      duration.record((performance.now() - timing.startMs) / 1000, measured);
    }
  };

  const onCreate = (message: unknown) => {
    if (!ctx.isEnabled()) return;
    const request = (message as { request?: UndiciRequest }).request;
    if (!request || typeof request !== 'object') return;
    const caller = trace.contextManager.active();
    if (trace.isTracingSuppressed(caller)) return;
    const call = caller.getValue(FETCH_CALL) as FetchCall | undefined;
    let span: AnySpan;
    let timing: Timing | undefined;
    if (call?.span) {
      // A redirect this fetch follows: the same span, one more hop.
      span = call.span;
      timing = call.timing;
      span.setAttribute(ATTR_HTTP_REQUEST_RESEND_COUNT, ++call.hops);
    } else {
      const described = requestAttributes(request, policy);
      if (!described || policy.excluded(described.attributes[ATTR_URL_FULL] as string)) return;
      const a = described.attributes;
      if (duration) {
        timing = {
          startMs: performance.now(),
          attributes: {
            [ATTR_HTTP_REQUEST_METHOD]: a[ATTR_HTTP_REQUEST_METHOD]!,
            [ATTR_SERVER_ADDRESS]: a[ATTR_SERVER_ADDRESS]!,
            [ATTR_SERVER_PORT]: a[ATTR_SERVER_PORT]!,
            [ATTR_URL_SCHEME]: String(a[ATTR_URL_FULL]).slice(0, String(a[ATTR_URL_FULL]).indexOf(':')),
          },
        };
      }
      policy.clientRequest?.record(described.attributes, (name) => headerValues(request.headers, name));
      span = tracer.startSpan(described.name, { kind: CLIENT, attributes: described.attributes }, caller);
      if (call) {
        call.span = span;
        call.timing = timing;
      }
    }
    inFlight.set(request, { span, ...(call ? { call } : {}), ...(timing ? { timing } : {}) });
    if (typeof request.addHeader !== 'function') return;
    const carrier: Record<string, unknown> = {};
    trace.propagation.inject(trace.setSpan(caller, span), carrier);
    for (const [name, value] of Object.entries(carrier)) {
      // A header the program set itself is its own: never a second one of the same name.
      if (!hasHeader(request.headers, name)) request.addHeader(name, String(value));
    }
  };
  // The span ends when the whole response has arrived (trailers) or the request failed.
  const onHeaders = (message: unknown) => {
    const { request, response } = message as { request?: object; response?: { statusCode?: unknown; headers?: unknown } };
    const entry = request && inFlight.get(request);
    if (!entry) return;
    if (typeof response?.statusCode === 'number') entry.status = response.statusCode;
    entry.redirected =
      entry.call?.follow === true && REDIRECTS.has(entry.status ?? 0) && headerValues(response?.headers, 'location') !== undefined;
    if (policy.clientResponse) {
      const captured: Attributes = {};
      policy.clientResponse.record(captured, (name) => headerValues(response?.headers, name));
      entry.span.setAttributes(captured);
    }
  };
  const onTrailers = (message: unknown) => {
    const { request } = message as { request?: object };
    if (!request) return;
    if (inFlight.get(request)?.redirected) inFlight.delete(request);
    else end(request);
  };
  const onError = (message: unknown) => {
    const { request, error } = message as { request?: object; error?: unknown };
    if (request) end(request, error ?? new Error('request failed'));
  };

  const subscriptions: [string, (m: unknown) => void][] = [
    ['undici:request:create', onCreate],
    ['undici:request:headers', onHeaders],
    ['undici:request:trailers', onTrailers],
    ['undici:request:error', onError],
  ];
  for (const [name, fn] of subscriptions) dc.subscribe(name, fn);
  // The global fetch: marked calls (see the header comment). Undone with the instrumentation.
  if (typeof (globalThis as { fetch?: unknown }).fetch === 'function') {
    ctx.shimmer.wrap(globalThis as unknown as { fetch: FetchFn }, 'fetch', (original) => markCalls(ctx, original));
  }
  return () => {
    for (const [name, fn] of subscriptions) dc.unsubscribe(name, fn);
  };
}

/** Runs each fetch call in a context that marks it, so that its redirects join its span. */
function markCalls(ctx: InstrumentationContext, original: FetchFn): FetchFn {
  const { contextManager } = ctx.trace;
  return function fetch(this: unknown, input: unknown, init?: { redirect?: unknown }) {
    if (!ctx.isEnabled()) return original.call(this, input, init);
    const redirect = init && typeof init === 'object' ? init.redirect : undefined;
    const call: FetchCall = { follow: redirect === undefined || redirect === 'follow', hops: 0 };
    // eslint-disable-next-line prefer-rest-params
    const args = arguments as unknown as [unknown, { redirect?: unknown }?];
    return contextManager.with(contextManager.active().setValue(FETCH_CALL, call), () => original.apply(this, args));
  };
}

const instrumentation: Instrumentation = {
  id: 'undici',
  setup,
  targets: [
    {
      // The package publishes on the same channels as Node's own copy; its fetch is marked the same way.
      module: 'undici',
      versions: '>=5 <8',
      patch(exports, ctx) {
        if (typeof (exports as { fetch?: unknown }).fetch === 'function') {
          ctx.shimmer.wrap(exports as { fetch: FetchFn }, 'fetch', (original) => markCalls(ctx, original));
        }
      },
    },
  ],
};

export default instrumentation;
