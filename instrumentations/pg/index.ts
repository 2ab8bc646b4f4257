/**
 * pg 8 (node-postgres): a CLIENT span per query, for Client and Pool, callbacks and promises,
 * query config objects and prepared statements. The query text is sanitized (every literal
 * replaced by `?`) unless TS_OTEL_RUN_DB_FULL_STATEMENTS; bound values are never recorded.
 *
 * A query issued through a pool whose clients are all busy waits in the pool's queue and runs
 * from another query's release: the pool's connect callback is bound to the context it was called
 * in, so that the query still belongs to the request that issued it.
 *
 * With TS_OTEL_RUN_DB_CONNECT_SPANS, a pool checkout gets a `pg-pool.connect` span (from the call
 * to the client handed out: the wait for a free client, or the new connection) and a new
 * connection a `pg.connect` span, the names the OpenTelemetry pg instrumentation uses.
 */
import type { Instrumentation, InstrumentationContext } from '../../src/instrumentation/types';
import type { Span } from '../../src/trace/span';
import type { NonRecordingSpan } from '../../src/trace/span-context';
import { ATTR_DB_NAMESPACE, ATTR_DB_SYSTEM_NAME, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT } from '../../src/semconv';
import type { Attributes } from '../../src/trace/types';
import { dbOperationDuration, endDbSpan, followPromise, POSTGRES, sqlSpan, startDbTiming, type DbTiming } from '../db-common';

const CLIENT = 2;

type AnyFn = (...args: unknown[]) => unknown;

interface PgClient {
  database?: unknown;
  host?: unknown;
  port?: unknown;
  connectionParameters?: { database?: unknown; host?: unknown; port?: unknown };
}

function endWith(span: Span | NonRecordingSpan, error: unknown, timing?: DbTiming): void {
  endDbSpan(span, error, undefined, timing);
}

interface Endpoint {
  namespace?: string;
  host?: string;
  port?: number;
}

/** The database and server of a client (its resolved connection parameters) or of a pool's options. */
function endpoint(params: { database?: unknown; host?: unknown; port?: unknown } | undefined): Endpoint {
  const port = typeof params?.port === 'string' ? Number(params.port) : params?.port;
  return {
    ...(typeof params?.database === 'string' ? { namespace: params.database } : {}),
    ...(typeof params?.host === 'string' ? { host: params.host } : {}),
    ...(typeof port === 'number' && Number.isFinite(port) ? { port } : {}),
  };
}

const ENDPOINT = Symbol('ts-otel-run.pg.endpoint');

/** A client's endpoint, worked out at its first query: its connection parameters do not change. */
function endpointOf(client: PgClient): Endpoint {
  const self = client as PgClient & { [ENDPOINT]?: Endpoint };
  return (self[ENDPOINT] ??= endpoint(client.connectionParameters ?? client));
}

function connectAttributes(e: Endpoint): Attributes {
  const attributes: Attributes = { [ATTR_DB_SYSTEM_NAME]: 'postgresql' };
  if (e.namespace) attributes[ATTR_DB_NAMESPACE] = e.namespace;
  if (e.host) attributes[ATTR_SERVER_ADDRESS] = e.host;
  if (e.port !== undefined) attributes[ATTR_SERVER_PORT] = e.port;
  return attributes;
}

