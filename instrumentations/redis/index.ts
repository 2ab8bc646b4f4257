/**
 * node-redis 4 and 5: a CLIENT span per command, one span per MULTI/EXEC transaction and one per
 * pipeline. The commands live in `@redis/client` (which `redis` re-exports): 1.x ships with
 * redis 4, 5.x with redis 5. Neither exposes the client class from its entry point, so the patch
 * reaches `dist/lib/client/index.js` (and, for 1.x, `dist/lib/commander.js` and
 * `dist/lib/client/commands.js`) from the package's directory: the same module instances the
 * entry point already loaded.
 *
 * - 5.x: every command ends in the public `sendCommand(args, options)` (commands, scripts,
 *   functions, the program's own sendCommand); transactions in `_executeMulti`, pipelines in
 *   `_executePipeline`. The connection handshake (HELLO/AUTH, SELECT, CLIENT SETINFO) goes to the
 *   queue directly and is not traced.
 * - 1.x: commands call a private `#sendCommand` through `commandsExecutor`, which the command
 *   methods captured when the module loaded; the patch re-points the built-in command methods at
 *   the (wrapped) `commandsExecutor`. The public `sendCommand`, `multiExecutor` (MULTI when given a
 *   chainId, PIPELINE otherwise) and `SELECT` are wrapped as they are.
 *
 * The text is `SET key ?`: the command and its key, never a value (redis-common.ts).
 */
import { join } from 'node:path';
import type { Instrumentation, InstrumentationContext, PatchInfo } from '../../src/instrumentation/types';
import type { SpanLike } from '../../src/trace/span-context';
import type { Attributes } from '../../src/trace/types';
import { endRedisSpan, parseRedisUrl, redisBatchSpan, redisCommandSpan, type RedisConnection } from '../redis-common';

const CLIENT = 2;

type AnyFn = (...args: unknown[]) => unknown;

interface ClientOptions {
  url?: unknown;
  database?: unknown;
  socket?: { host?: unknown; port?: unknown; path?: unknown };
}
interface Client {
  _self?: Client;
  options?: ClientOptions;
}
interface QueuedCommand {
  args: unknown[];
}

/** The database a client switched to with SELECT, by client. */
const selectedDb = new WeakMap<object, number>();

function connection(client: Client): RedisConnection {
  const self = client._self ?? client;
  let options: ClientOptions | undefined;
  try {
    options = client.options;
  } catch {
    options = undefined;
  }
  const fromUrl = parseRedisUrl(options?.url);
  const socket = options?.socket;
  const host = typeof socket?.host === 'string' ? socket.host : typeof socket?.path === 'string' ? undefined : (fromUrl.host ?? 'localhost');
  const port = typeof socket?.port === 'number' ? socket.port : typeof socket?.path === 'string' ? undefined : (fromUrl.port ?? 6379);
  const database = selectedDb.get(self) ?? (typeof options?.database === 'number' ? options.database : undefined) ?? fromUrl.database ?? 0;
  return { ...(host ? { host } : {}), ...(port !== undefined ? { port } : {}), database };
}

function commandName(args: readonly unknown[]): string {
  const first = args[0];
  return typeof first === 'string' ? first : first instanceof Uint8Array ? Buffer.from(first).toString() : 'UNKNOWN';
}

