/**
 * http and https: a SERVER span for every incoming request and a CLIENT span for every outgoing
 * one, with the stable HTTP semantic conventions and context propagation both ways.
 *
 * Events of a request and its response are observed by wrapping the instance's `emit`, never by
 * adding listeners: a 'response' listener would stop Node from discarding unread responses, and an
 * 'error' listener would swallow errors the program does not handle.
 */
import type { IncomingMessage, RequestOptions, ServerResponse, ClientRequest } from 'node:http';
import type { Context } from '../../src/context/context';
import type { Instrumentation, InstrumentationContext, PatchInfo } from '../../src/instrumentation/types';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
  ATTR_URL_PATH,
  ATTR_URL_QUERY,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
  ERROR_TYPE_OTHER,
  KNOWN_HTTP_METHODS,
} from '../../src/semconv';
import type { Span } from '../../src/trace/span';
import type { NonRecordingSpan } from '../../src/trace/span-context';
import type { Attributes } from '../../src/trace/types';
import { HTTP_SERVER_SPAN } from '../../src/symbols';
import { httpDurationHistogram, httpPolicy, routeOf, type HttpPolicy } from '../http-common';

const SERVER = 1;
const CLIENT = 2;
const ERROR = 2;

type AnySpan = Span | NonRecordingSpan;
type Emit = (event: string | symbol, ...args: unknown[]) => boolean;

/** The method as the conventions want it, and the original when it is not a known one. */
function method(raw: string | undefined): [string, string | undefined] {
  // Node's parser gives the method as sent; a known one in upper case is the usual case.
  const known = raw === undefined ? undefined : KNOWN_AS_SENT.get(raw);
  if (known) return known;
  const m = (raw ?? 'GET').toUpperCase();
  if (KNOWN_HTTP_METHODS.has(m)) return [m, raw !== m ? raw : undefined];
  return ['_OTHER', raw];
}

const KNOWN_AS_SENT = new Map<string, [string, undefined]>([...KNOWN_HTTP_METHODS].map((m) => [m, [m, undefined]]));

function spanName(m: string): string {
  return m === '_OTHER' ? 'HTTP' : m;
}

/** A port as written in a Host header: digits only, at most 65535; anything else is no port. */
function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}

/** host[:port] and [v6]:port from a Host header or an options object. */
function splitHost(host: string): [string, number | undefined] {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    if (end < 0) return [host, undefined];
    const rest = host.slice(end + 1);
    return [host.slice(1, end), rest.startsWith(':') ? parsePort(rest.slice(1)) : undefined];
  }
  const colon = host.lastIndexOf(':');
  if (colon > 0 && host.indexOf(':') === colon) return [host.slice(0, colon), parsePort(host.slice(colon + 1))];
  return [host, undefined];
}

function errorType(e: unknown): string {
  if (e && typeof e === 'object') {
    const { code, name } = e as { code?: unknown; name?: unknown };
    if (typeof code === 'string' && code) return code;
    if (typeof name === 'string' && name) return name;
  }
  return ERROR_TYPE_OTHER;
}

/**
 * Emits inside `context`. Switching contexts costs an AsyncLocalStorage run, so it is skipped when
 * it would change nothing: the context is already the active one (events emitted from work the
 * request started, such as 'finish' after its write, carry it already), or nobody listens.
 */
function runIn(ctx: InstrumentationContext, context: Context, emit: Emit, self: unknown, args: unknown[]): boolean {
  const manager = ctx.trace.contextManager;
  if (manager.active() === context || (self as { listenerCount(e: unknown): number }).listenerCount(args[0]) === 0) {
    return emit.apply(self, args as [string, ...unknown[]]);
  }
  return manager.with(context, () => emit.apply(self, args as [string, ...unknown[]]));
}

// ---------------------------------------------------------------------------------------------
// Server

