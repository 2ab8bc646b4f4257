/**
 * mysql2 3: a CLIENT span per `query` and per `execute`, for connections and pools, callbacks,
 * event emitters and the promise API (`mysql2/promise` wraps the callback connection, so patching
 * the callback Connection's prototype gives its calls exactly one span each). The query text is
 * sanitized (every literal replaced by `?`) unless TS_OTEL_RUN_DB_FULL_STATEMENTS; bound values are
 * never recorded: the text is read from the arguments, before mysql2 formats values into it.
 *
 * db.system.name is `mariadb` when the server's handshake says MariaDB, `mysql` otherwise. A query
 * issued before the handshake has finished gets the system when it ends.
 *
 * A query issued through a pool whose connections are all busy waits in the pool's queue and runs
 * from another query's release: the pool's getConnection callback (which is what the queue holds)
 * is bound to the context it was called in, so that the query still belongs to its request.
 */
import { join } from 'node:path';
import type { Instrumentation, InstrumentationContext, PatchInfo } from '../../src/instrumentation/types';
import type { Span } from '../../src/trace/span';
import type { NonRecordingSpan } from '../../src/trace/span-context';
import { dbErrorAttributes, dbOperationDuration, endDbSpan, MYSQL, sqlSpan, startDbTiming, type DbTiming } from '../db-common';

const CLIENT = 2;
const VERSIONS = '>=3 <4';

type AnyFn = (...args: unknown[]) => unknown;

interface MysqlConnection {
  config?: { database?: unknown; host?: unknown; port?: unknown; socketPath?: unknown };
  _handshakePacket?: { serverVersion?: unknown } | null;
}

interface Proto {
  prototype: Record<string, unknown>;
}

/** 'mariadb' or 'mysql' by the handshake; undefined until the handshake has finished. */
function systemOf(conn: MysqlConnection): string | undefined {
  const version = conn._handshakePacket?.serverVersion;
  // (Newer 3.x also have `_isMariaDB`, but it is false, not unknown, before the handshake.)
  return typeof version === 'string' ? (/mariadb/i.test(version) ? 'mariadb' : 'mysql') : undefined;
}

/**
 * A server error (it has an SQL state) is recorded by its error number, as the MySQL conventions
 * say; a client or network error by its code (ECONNREFUSED, PROTOCOL_CONNECTION_LOST), with no
 * db.response.status_code since the server gave none.
 */
export function mysqlErrorAttributes(error: unknown): Record<string, string> {
  const e = error as { errno?: unknown; sqlState?: unknown; code?: unknown; name?: unknown } | undefined;
  if (e && typeof e.errno === 'number' && e.errno > 0 && typeof e.sqlState === 'string') {
    const code = String(e.errno);
    return { 'db.response.status_code': code, 'error.type': code };
  }
  const attributes = dbErrorAttributes(error) as Record<string, string>;
  delete attributes['db.response.status_code'];
  return attributes;
}

