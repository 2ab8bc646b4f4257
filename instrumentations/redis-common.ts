import {
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_BATCH_SIZE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_RESPONSE_STATUS_CODE,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from '../src/semconv';
import type { Span } from '../src/trace/span';
import type { NonRecordingSpan } from '../src/trace/span-context';
import type { Attributes } from '../src/trace/types';
import { dbErrorAttributes, endDbSpan, type DbTiming } from './db-common';

/**
 * What the redis (node-redis) and ioredis instrumentations share: the command text made safe
 * (the command and its key; every other argument, a value, replaced by `?`), the span attributes
 * of a command and of a batch (MULTI / PIPELINE), and the error attributes of a server reply.
 */

/**
 * Commands whose first argument is not a key (or is a secret, or a subcommand followed by
 * anything): every argument becomes `?`.
 */
const KEYLESS = new Set([
  'ACL', 'AUTH', 'HELLO', 'PING', 'ECHO', 'SELECT', 'SWAPDB', 'INFO', 'CLIENT', 'CONFIG', 'CLUSTER', 'COMMAND',
  'DBSIZE', 'FLUSHDB', 'FLUSHALL', 'SCAN', 'KEYS', 'RANDOMKEY', 'EVAL', 'EVALSHA', 'EVAL_RO', 'EVALSHA_RO',
  'FCALL', 'FCALL_RO', 'SCRIPT', 'FUNCTION', 'PUBLISH', 'SPUBLISH', 'SUBSCRIBE', 'SSUBSCRIBE', 'PSUBSCRIBE',
  'UNSUBSCRIBE', 'SUNSUBSCRIBE', 'PUNSUBSCRIBE', 'PUBSUB', 'MULTI', 'EXEC', 'DISCARD', 'UNWATCH', 'TIME',
  'LASTSAVE', 'SAVE', 'BGSAVE', 'BGREWRITEAOF', 'SHUTDOWN', 'QUIT', 'RESET', 'MONITOR', 'SLOWLOG', 'MEMORY',
  'OBJECT', 'MIGRATE', 'DEBUG', 'LATENCY', 'MODULE', 'REPLICAOF', 'SLAVEOF', 'FAILOVER', 'ROLE', 'SYNC',
  'PSYNC', 'WAIT', 'WAITAOF', 'READONLY', 'READWRITE', 'ASKING', 'XREAD', 'XREADGROUP', 'BITOP', 'LOLWUT',
]);

function argText(arg: unknown): string {
  if (typeof arg === 'string') return arg;
  if (typeof arg === 'number' || typeof arg === 'bigint') return String(arg);
  if (arg instanceof Uint8Array) return Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength).toString();
  return '?';
}

/**
 * `SET user:1 ?`, `HSET h ? ?`, `AUTH ?`: the command (upper-cased) and, when it has one, its
 * key; every other argument is replaced by `?`. Values are never recorded.
 */
export function redisQueryText(command: string, args: readonly unknown[]): string {
  const name = command.toUpperCase();
  if (args.length === 0) return name;
  const keyed = !KEYLESS.has(name);
  let text = name;
  for (let i = 0; i < args.length; i++) text += i === 0 && keyed ? ' ' + argText(args[i]) : ' ?';
  return text;
}

export interface RedisConnection {
  readonly host?: string;
  readonly port?: number;
  readonly database?: number | string;
}

function connectionAttributes(attributes: Attributes, conn: RedisConnection): Attributes {
  if (conn.database !== undefined && conn.database !== null && conn.database !== '') attributes[ATTR_DB_NAMESPACE] = String(conn.database);
  if (conn.host) attributes[ATTR_SERVER_ADDRESS] = conn.host;
  if (conn.port !== undefined && Number.isFinite(conn.port)) attributes[ATTR_SERVER_PORT] = conn.port;
  return attributes;
}

/** The span name and attributes of one command. */
export function redisCommandSpan(command: string, args: readonly unknown[], conn: RedisConnection): { name: string; attributes: Attributes } {
  const name = command.toUpperCase();
  return {
    name,
    attributes: connectionAttributes(
      { [ATTR_DB_SYSTEM_NAME]: 'redis', [ATTR_DB_OPERATION_NAME]: name, [ATTR_DB_QUERY_TEXT]: redisQueryText(name, args) },
      conn,
    ),
  };
}

/** At most this many commands of a batch are written into its db.query.text. */
const BATCH_TEXT_COMMANDS = 32;

/**
 * One span for a whole MULTI/EXEC transaction or pipeline: `db.operation.name` MULTI or PIPELINE,
 * `db.operation.batch.size` the number of commands (not set for a batch of one, as the conventions
 * ask), `db.query.text` the commands' safe texts joined by `; `.
 */
export function redisBatchSpan(
  kind: 'MULTI' | 'PIPELINE',
  commands: readonly (readonly [string, readonly unknown[]])[],
  conn: RedisConnection,
): { name: string; attributes: Attributes } {
  const texts = commands.slice(0, BATCH_TEXT_COMMANDS).map(([c, a]) => redisQueryText(c, a));
  if (commands.length > BATCH_TEXT_COMMANDS) texts.push('…');
  const attributes: Attributes = { [ATTR_DB_SYSTEM_NAME]: 'redis', [ATTR_DB_OPERATION_NAME]: kind };
  if (commands.length !== 1) attributes[ATTR_DB_OPERATION_BATCH_SIZE] = commands.length;
  if (texts.length) attributes[ATTR_DB_QUERY_TEXT] = texts.join('; ');
  return { name: kind, attributes: connectionAttributes(attributes, conn) };
}

/**
 * A server's error reply starts with its code: `WRONGTYPE Operation against a key…`, `ERR unknown
 * command`. That code is db.response.status_code and error.type; other errors (a closed
 * connection, a timeout) get the generic treatment.
 */
export function redisErrorAttributes(error: unknown): Attributes {
  const message = (error as { message?: unknown } | undefined)?.message;
  const name = (error as { name?: unknown } | undefined)?.name;
  // node-redis's ErrorReply (SimpleError, BlobError in 5) keeps the name `Error`: its class tells.
  const ctor = (error as { constructor?: { name?: unknown } } | undefined)?.constructor?.name;
  const REPLY = /^(ReplyError|ErrorReply|SimpleError|BlobError)$/;
  const isReply = (typeof name === 'string' && REPLY.test(name)) || (typeof ctor === 'string' && REPLY.test(ctor));
  const m = isReply && typeof message === 'string' ? /^([A-Z][A-Z0-9_-]*)(?:\s|$)/.exec(message) : null;
  if (m) return { [ATTR_DB_RESPONSE_STATUS_CODE]: m[1]!, [ATTR_ERROR_TYPE]: m[1]! };
  return dbErrorAttributes(error);
}

export function endRedisSpan(span: Span | NonRecordingSpan, error: unknown, timing?: DbTiming): void {
  endDbSpan(span, error, redisErrorAttributes, timing);
}

/** The database index and the server of a connection URL (`redis://host:port/3`). */
export function parseRedisUrl(url: unknown): RedisConnection {
  if (typeof url !== 'string') return {};
  try {
    const u = new URL(url);
    const db = u.pathname.replace(/^\//, '');
    const port = u.port ? Number(u.port) : 6379;
    return {
      ...(u.hostname ? { host: u.hostname.replace(/^\[|\]$/g, '') } : {}),
      port,
      ...(/^\d+$/.test(db) ? { database: Number(db) } : {}),
    };
  } catch {
    return {};
  }
}