function patch(pg: unknown, ctx: InstrumentationContext): void {
  const { Client, Pool } = pg as {
    Client?: { prototype: { query: AnyFn; connect?: AnyFn } };
    Pool?: { prototype: { connect: AnyFn } };
  };
  if (!Client?.prototype?.query) throw new TypeError('pg.Client.prototype.query not found');
  const { trace, tracer } = ctx;
  const duration = dbOperationDuration(ctx);

  ctx.shimmer.wrap(Client.prototype, 'query', (original: AnyFn) =>
    function query(this: PgClient, ...args: unknown[]) {
      if (!ctx.isEnabled()) return original.apply(this, args);
      const caller = trace.contextManager.active();
      if (trace.isTracingSuppressed(caller)) return original.apply(this, args);
      const config = args[0] as { text?: unknown } | string | undefined;
      const text = typeof config === 'string' ? config : typeof config?.text === 'string' ? config.text : undefined;
      if (text === undefined) return original.apply(this, args);
      const { name, attributes } = sqlSpan(ctx.config, {
        system: 'postgresql',
        text,
        dialect: POSTGRES,
        ...endpointOf(this),
      });
      const span = tracer.startSpan(name, { kind: CLIENT, attributes }, caller);
      const timing = startDbTiming(duration, attributes);

      // A callback (last argument, or config.callback) gets the span ended first, and runs in the
      // caller's context, as it would have.
      const last = args.length - 1;
      if (typeof args[last] === 'function') {
        const callback = args[last] as AnyFn;
        args[last] = function (this: unknown, err: unknown, ...rest: unknown[]) {
          endWith(span, err, timing);
          return trace.contextManager.with(caller, () => callback.call(this, err, ...rest));
        };
      } else if (config && typeof config === 'object' && typeof (config as { callback?: unknown }).callback === 'function') {
        const q = config as { callback: AnyFn };
        const callback = q.callback;
        q.callback = function (this: unknown, err: unknown, ...rest: unknown[]) {
          endWith(span, err, timing);
          return trace.contextManager.with(caller, () => callback.call(this, err, ...rest));
        };
      }

      let result: unknown;
      try {
        result = trace.contextManager.with(trace.setSpan(caller, span), () => original.apply(this, args));
      } catch (error) {
        endWith(span, error, timing);
        throw error;
      }
      if (typeof args[last] !== 'function' && result && typeof (result as Promise<unknown>).then === 'function') {
        return followPromise(result as Promise<unknown>, (error) => endWith(span, error, timing));
      }
      return result;
    },
  );

  /**
   * A connect (`connect(callback)` or `connect()` returning a promise) inside a span named `name`,
   * active while it runs, ended when the connection is handed out or has failed. The callback runs
   * in the caller's context.
   */
  const connectSpan = (name: string, where: (self: unknown) => Endpoint, original: AnyFn, self: unknown, args: unknown[]) => {
    const caller = trace.contextManager.active();
    const callback = args[0];
    if (trace.isTracingSuppressed(caller)) return original.apply(self, args);
    const span = tracer.startSpan(name, { kind: CLIENT, attributes: connectAttributes(where(self)) }, caller);
    if (typeof callback === 'function') {
      args[0] = function (this: unknown, err: unknown, ...rest: unknown[]) {
        endWith(span, err);
        return trace.contextManager.with(caller, () => (callback as AnyFn).call(this, err, ...rest));
      };
    }
    let result: unknown;
    try {
      result = trace.contextManager.with(trace.setSpan(caller, span), () => original.apply(self, args));
    } catch (error) {
      endWith(span, error);
      throw error;
    }
    if (typeof callback !== 'function' && result && typeof (result as Promise<unknown>).then === 'function') {
      return followPromise(result as Promise<unknown>, (error) => endWith(span, error));
    }
    return result;
  };
  const connectSpans = ctx.config.TS_OTEL_RUN_DB_CONNECT_SPANS;

  if (connectSpans && typeof Client.prototype.connect === 'function') {
    ctx.shimmer.wrap(Client.prototype as { connect: AnyFn }, 'connect', (original: AnyFn) =>
      function connect(this: PgClient, ...args: unknown[]) {
        if (!ctx.isEnabled()) return original.apply(this, args);
        return connectSpan('pg.connect', (c) => endpoint((c as PgClient).connectionParameters ?? (c as PgClient)), original, this, args);
      },
    );
  }

  if (Pool?.prototype?.connect) {
    ctx.shimmer.wrap(Pool.prototype, 'connect', (original: AnyFn) =>
      function connect(this: { options?: Record<string, unknown> }, ...args: unknown[]) {
        if (!ctx.isEnabled()) return original.apply(this, args);
        if (connectSpans) return connectSpan('pg-pool.connect', (p) => endpoint((p as { options?: Endpoint }).options), original, this, args);
        // A busy pool queues the callback and calls it from another client's release: bound
        // here, it (and the query it issues) keeps the caller's context.
        if (typeof args[0] === 'function') {
          // A plain closure rather than contextManager.bind: this runs for every pool.query, and
          // the callback's arity (which bind keeps, at a cost) means nothing to the pool.
          const callback = args[0] as AnyFn;
          const caller = trace.contextManager.active();
          args[0] = function (this: unknown, err: unknown, client: unknown, release: unknown) {
            return trace.contextManager.with(caller, callback, this, err, client, release);
          };
        }
        return original.apply(this, args);
      },
    );
  }
}

const instrumentation: Instrumentation = {
  id: 'pg',
  targets: [{ module: 'pg', versions: '>=8 <9', patch }],
};

export default instrumentation;