function patchClasses(Connection: Proto | undefined, Pool: Proto | undefined, ctx: InstrumentationContext): void {
  if (typeof Connection?.prototype?.query !== 'function' || typeof Connection.prototype.execute !== 'function') {
    throw new TypeError('mysql2 Connection.prototype.query/execute not found');
  }
  const { trace, tracer } = ctx;
  const duration = dbOperationDuration(ctx);

  /**
   * Runs `invoke` (the original query, execute or statement execute, with `args`) under a CLIENT
   * span for `text` on `conn`.
   */
  const run = (conn: MysqlConnection, text: string, args: unknown[], invoke: () => unknown): unknown => {
    const caller = trace.contextManager.active();
    const config = conn.config ?? {};
    const socketPath = typeof config.socketPath === 'string' && config.socketPath ? config.socketPath : undefined;
    const known = systemOf(conn);
    const { name, attributes } = sqlSpan(ctx.config, {
      system: known ?? 'mysql',
      text,
      dialect: MYSQL,
      ...(typeof config.database === 'string' ? { namespace: config.database } : {}),
      ...(socketPath ? { host: socketPath } : typeof config.host === 'string' ? { host: config.host } : {}),
      ...(!socketPath && typeof config.port === 'number' ? { port: config.port } : {}),
    });
    const span = tracer.startSpan(name, { kind: CLIENT, attributes }, caller);
    const timing = startDbTiming(duration, attributes);
    let ended = false;
    const end = (error: unknown) => {
      if (ended) return;
      ended = true;
      if (known === undefined) {
        // Issued before the handshake finished: the server is known now.
        const system = systemOf(conn);
        if (system && system !== 'mysql') {
          span.setAttribute('db.system.name', system);
          attributes['db.system.name'] = system;
          if (name === 'mysql') span.updateName(system);
        }
      }
      endWith(span, error, timing);
    };

    // A callback (the last argument, or a Query command's onResult) gets the span ended first,
    // and runs in the caller's context, as it would have.
    const wrapCallback = (callback: AnyFn) =>
      function (this: unknown, err: unknown, ...rest: unknown[]) {
        end(err);
        return trace.contextManager.with(caller, () => callback.call(this, err, ...rest));
      };
    const first = args[0] as { onResult?: unknown } | undefined;
    let last = args.length - 1;
    while (last >= 0 && args[last] === undefined) last--;
    let withCallback = false;
    if (last >= 0 && typeof args[last] === 'function') {
      args[last] = wrapCallback(args[last] as AnyFn);
      withCallback = true;
    } else if (first && typeof first === 'object' && typeof first.onResult === 'function') {
      first.onResult = wrapCallback(first.onResult as AnyFn);
      withCallback = true;
    }

    let command: unknown;
    try {
      command = trace.contextManager.with(trace.setSpan(caller, span), invoke);
    } catch (error) {
      end(error);
      throw error;
    }
    if (!withCallback && command && typeof (command as { emit?: unknown }).emit === 'function') {
      // Event-emitter mode (`query(sql).on('result', …)`, streams): the command's own 'error'
      // and 'end' end the span. Its emit is wrapped rather than listened to, so that an
      // unhandled 'error' still throws as it would have.
      const cmd = command as { emit: AnyFn };
      const emit = cmd.emit;
      cmd.emit = function (this: unknown, event: unknown, ...rest: unknown[]) {
        if (event === 'error') end(rest[0]);
        else if (event === 'end') end(undefined);
        return emit.call(this, event, ...rest);
      };
    }
    return command;
  };

  const traced = (original: AnyFn) =>
    function (this: MysqlConnection, ...args: unknown[]) {
      if (!ctx.isEnabled() || trace.isTracingSuppressed(trace.contextManager.active())) return original.apply(this, args);
      const first = args[0] as { sql?: unknown } | string | undefined;
      // A string, a `{ sql, values }` options object, or (from pool.query) a Query command whose
      // sql mysql2 has not yet formatted.
      const text = typeof first === 'string' ? first : typeof first?.sql === 'string' ? first.sql : undefined;
      if (text === undefined || args.length === 0) return original.apply(this, args);
      return run(this, text, args, () => original.apply(this, args));
    };

  // `prepare(sql, cb)` hands out a statement whose own `execute(values, cb)` queues the command
  // directly, not through the connection's execute: the statements' class (which mysql2 does not
  // export) is wrapped when the first statement is seen.
  const statementExecute = (original: AnyFn) =>
    function (this: { query?: unknown; _connection?: MysqlConnection; connection?: MysqlConnection }, ...args: unknown[]) {
      const conn = this._connection ?? this.connection;
      if (!ctx.isEnabled() || typeof this.query !== 'string' || !conn || trace.isTracingSuppressed(trace.contextManager.active())) {
        return original.apply(this, args);
      }
      return run(conn, this.query, args, () => original.apply(this, args));
    };
  const seenStatementClasses = new WeakSet<object>();
  const wrapStatementClass = (statement: unknown) => {
    const proto = statement && typeof statement === 'object' ? Object.getPrototypeOf(statement) : undefined;
    if (!proto || seenStatementClasses.has(proto) || typeof proto.execute !== 'function') return;
    seenStatementClasses.add(proto);
    ctx.shimmer.wrap(proto, 'execute', statementExecute as never);
  };
  if (typeof Connection.prototype.prepare === 'function') {
    ctx.shimmer.wrap(Connection.prototype, 'prepare', ((original: AnyFn) =>
      function prepare(this: unknown, ...args: unknown[]) {
        const cb = args[1];
        if (ctx.isEnabled() && typeof cb === 'function') {
          args[1] = function (this: unknown, err: unknown, statement: unknown, ...rest: unknown[]) {
            if (!err) wrapStatementClass(statement);
            return (cb as AnyFn).call(this, err, statement, ...rest);
          };
        }
        return original.apply(this, args);
      }) as never);
  }

  ctx.shimmer.wrap(Connection.prototype, 'query', traced as never);
  ctx.shimmer.wrap(Connection.prototype, 'execute', traced as never);

  if (typeof Pool?.prototype?.getConnection === 'function') {
    // pool.query/execute go through getConnection; a busy pool queues its callback and calls it
    // from a release. Bound here, the callback (and the query it issues) keeps the caller's context.
    ctx.shimmer.wrap(Pool.prototype, 'getConnection', ((original: AnyFn) =>
      function getConnection(this: unknown, ...args: unknown[]) {
        if (ctx.isEnabled() && typeof args[0] === 'function') {
          args[0] = trace.contextManager.bind(trace.contextManager.active(), args[0] as AnyFn);
        }
        return original.apply(this, args);
      }) as never);
  }
}

function endWith(span: Span | NonRecordingSpan, error: unknown, timing?: DbTiming): void {
  endDbSpan(span, error, mysqlErrorAttributes, timing);
}

/** `mysql2`: its exports carry the callback Connection and Pool classes. */
function patch(mysql2: unknown, ctx: InstrumentationContext): void {
  const { Connection, Pool } = mysql2 as { Connection?: Proto; Pool?: Proto };
  patchClasses(Connection, Pool, ctx);
}

/**
 * `mysql2/promise`: from 3.x releases that stopped loading mysql2's main module from promise.js, a
 * program that requires only `mysql2/promise` never loads `mysql2`; the classes it wraps are read
 * from the package's files. (Effective only where the catalog entry names `mysql2/promise`.)
 */
function patchPromise(_exports: unknown, ctx: InstrumentationContext, info: PatchInfo): void {
  if (!info.baseDir) throw new TypeError('mysql2/promise without a package directory');
  const Connection = require(join(info.baseDir, 'lib', 'connection.js')) as Proto;
  const Pool = require(join(info.baseDir, 'lib', 'pool.js')) as Proto;
  patchClasses(Connection, Pool, ctx);
}

const instrumentation: Instrumentation = {
  id: 'mysql2',
  targets: [
    { module: 'mysql2', versions: VERSIONS, patch },
    { module: 'mysql2/promise', versions: VERSIONS, patch: patchPromise },
  ],
};

export default instrumentation;
