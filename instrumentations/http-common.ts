/**
 * What the HTTP instrumentations (http, undici, and the frameworks through them) share: which
 * requests are left out, which headers are recorded and how, and how URLs are redacted. Built once
 * per configuration, at setup, so the per-request work is a few lookups.
 */
import type { Config } from '../src/config/settings';
import type { InstrumentationContext } from '../src/instrumentation/types';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_ROUTE,
  HTTP_DURATION_BUCKETS,
  METRIC_HTTP_CLIENT_REQUEST_DURATION,
  METRIC_HTTP_SERVER_REQUEST_DURATION,
} from '../src/semconv';
import { HTTP_SERVER_ROUTE, HTTP_SERVER_SPAN } from '../src/symbols';
import type { Span } from '../src/trace/span';
import type { Attributes } from '../src/trace/types';

/** Query parameters the semantic conventions say to redact, always. */
const ALWAYS_REDACTED_PARAMS = ['AWSAccessKeyId', 'Signature', 'sig', 'X-Goog-Signature'];
/** Headers recorded as REDACTED even when listed for capture. */
const ALWAYS_SANITIZED_HEADERS = ['authorization', 'cookie', 'set-cookie', 'proxy-authorization'];
export const REDACTED = 'REDACTED';

/** Header values as Node gives them: a string, a list, a number (content-length) or nothing. */
type HeaderValue = string | string[] | number | undefined;

export interface HeaderCapture {
  /** Records `<prefix><name>` = [values] for each listed header `get` returns a value for. */
  record(attributes: Attributes, get: (name: string) => HeaderValue): void;
}

export interface HttpPolicy {
  /** Whether TS_OTEL_RUN_EXCLUDED_URLS lists anything (when not, no URL need be built to ask). */
  readonly hasExclusions: boolean;
  /** True when the URL matches TS_OTEL_RUN_EXCLUDED_URLS: no span, no metrics. */
  excluded(url: string): boolean;
  /** The URL without credentials, with the values of sensitive query parameters REDACTED. */
  redactUrl(url: string): string;
  /** A query string (without '?') with the values of sensitive parameters REDACTED. */
  redactQuery(query: string): string;
  readonly serverRequest: HeaderCapture | undefined;
  readonly serverResponse: HeaderCapture | undefined;
  readonly clientRequest: HeaderCapture | undefined;
  readonly clientResponse: HeaderCapture | undefined;
}

function capture(names: readonly string[] | undefined, prefix: string, sanitized: ReadonlySet<string>): HeaderCapture | undefined {
  const list = [...new Set((names ?? []).map((n) => n.trim().toLowerCase()).filter(Boolean))];
  if (list.length === 0) return undefined;
  const keys = list.map((n) => `${prefix}${n}`);
  return {
    record(attributes, get) {
      for (let i = 0; i < list.length; i++) {
        const name = list[i]!;
        const value = get(name);
        if (value === undefined) continue;
        const values = Array.isArray(value) ? value.map(String) : [String(value)];
        attributes[keys[i]!] = sanitized.has(name) ? values.map(() => REDACTED) : values;
      }
    },
  };
}

function queryRedactor(params: ReadonlySet<string>): (query: string) => string {
  return (query) => {
    if (!query) return query;
    let changed = false;
    const parts = query.split('&');
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      let name = part.slice(0, eq);
      try {
        name = decodeURIComponent(name);
      } catch {
        // keep it as written
      }
      if (params.has(name)) {
        parts[i] = `${part.slice(0, eq)}=${REDACTED}`;
        changed = true;
      }
    }
    return changed ? parts.join('&') : query;
  };
}

const cache = new WeakMap<Config, HttpPolicy>();

