/**
 * ioredis 5: a CLIENT span per command (`Redis.prototype.sendCommand`, which every command,
 * callback or promise, goes through), and one span per pipeline or MULTI/EXEC transaction
 * (`Pipeline.prototype.exec`). The commands a pipeline sends reach `sendCommand` with a stream
 * marked `isPipeline` and are not traced one by one. A command queued while the connection is not
 * ready is sent again from the offline queue: it is traced once, from the first call.
 *
 * The text is `SET key ?`: the command and its key, never a value (redis-common.ts).
 */
import type { Instrumentation, InstrumentationContext } from '../../src/instrumentation/types';
import type { Attributes } from '../../src/trace/types';
import { dbOperationDuration, followPromise, startDbTiming } from '../db-common';
import { endRedisSpan, redisBatchSpan, redisCommandSpan, type RedisConnection } from '../redis-common';

const CLIENT = 2;

type AnyFn = (...args: unknown[]) => unknown;

interface Command {
  name?: unknown;
  args?: unknown[];
  promise?: Promise<unknown>;
}
interface RedisLike {
  options?: { host?: unknown; port?: unknown; db?: unknown; path?: unknown };
  condition?: { select?: unknown };
  isCluster?: boolean;
}
interface PipelineLike {
  redis?: RedisLike;
  _queue?: Command[];
  _transactions?: number;
}

function connection(redis: RedisLike | undefined): RedisConnection {
  const options = redis?.options;
  if (!redis || redis.isCluster) return {};
  const select = redis.condition?.select;
  const database = typeof select === 'number' ? select : typeof options?.db === 'number' ? options.db : 0;
  return {
    ...(typeof options?.host === 'string' && !options?.path ? { host: options.host } : {}),
    ...(typeof options?.port === 'number' && !options?.path ? { port: options.port } : {}),
    database,
  };
}

function patch(ioredis: unknown, ctx: InstrumentationContext): void {
  const Redis = ioredis as { prototype?: { sendCommand?: AnyFn }; Pipeline?: { prototype?: { exec?: AnyFn } } };
  if (typeof Redis?.prototype?.sendCommand !== 'function') throw new TypeError('ioredis: Redis.prototype.sendCommand not found');
  const { trace, tracer } = ctx;
  const duration = dbOperationDuration(ctx);
  const seen = new WeakSet<object>();

  /**
   * A span around `run`, ended when the promise it returns settles. With a callback, ioredis
   * itself handles that promise, and it is returned as it is (the caller may rely on its
   * identity); without one, the program gets the promise that follows it (followPromise), so that
   * a rejection it leaves unhandled stays unhandled.
   */
  function traced(make: () => { name: string; attributes: Attributes }, run: () => unknown, withCallback: boolean): unknown {
    const caller = trace.contextManager.active();
    if (trace.isTracingSuppressed(caller)) return run();
    let span;
    let timing;
    try {
      const { name, attributes } = make();
      span = tracer.startSpan(name, { kind: CLIENT, attributes }, caller);
      timing = startDbTiming(duration, attributes);
    } catch {
      return run();
    }
    let result: unknown;
    try {
      result = trace.contextManager.with(trace.setSpan(caller, span), run);
    } catch (error) {
      endRedisSpan(span, error, timing);
      throw error;
    }
    if (!result || typeof (result as Promise<unknown>).then !== 'function') {
      endRedisSpan(span, undefined, timing);
      return result;
    }
    if (!withCallback) return followPromise(result as Promise<unknown>, (error) => endRedisSpan(span, error, timing));
    (result as Promise<unknown>).then(
      () => endRedisSpan(span, undefined, timing),
      (error: unknown) => endRedisSpan(span, error, timing),
    );
    return result;
  }

  ctx.shimmer.wrap(Redis.prototype as { sendCommand: AnyFn }, 'sendCommand', (original: AnyFn) =>
    function sendCommand(this: RedisLike, ...params: unknown[]) {
      const command = params[0] as Command | undefined;
      const stream = params[1] as { isPipeline?: unknown } | undefined;
      if (
        !ctx.isEnabled() ||
        !command ||
        typeof command !== 'object' ||
        typeof command.name !== 'string' ||
        stream?.isPipeline ||
        seen.has(command)
      ) {
        return original.apply(this, params);
      }
      seen.add(command);
      const name = command.name;
      return traced(
        () => redisCommandSpan(name, Array.isArray(command.args) ? command.args : [], connection(this)),
        () => original.apply(this, params),
        typeof (command as { callback?: unknown }).callback === 'function',
      );
    },
  );

  const Pipeline = Redis.Pipeline;
  if (typeof Pipeline?.prototype?.exec !== 'function') return;
  ctx.shimmer.wrap(Pipeline.prototype as { exec: AnyFn }, 'exec', (original: AnyFn) =>
    function exec(this: PipelineLike, ...params: unknown[]) {
      // A transaction's exec runs twice: first to queue EXEC (while _transactions > 0), then to
      // send; a pipeline waiting for a cluster calls exec again. One span, from the sending call.
      if (!ctx.isEnabled() || (this._transactions ?? 0) > 0 || seen.has(this) || !Array.isArray(this._queue)) {
        return original.apply(this, params);
      }
      seen.add(this);
      const queue = this._queue;
      const isMulti = queue.length >= 2 && queue[0]?.name === 'multi' && queue[queue.length - 1]?.name === 'exec';
      const commands = (isMulti ? queue.slice(1, -1) : queue).map(
        (c) => [typeof c.name === 'string' ? c.name : 'UNKNOWN', Array.isArray(c.args) ? c.args : []] as const,
      );
      if (typeof params[0] === 'function') {
        // The callback runs in the caller's context, as it would have.
        params[0] = trace.contextManager.bind(trace.contextManager.active(), params[0] as AnyFn);
      }
      return traced(
        () => redisBatchSpan(isMulti ? 'MULTI' : 'PIPELINE', commands, connection(this.redis)),
        () => original.apply(this, params),
        typeof params[0] === 'function',
      );
    },
  );
}

const instrumentation: Instrumentation = {
  id: 'ioredis',
  targets: [{ module: 'ioredis', versions: '>=5 <6', patch }],
};

export default instrumentation;