function serverAttributes(req: IncomingMessage, scheme: string, policy: HttpPolicy): Attributes {
  const [m, original] = method(req.method);
  let url = req.url ?? '/';
  let host = req.headers.host;
  let defaultPort = scheme === 'https' ? 443 : 80;
  if (url[0] !== '/' && /^https?:\/\//i.test(url)) {
    // The absolute form a proxy is sent (GET http://host:port/path): path and query are the
    // URL's, and its host is the server's address (the conventions prefer it to the Host header).
    try {
      const target = new URL(url);
      url = `${target.pathname}${target.search}`;
      if (target.host) {
        host = target.host;
        defaultPort = target.protocol === 'https:' ? 443 : 80;
      }
    } catch {
      // not a URL after all: reported as it is
    }
  }
  const q = url.indexOf('?');
  const attributes: Attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: m,
    [ATTR_URL_PATH]: q < 0 ? url : url.slice(0, q),
    [ATTR_URL_SCHEME]: scheme,
    [ATTR_NETWORK_PROTOCOL_VERSION]: req.httpVersion,
  };
  if (original !== undefined) attributes[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = original;
  if (q >= 0 && q < url.length - 1) attributes[ATTR_URL_QUERY] = policy.redactQuery(url.slice(q + 1));
  if (host) {
    const [address, port] = splitHost(host);
    attributes[ATTR_SERVER_ADDRESS] = address;
    attributes[ATTR_SERVER_PORT] = port ?? defaultPort;
  }
  const socket = req.socket;
  const peer = socket?.remoteAddress;
  if (peer) {
    attributes[ATTR_NETWORK_PEER_ADDRESS] = peer;
    if (socket.remotePort !== undefined) attributes[ATTR_NETWORK_PEER_PORT] = socket.remotePort;
  }
  const forwarded = req.headers['x-forwarded-for'];
  const client = typeof forwarded === 'string' ? forwarded.split(',')[0]!.trim() : peer;
  if (client) attributes[ATTR_CLIENT_ADDRESS] = client;
  const ua = req.headers['user-agent'];
  if (ua) attributes[ATTR_USER_AGENT_ORIGINAL] = ua;
  policy.serverRequest?.record(attributes, (name) => req.headersDistinct?.[name] ?? req.headers[name]);
  return attributes;
}

function endServerSpan(span: AnySpan, res: ServerResponse, aborted: boolean, policy: HttpPolicy): void {
  // A connection that closed before the headers went out got no status code: res.statusCode is
  // then only the default (200) or what the program meant to send.
  const status = res.headersSent ? res.statusCode : undefined;
  if (status !== undefined) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
  if (policy.serverResponse && res.headersSent) {
    const captured: Attributes = {};
    policy.serverResponse.record(captured, (name) => res.getHeader(name));
    span.setAttributes(captured);
  }
  if (status !== undefined && status >= 500) {
    // A framework may have recorded the exception's type already: that is the better error.type.
    if ((span as Span).attributes?.[ATTR_ERROR_TYPE] === undefined) span.setAttribute(ATTR_ERROR_TYPE, String(status));
    span.setStatus({ code: ERROR });
  } else if (aborted) {
    span.setAttribute(ATTR_ERROR_TYPE, ERROR_TYPE_OTHER);
    span.setStatus({ code: ERROR, message: 'the connection closed before the response was complete' });
  }
  span.end();
}

type Histogram = { record(value: number, attributes?: Attributes): void };

/**
 * http.server.request.duration for a finished request, with the attributes the stable HTTP
 * conventions require: method, scheme, status, protocol version, the route a framework matched
 * (recorded on the request, so known whether or not the span records), and error.type on failure.
 */