export function httpPolicy(config: Config): HttpPolicy {
  let policy = cache.get(config);
  if (policy) return policy;
  const patterns = (config.TS_OTEL_RUN_EXCLUDED_URLS ?? []).map((p) => new RegExp(p));
  const sanitized = new Set([
    ...ALWAYS_SANITIZED_HEADERS,
    ...(config.OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SANITIZE_FIELDS ?? []).map((n) => n.trim().toLowerCase()),
  ]);
  const redactQuery = queryRedactor(new Set([...ALWAYS_REDACTED_PARAMS, ...(config.TS_OTEL_RUN_REDACTED_QUERY_PARAMS ?? [])]));
  policy = {
    hasExclusions: patterns.length > 0,
    excluded: patterns.length === 0 ? () => false : (url) => patterns.some((p) => p.test(url)),
    redactQuery,
    redactUrl(url) {
      const q = url.indexOf('?');
      const hash = url.indexOf('#', q < 0 ? 0 : q);
      let head = q < 0 ? (hash < 0 ? url : url.slice(0, hash)) : url.slice(0, q);
      const at = head.indexOf('@');
      const scheme = head.indexOf('://');
      if (at >= 0 && scheme >= 0 && at > scheme) {
        const slash = head.indexOf('/', scheme + 3);
        if (slash < 0 || at < slash) head = head.slice(0, scheme + 3) + head.slice(at + 1);
      }
      if (q < 0) return head;
      const query = hash < 0 ? url.slice(q + 1) : url.slice(q + 1, hash);
      return `${head}?${redactQuery(query)}`;
    },
    serverRequest: capture(config.OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST, 'http.request.header.', sanitized),
    serverResponse: capture(config.OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_RESPONSE, 'http.response.header.', sanitized),
    clientRequest: capture(config.OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_CLIENT_REQUEST, 'http.request.header.', sanitized),
    clientResponse: capture(config.OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_CLIENT_RESPONSE, 'http.response.header.', sanitized),
  };
  cache.set(config, policy);
  return policy;
}

// ---------------------------------------------------------------------------------------------
// For framework instrumentations: the server span of a request, its route, its handler errors.

/** The SERVER span the http instrumentation started for this request, while it records. */
export function serverSpanOf(req: unknown): Span | undefined {
  if (!req || typeof req !== 'object') return undefined;
  const span = (req as Record<symbol, unknown>)[HTTP_SERVER_SPAN] as Span | undefined;
  return span && typeof span.isRecording === 'function' && span.isRecording() ? span : undefined;
}

/** Whether the http instrumentation is following this request (its span records or not). */
export function isServerRequest(req: unknown): boolean {
  return !!req && typeof req === 'object' && (req as Record<symbol, unknown>)[HTTP_SERVER_SPAN] !== undefined;
}

/**
 * Records the matched route template (never the values of its parameters) for the request: as
 * http.route on its span, which it names `{method} {route}`, and on the request for
 * http.server.request.duration, whether or not the span records. The last route matched wins: a
 * nested router's full path.
 */
export function setRoute(req: unknown, route: string): void {
  if (!route || !req || typeof req !== 'object') return;
  (req as Record<symbol, unknown>)[HTTP_SERVER_ROUTE] = route;
  const span = serverSpanOf(req);
  if (!span) return;
  span.setAttribute(ATTR_HTTP_ROUTE, route);
  const method = span.attributes[ATTR_HTTP_REQUEST_METHOD];
  span.updateName(`${method === '_OTHER' || typeof method !== 'string' ? 'HTTP' : method} ${route}`);
}

/** The route setRoute recorded for the request. */
export function routeOf(req: unknown): string | undefined {
  const route = req && typeof req === 'object' ? (req as Record<symbol, unknown>)[HTTP_SERVER_ROUTE] : undefined;
  return typeof route === 'string' ? route : undefined;
}

const recorded = new WeakSet<object>();

/**
 * An error a handler threw (or passed to next): an exception event and error.type on the server
 * span, once per error, whatever the framework then does with it. Status ERROR follows, as for any
 * operation that ended in an exception.
 */
export function recordHandlerError(span: Span, error: unknown): void {
  if (error && typeof error === 'object') {
    if (recorded.has(error)) return;
    recorded.add(error);
  }
  span.recordException(error);
  const e = error as { name?: unknown; code?: unknown } | undefined;
  span.setAttribute(ATTR_ERROR_TYPE, typeof e?.name === 'string' && e.name ? e.name : '_OTHER');
  span.setStatus({ code: 2, message: error instanceof Error ? error.message : String(error) });
}


/**
 * http.server.request.duration or http.client.request.duration, in seconds with the buckets the
 * conventions advise, when a metrics reader is configured.
 */
export function httpDurationHistogram(
  ctx: InstrumentationContext,
  side: 'server' | 'client',
): { record(value: number, attributes?: Attributes): void } | undefined {
  if (!ctx.metrics.active) return undefined;
  return ctx.metrics.meter.createHistogram(side === 'server' ? METRIC_HTTP_SERVER_REQUEST_DURATION : METRIC_HTTP_CLIENT_REQUEST_DURATION, {
    unit: 's',
    description: `Duration of HTTP ${side} requests.`,
    advice: { explicitBucketBoundaries: HTTP_DURATION_BUCKETS },
  });
}
