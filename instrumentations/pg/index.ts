/**
 * pg 8 (node-postgres): a CLIENT span per query, for Client and Pool, callbacks and promises,
 * query config objects and prepared statements. The query text is sanitized (every literal
 * replaced by `?`) unless TS_OTEL_RUN_DB_FULL_STATEMENTS; bound values are never recorded.
 *
 * A query issued through a pool whose clients are all busy waits in the pool's queue and runs
 * from another query's release: the pool's connect callback is bound to the context it was called
 * in, so that the query still belongs to the request that issued it.
 */
import type { Instrumentation, InstrumentationContext } from '../../src/instrumentation/types';
import type { Span } from '../../src/trace/span';
import type { NonRecordingSpan } from '../../src/trace/span-context';
import { endDbSpan, POSTGRES, sqlSpan } from '../db-common';

const CLIENT = 2;

type AnyFn = (...args: unknown[]) => unknown;

interface PgClient {
  database?: unknown;
  host?: unknown;
  port?: unknown;
  connectionParameters?: { database?: unknown; host?: unknown; port?: unknown };
}

function endWith(span: Span | NonRecordingSpan, error: unknown): void {
  endDbSpan(span, error);
}

function patch(pg: unknown, ctx: InstrumentationContext): void {
  const { Client, Pool } = pg as { Client?: { prototype: { query: AnyFn } }; Pool?: { prototype: { connect: AnyFn } } };
  if (!Client?.prototype?.query) throw new TypeError('pg.Client.prototype.query not found');
  const { trace, tracer } = ctx;

  ctx.shimmer.wrap(Client.prototype, 'query', (original: AnyFn) =>
    function query(this: PgClient, ...args: unknown[]) {
      if (!ctx.isEnabled()) return original.apply(this, args);
      const caller = trace.contextManager.active();
      if (trace.isTracingSuppressed(caller)) return original.apply(this, args);
      const config = args[0] as { text?: unknown } | string | undefined;
      const text = typeof config === 'string' ? config : typeof config?.text === 'string' ? config.text : undefined;
      if (text === undefined) return original.apply(this, args);
      const params = this.connectionParameters ?? this;
      const { name, attributes } = sqlSpan(ctx.config, {
        system: 'postgresql',
        text,
        dialect: POSTGRES,
        ...(typeof params.database === 'string' ? { namespace: params.database } : {}),
        ...(typeof params.host === 'string' ? { host: params.host } : {}),
        ...(typeof params.port === 'number' ? { port: params.port } : {}),
      });
      const span = tracer.startSpan(name, { kind: CLIENT, attributes }, caller);

      // A callback (last argument, or config.callback) gets the span ended first, and runs in the
      // caller's context, as it would have.
      const last = args.length - 1;
      if (typeof args[last] === 'function') {
        const callback = args[last] as AnyFn;
        args[last] = function (this: unknown, err: unknown, ...rest: unknown[]) {
          endWith(span, err);
          return trace.contextManager.with(caller, () => callback.call(this, err, ...rest));
        };
      } else if (config && typeof config === 'object' && typeof (config as { callback?: unknown }).callback === 'function') {
        const q = config as { callback: AnyFn };
        const callback = q.callback;
        q.callback = function (this: unknown, err: unknown, ...rest: unknown[]) {
          endWith(span, err);
          return trace.contextManager.with(caller, () => callback.call(this, err, ...rest));
        };
      }

      let result: unknown;
      try {
        result = trace.contextManager.with(trace.setSpan(caller, span), () => original.apply(this, args));
      } catch (error) {
        endWith(span, error);
        throw error;
      }
      if (typeof args[last] !== 'function' && result && typeof (result as Promise<unknown>).then === 'function') {
        // The program's promise is returned as it is; the span ends on a side branch of it.
        (result as Promise<unknown>).then(
          () => endWith(span, undefined),
          (error: unknown) => endWith(span, error),
        );
      }
      return result;
    },
  );

  if (Pool?.prototype?.connect) {
    ctx.shimmer.wrap(Pool.prototype, 'connect', (original: AnyFn) =>
      function connect(this: unknown, ...args: unknown[]) {
        if (ctx.isEnabled() && typeof args[0] === 'function') {
          args[0] = trace.contextManager.bind(trace.contextManager.active(), args[0] as AnyFn);
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