function recordServerDuration(
  histogram: Histogram,
  startMs: number,
  span: AnySpan,
  req: IncomingMessage,
  res: ServerResponse,
  scheme: string,
  m: string,
  aborted: boolean,
): void {
  // Keys added in sorted order (error.type, http.*, network.*, url.*): the meter then finds the
  // series without sorting them first.
  const attributes: Attributes = {};
  const status = res.headersSent ? res.statusCode : undefined;
  if (status !== undefined && status >= 500) {
    attributes[ATTR_ERROR_TYPE] = ((span as Span).attributes?.[ATTR_ERROR_TYPE] as string | undefined) ?? String(status);
  } else if (aborted) attributes[ATTR_ERROR_TYPE] = ERROR_TYPE_OTHER;
  attributes[ATTR_HTTP_REQUEST_METHOD] = m;
  if (status !== undefined) attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] = status;
  const route = routeOf(req);
  if (route !== undefined) attributes[ATTR_HTTP_ROUTE] = route;
  if (req.httpVersion) attributes[ATTR_NETWORK_PROTOCOL_VERSION] = req.httpVersion;
  attributes[ATTR_URL_SCHEME] = scheme;
  histogram.record((performance.now() - startMs) / 1000, attributes);
}


/** What a server request's response needs when it finishes: set on the response at the request. */
interface ServerState {
  readonly ctx: InstrumentationContext;
  readonly context: Context;
  readonly span: AnySpan;
  readonly req: IncomingMessage;
  readonly scheme: string;
  readonly method: string;
  readonly startMs: number;
  readonly policy: HttpPolicy;
  readonly duration: Histogram | undefined;
  ended: boolean;
}

/** On a server request: the context its events run in. On its response: its ServerState. */
const REQUEST_CONTEXT = Symbol('ts-otel-run.http.request-context');
const SERVER_STATE = Symbol('ts-otel-run.http.server-state');
/** Marks our emit wrappers: a prototype is wrapped once (and again after an unwrap). */
const OUR_EMIT = Symbol('ts-otel-run.http.emit-wrapper');

function finishServerSpan(state: ServerState, res: ServerResponse, aborted: boolean): void {
  state.ended = true;
  endServerSpan(state.span, res, aborted, state.policy);
  if (state.duration) recordServerDuration(state.duration, state.startMs, state.span, state.req, res, state.scheme, state.method, aborted);
}

/**
 * The emit of a server request or response: a request's listeners run where the parser emits
 * them, outside its context, so each emit of a request or response that has a state runs inside
 * it; a response's 'finish' or 'close' ends the span. Objects without a state (client responses,
 * requests not traced) go straight through.
 */
function emitWrapper(ctx: InstrumentationContext, original: Emit, which: 'request' | 'response'): Emit {
  const wrapped =
    which === 'request'
      ? function emit(this: Record<symbol, unknown>): boolean {
          const context = this[REQUEST_CONTEXT] as Context | undefined;
          // eslint-disable-next-line prefer-rest-params
          const args = arguments as unknown as unknown[];
          return context === undefined ? original.apply(this, args as [string]) : runIn(ctx, context, original, this, args);
        }
      : function emit(this: Record<symbol, unknown>, event: string | symbol): boolean {
          const state = this[SERVER_STATE] as ServerState | undefined;
          // eslint-disable-next-line prefer-rest-params
          const args = arguments as unknown as unknown[];
          if (state === undefined) return original.apply(this, args as [string]);
          if (!state.ended && (event === 'finish' || event === 'close')) {
            const res = this as unknown as ServerResponse;
            finishServerSpan(state, res, event === 'close' && !res.writableFinished);
          }
          return runIn(state.ctx, state.context, original, this, args);
        };
  (wrapped as unknown as Record<symbol, unknown>)[OUR_EMIT] = true;
  return wrapped as Emit;
}

/** Node's IncomingMessage or ServerResponse prototype in an object's chain (a subclass given to createServer included). */
function nodePrototype(obj: object, name: 'IncomingMessage' | 'ServerResponse'): { emit: Emit } | undefined {
  for (let p = Object.getPrototypeOf(obj) as Record<string, unknown> | null; p; p = Object.getPrototypeOf(p) as Record<string, unknown> | null) {
    if (Object.prototype.hasOwnProperty.call(p, 'constructor') && (p.constructor as { name?: unknown } | undefined)?.name === name) {
      return p as unknown as { emit: Emit };
    }
  }
  return undefined;
}