function patch(exports: unknown, ctx: InstrumentationContext, info: PatchInfo): void {
  if (!info.baseDir) throw new TypeError('@redis/client: no package directory');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const clientModule = require(join(info.baseDir, 'dist', 'lib', 'client', 'index.js')) as { default?: { prototype: Record<string, unknown> } };
  const proto = clientModule.default?.prototype;
  if (!proto || typeof proto.sendCommand !== 'function') throw new TypeError('@redis/client: RedisClient.prototype.sendCommand not found');
  void exports;
  const { trace, tracer } = ctx;
  /** Our spans: a command a traced call makes underneath (an isolated client's sendCommand) is not traced again. */
  const ours = new WeakSet<SpanLike>();

  /** Runs `run` inside a new span and ends the span when its promise settles; the result is returned as it is. */
  function traced(client: Client, make: () => { name: string; attributes: Attributes }, run: () => unknown, onSuccess?: () => void): unknown {
    if (!ctx.isEnabled()) return run();
    const caller = trace.contextManager.active();
    if (trace.isTracingSuppressed(caller)) return run();
    const current = trace.getSpan(caller);
    if (current && ours.has(current)) return run();
    let span;
    try {
      const { name, attributes } = make();
      span = tracer.startSpan(name, { kind: CLIENT, attributes }, caller);
    } catch {
      return run();
    }
    ours.add(span);
    void client;
    let result: unknown;
    try {
      result = trace.contextManager.with(trace.setSpan(caller, span), run);
    } catch (error) {
      endRedisSpan(span, error);
      throw error;
    }
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      (result as Promise<unknown>).then(
        () => {
          onSuccess?.();
          endRedisSpan(span, undefined);
        },
        (error: unknown) => endRedisSpan(span, error),
      );
    } else {
      endRedisSpan(span, undefined);
    }
    return result;
  }

  const rememberSelect = (client: Client, args: readonly unknown[]) => () => {
    const db = Number(args[1]);
    if (Number.isInteger(db)) selectedDb.set(client._self ?? client, db);
  };

  const sendCommand = (original: AnyFn) =>
    function sendCommand(this: Client, ...params: unknown[]) {
      const args = params[0];
      if (!Array.isArray(args) || args.length === 0) return original.apply(this, params);
      const name = commandName(args);
      return traced(
        this,
        () => redisCommandSpan(name, args.slice(1), connection(this)),
        () => original.apply(this, params),
        name.toUpperCase() === 'SELECT' ? rememberSelect(this, args) : undefined,
      );
    };
  ctx.shimmer.wrap(proto, 'sendCommand', sendCommand as never);

  const batch = (kind: (params: unknown[]) => 'MULTI' | 'PIPELINE') => (original: AnyFn) =>
    function execute(this: Client, ...params: unknown[]) {
      const commands = params[0];
      if (!Array.isArray(commands)) return original.apply(this, params);
      const selected = params[1];
      return traced(
        this,
        () =>
          redisBatchSpan(
            kind(params),
            (commands as QueuedCommand[]).map((c) => {
              const args = Array.isArray(c?.args) ? c.args : [];
              return [commandName(args), args.slice(1)] as const;
            }),
            connection(this),
          ),
        () => original.apply(this, params),
        typeof selected === 'number' ? () => selectedDb.set(this._self ?? this, selected) : undefined,
      );
    };

  if (typeof proto._executeMulti === 'function' && typeof proto._executePipeline === 'function') {
    // @redis/client 5
    ctx.shimmer.wrap(proto, '_executeMulti', batch(() => 'MULTI') as never);
    ctx.shimmer.wrap(proto, '_executePipeline', batch(() => 'PIPELINE') as never);
    return;
  }

  // @redis/client 1 (redis 4)
  if (typeof proto.commandsExecutor !== 'function' || typeof proto.multiExecutor !== 'function') {
    throw new TypeError('@redis/client: neither the 5.x nor the 1.x client layout');
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const commander = require(join(info.baseDir, 'dist', 'lib', 'commander.js')) as {
    transformCommandArguments?: (command: unknown, args: unknown[]) => { args: unknown[] };
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const commands = (require(join(info.baseDir, 'dist', 'lib', 'client', 'commands.js')) as { default?: Record<string, unknown> }).default;
  const transform = commander.transformCommandArguments;
  if (typeof transform !== 'function' || !commands) throw new TypeError('@redis/client 1: commander or commands not found');

  ctx.shimmer.wrap(proto, 'commandsExecutor', ((original: AnyFn) =>
    function commandsExecutor(this: Client, ...params: unknown[]) {
      const [command, args] = params;
      if (!Array.isArray(args)) return original.apply(this, params);
      // The arguments as they go on the wire (computed again by the original: a pure function).
      let redisArgs: unknown[];
      try {
        redisArgs = transform(command, args).args;
      } catch {
        return original.apply(this, params);
      }
      const name = commandName(redisArgs);
      return traced(
        this,
        () => redisCommandSpan(name, redisArgs.slice(1), connection(this)),
        () => original.apply(this, params),
        name.toUpperCase() === 'SELECT' ? rememberSelect(this, redisArgs) : undefined,
      );
    }) as never);
  // The built-in command methods called the original commandsExecutor, captured at load time.
  for (const [name, command] of Object.entries(commands)) {
    if (typeof proto[name] !== 'function') continue;
    ctx.shimmer.wrap(proto, name, (() =>
      function (this: { commandsExecutor: AnyFn }, ...args: unknown[]) {
        return this.commandsExecutor(command, args, name);
      }) as never);
  }
  ctx.shimmer.wrap(proto, 'multiExecutor', batch((params) => (params[2] ? 'MULTI' : 'PIPELINE')) as never);
  if (typeof proto.SELECT === 'function') {
    ctx.shimmer.wrap(proto, 'SELECT', ((original: AnyFn) =>
      function SELECT(this: Client, ...params: unknown[]) {
        const db = typeof params[0] === 'number' ? params[0] : params[1];
        const result = original.apply(this, params);
        if (typeof db === 'number' && result && typeof (result as Promise<unknown>).then === 'function') {
          (result as Promise<unknown>).then(
            () => selectedDb.set(this._self ?? this, db),
            () => undefined,
          );
        }
        return result;
      }) as never);
  }
}

const instrumentation: Instrumentation = {
  id: 'redis',
  targets: [{ module: '@redis/client', versions: '>=1 <6', patch }],
};

export default instrumentation;