/**
 * Routes the emits of a server request or response through emitWrapper: by wrapping Node's class's
 * prototype, once (not an emit closure set on every request and response, which costs an
 * allocation each and changes the objects' shape); an object of another kind (a fake that a test
 * tool passes to server.emit) gets a wrapper of its own.
 */
function routeEmits(ctx: InstrumentationContext, obj: { emit: Emit }, which: 'request' | 'response'): void {
  const proto = nodePrototype(obj, which === 'request' ? 'IncomingMessage' : 'ServerResponse');
  if (!proto) {
    obj.emit = emitWrapper(ctx, obj.emit, which);
    return;
  }
  if ((proto.emit as unknown as Record<symbol, unknown>)[OUR_EMIT]) return;
  ctx.shimmer.wrap(proto, 'emit', (original) => emitWrapper(ctx, original, which));
}

function patchServer(exports: { Server: { prototype: { emit: Emit } } }, ctx: InstrumentationContext, scheme: string): void {
  const { trace, tracer } = ctx;
  const policy = httpPolicy(ctx.config);
  const duration = httpDurationHistogram(ctx, 'server');
  ctx.shimmer.wrap(exports.Server.prototype, 'emit', (original) =>
    function emit(this: unknown, event: string | symbol): boolean {
      // `arguments`, not a rest parameter: every event of every server passes through here.
      // eslint-disable-next-line prefer-rest-params
      const args = arguments as unknown as [string | symbol, ...unknown[]];
      if (event !== 'request' || !ctx.isEnabled()) return original.apply(this, args);
      const req = args[1] as IncomingMessage;
      const res = args[2] as ServerResponse;
      if (policy.hasExclusions && policy.excluded(`${scheme}://${req.headers.host ?? ''}${req.url ?? '/'}`)) return original.apply(this, args);
      // What is active here is the context the server's connections were accepted in (that of
      // listen()), not this request's: a span active back then must not become the parent of every
      // request. The rest of it stays (the environment's TRACEPARENT is a remote span context).
      let base = trace.contextManager.active();
      const around = trace.getSpan(base);
      if (around && !around.spanContext().isRemote) base = base.deleteValue(trace.keys.span);
      const parent = trace.propagation.extract(base, req.headers as Record<string, unknown>);
      const m = method(req.method)[0];
      const startMs = duration ? performance.now() : 0;
      const span = tracer.startSpan(spanName(m), { kind: SERVER, attributes: serverAttributes(req, scheme, policy) }, parent);
      const context = trace.setSpan(parent, span);
      routeEmits(ctx, req as unknown as { emit: Emit }, 'request');
      routeEmits(ctx, res as unknown as { emit: Emit }, 'response');
      const r = req as unknown as Record<symbol, unknown>;
      r[HTTP_SERVER_SPAN] = span;
      r[REQUEST_CONTEXT] = context;
      const state: ServerState = { ctx, context, span, req, scheme, method: m, startMs, policy, duration, ended: false };
      (res as unknown as Record<symbol, unknown>)[SERVER_STATE] = state;

      try {
        return trace.contextManager.with(context, () => original.apply(this, args));
      } catch (e) {
        // A handler that throws synchronously takes the process down: record why on the span
        // (the context is gone by the time the process-level handlers run), then let it go on.
        if (!state.ended) {
          state.ended = true;
          span.recordException(e);
          span.setAttribute(ATTR_ERROR_TYPE, errorType(e));
          span.setStatus({ code: ERROR, message: e instanceof Error ? e.message : String(e) });
          span.end();
        }
        throw e;
      }
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Client

type RequestFn = (...args: unknown[]) => ClientRequest;

interface Normalized {
  /** The arguments for the original: the program's, with a copy of the options in their place. */
  args: unknown[];
  /** That copy, into whose headers the trace headers go. */
  target: RequestOptions;
  /** What the request is made of: the URL's parts with the options over them. */
  options: RequestOptions;
}

/** The parts of a URL the request is made of: a URL object, or a look-alike Node takes as one. */
interface UrlParts {
  protocol?: string;
  hostname?: string;
  port?: string;
  pathname?: string;
  search?: string;
}

/**
 * Node's own test for a URL given where a URL or options may be (isURL in lib/internal/url.js):
 * URL objects of other implementations count too, legacy url.parse() results (auth, path) do not.
 */
function isUrlLike(value: unknown): boolean {
  const v = value as { href?: unknown; protocol?: unknown; auth?: unknown; path?: unknown } | null;
  return typeof v === 'object' && v !== null && !!v.href && !!v.protocol && v.auth === undefined && v.path === undefined;
}

/** A copy of the program's options, headers copied too, so that trace headers can be added. */
function copyOptions(given: object | null | undefined): RequestOptions {
  const options: RequestOptions = { ...given };
  const headers = options.headers;
  options.headers = Array.isArray(headers) ? [...(headers as string[])] : { ...(headers as RequestOptions['headers']) };
  return options;
}

/**
 * The call with a copy of its options where Node reads them, never mutating the program's objects.
 * Every other argument keeps its place, so that Node's own argument handling sees the same call:
 * `request(url, undefined, callback)` uses the callback in http and ignores it in https, for one.
 * Undefined for calls left as they are: the original throws its own error, or makes of them what
 * it will, untraced.
 */
function normalize(args: unknown[], defaultProtocol: string): Normalized | undefined {
  const first = args[0];
  let url: UrlParts | undefined;
  if (typeof first === 'string') {
    try {
      url = new URL(first);
    } catch {
      return undefined; // invalid: let the original throw its own error
    }
  } else if (first instanceof URL || (defaultProtocol === 'http:' && isUrlLike(first))) {
    // The look-alike stays as it is: copying it would lose a class's getters. https.request only
    // takes real URL objects as URLs, and merges anything else as options.
    url = first as UrlParts;
  }
  let target: RequestOptions;
  let built: unknown[];
  if (url === undefined) {
    if (first === null || typeof first !== 'object') return undefined;
    target = copyOptions(first);
    built = [target, ...args.slice(1)];
  } else {
    const second = args[1];
    if (second !== null && typeof second === 'object') {
      target = copyOptions(second);
      built = [first, target, ...args.slice(2)];
    } else if (typeof second === 'function') {
      target = copyOptions(undefined);
      built = [first, target, ...args.slice(1)];
    } else if (second == null && defaultProtocol === 'http:') {
      target = copyOptions(undefined);
      built = [first, target, ...args.slice(2)];
    } else {
      return undefined;
    }
  }
  const merged: RequestOptions = { ...target };
  if (url) {
    merged.protocol ??= url.protocol;
    merged.hostname ??= url.hostname?.replace(/^\[|\]$/g, '');
    merged.port ??= url.port || undefined;
    merged.path ??= `${url.pathname ?? ''}${url.search ?? ''}`;
  }
  merged.protocol ??= (target.agent as { protocol?: string } | undefined)?.protocol ?? defaultProtocol;
  return { args: built, target, options: merged };
}

function clientAttributes(o: RequestOptions, m: string, original: string | undefined, policy: HttpPolicy): Attributes {
  const protocol = o.protocol ?? 'http:';
  let host = o.hostname ?? o.host ?? 'localhost';
  const hostPort = typeof o.host === 'string' && !o.hostname ? splitHost(o.host) : undefined;
  if (hostPort) host = hostPort[0];
  const defaultPort = protocol === 'https:' ? 443 : 80;
  const port = Number(o.port ?? hostPort?.[1] ?? (o as { defaultPort?: number }).defaultPort ?? defaultPort);
  const hostText = host.includes(':') ? `[${host}]` : host;
  const attributes: Attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: m,
    [ATTR_SERVER_ADDRESS]: host,
    [ATTR_SERVER_PORT]: port,
    // Never the credentials of `auth` or of the URL: they are not part of url.full.
    [ATTR_URL_FULL]: policy.redactUrl(`${protocol}//${hostText}${port === defaultPort ? '' : `:${port}`}${o.path ?? '/'}`),
  };
  if (original !== undefined) attributes[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = original;
  return attributes;
}

function injectHeaders(ctx: InstrumentationContext, context: Context, options: RequestOptions): void {
  const headers = options.headers;
  if (Array.isArray(headers)) {
    const carrier: Record<string, unknown> = {};
    ctx.trace.propagation.inject(context, carrier);
    // Node takes a flat list of names and values, or a list of [name, value] pairs: it looks at
    // the first element to tell which.
    const pairs = Array.isArray(headers[0]);
    for (const [k, v] of Object.entries(carrier)) {
      if (pairs) (headers as unknown[]).push([k, String(v)]);
      else headers.push(k, String(v));
    }
  } else if (headers) {
    ctx.trace.propagation.inject(context, headers as Record<string, unknown>);
  }
}

function wrapRequest(ctx: InstrumentationContext, defaultProtocol: string) {
  const { trace, tracer } = ctx;
  const policy = httpPolicy(ctx.config);
  const duration = httpDurationHistogram(ctx, 'client');
  return (original: RequestFn): RequestFn =>
    function request(this: unknown, ...args: unknown[]): ClientRequest {
      if (!ctx.isEnabled()) return original.apply(this, args);
      const caller = trace.contextManager.active();
      if (trace.isTracingSuppressed(caller)) return original.apply(this, args);
      const call = normalize(args, defaultProtocol);
      if (!call) return original.apply(this, args);
      // Node sends the method upper-cased: that is the method of the request.
      const given = call.options.method;
      const [m, methodOriginal] = method(typeof given === 'string' && given ? given.toUpperCase() : undefined);
      const attributes = clientAttributes(call.options, m, methodOriginal, policy);
      if (policy.excluded(attributes[ATTR_URL_FULL] as string)) return original.apply(this, args);
      const startMs = duration ? performance.now() : 0;
      const span = tracer.startSpan(spanName(m), { kind: CLIENT, attributes }, caller);
      const context = trace.setSpan(caller, span);
      // The options object given to the original is the copy from normalize(): headers go there.
      injectHeaders(ctx, context, call.target);

      let req: ClientRequest;
      try {
        req = trace.contextManager.with(context, () => original.apply(this, call.args));
      } catch (e) {
        span.setAttribute(ATTR_ERROR_TYPE, errorType(e));
        span.setStatus({ code: ERROR, message: e instanceof Error ? e.message : String(e) });
        span.end();
        throw e;
      }

      if (policy.clientRequest) {
        const captured: Attributes = {};
        policy.clientRequest.record(captured, (name) => req.getHeader(name));
        span.setAttributes(captured);
      }

      let done = false;
      let protocolVersion: string | undefined;
      /** Ends the span: with the error, or the status received, or as cut short (`incomplete`). */
      const finish = (error?: unknown, status?: number, incomplete = false) => {
        if (done) return;
        done = true;
        let type: string | undefined;
        if (status !== undefined) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
        if (error !== undefined) {
          type = errorType(error);
          span.recordException(error);
          span.setAttribute(ATTR_ERROR_TYPE, type);
          span.setStatus({ code: ERROR, message: error instanceof Error ? error.message : String(error) });
        } else if (status !== undefined && status >= 400) {
          type = String(status);
          span.setAttribute(ATTR_ERROR_TYPE, type);
          span.setStatus({ code: ERROR });
        } else if (status === undefined || incomplete) {
          type = ERROR_TYPE_OTHER;
          span.setAttribute(ATTR_ERROR_TYPE, type);
          span.setStatus({
            code: ERROR,
            message: status === undefined ? 'the request ended before a response' : 'the response was cut off',
          });
        }
        span.end();
        if (duration) {
          const measured: Attributes = {
            [ATTR_HTTP_REQUEST_METHOD]: m,
            [ATTR_SERVER_ADDRESS]: attributes[ATTR_SERVER_ADDRESS]!,
            [ATTR_SERVER_PORT]: attributes[ATTR_SERVER_PORT]!,
            [ATTR_URL_SCHEME]: (call.options.protocol ?? 'http:').replace(/:$/, ''),
          };
          if (status !== undefined) measured[ATTR_HTTP_RESPONSE_STATUS_CODE] = status;
          if (protocolVersion) measured[ATTR_NETWORK_PROTOCOL_VERSION] = protocolVersion;
          if (type !== undefined) measured[ATTR_ERROR_TYPE] = type;
          duration.record((performance.now() - startMs) / 1000, measured);
        }
      };

      let responded = false;
      const reqEmit = req.emit as Emit;
      req.emit = function (this: unknown, ...a: unknown[]) {
        const event = a[0];
        if (event === 'response') {
          responded = true;
          const res = a[1] as IncomingMessage;
          protocolVersion = res.httpVersion;
          span.setAttribute(ATTR_NETWORK_PROTOCOL_VERSION, res.httpVersion);
          if (policy.clientResponse) {
            const captured: Attributes = {};
            policy.clientResponse.record(captured, (name) => res.headersDistinct?.[name] ?? res.headers[name]);
            span.setAttributes(captured);
          }
          const resEmit = res.emit as Emit;
          res.emit = function (this: unknown, ...r: unknown[]) {
            if (r[0] === 'end') finish(undefined, res.statusCode);
            else if (r[0] === 'error') finish(r[1], res.statusCode);
            else if (r[0] === 'close') finish(undefined, res.statusCode, !res.complete);
            return runIn(ctx, caller, resEmit, this, r);
          } as Emit;
        } else if (event === 'upgrade' || event === 'connect') {
          // A 101 (or a CONNECT's answer) goes to these listeners instead of 'response', and the
          // response never ends: the exchange is over when it is handed over.
          responded = true;
          const res = a[1] as IncomingMessage;
          protocolVersion = res.httpVersion;
          span.setAttribute(ATTR_NETWORK_PROTOCOL_VERSION, res.httpVersion);
          finish(undefined, res.statusCode);
        } else if (event === 'error') finish(a[1]);
        else if (event === 'close' && !responded) finish();
        // The program's own listeners run in its context, not in the client span's.
        return runIn(ctx, caller, reqEmit, this, a);
      } as Emit;
      return req;
    };
}

function patchClient(exports: Record<string, RequestFn>, ctx: InstrumentationContext, protocol: string): void {
  ctx.shimmer.wrap(exports, 'request', wrapRequest(ctx, protocol));
  ctx.shimmer.wrap(exports, 'get', (original) =>
    // http.get calls the module's own request, not the export: wrap it the same way, then end().
    wrapRequest(ctx, protocol)(original),
  );
}

function patch(scheme: 'http' | 'https') {
  return (exports: unknown, ctx: InstrumentationContext, _info: PatchInfo) => {
    const e = exports as { Server: { prototype: { emit: Emit } } } & Record<string, RequestFn>;
    patchServer(e, ctx, scheme);
    patchClient(e, ctx, `${scheme}:`);
  };
}

const instrumentation: Instrumentation = {
  id: 'http',
  targets: [
    { module: 'http', versions: '>=20.6', patch: patch('http') },
    { module: 'https', versions: '>=20.6', patch: patch('https') },
  ],
};

export default instrumentation;
