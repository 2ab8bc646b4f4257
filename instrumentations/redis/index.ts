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
import { dbOperationDuration, followPromise, startDbTiming } from '../db-common';
import { endRedisSpan, parseRedisUrl, redisBatchSpan, redisCommandSpan, type RedisConnection } from '../redis-common';

const CLIENT = 2;

type AnyFn = (...args: unknown[]) => unknown;

interface ClientOptions {
  legacyMode?: unknown;
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
  const duration = dbOperationDuration(ctx);
  /** Our spans: a command a traced call makes underneath (an isolated client's sendCommand) is not traced again. */
  const ours = new WeakSet<SpanLike>();

  /** Runs `run` inside a new span and ends the span when its promise settles (followPromise). */
  function traced(client: Client, make: () => { name: string; attributes: Attributes }, run: () => unknown, onSuccess?: () => void): unknown {
    if (!ctx.isEnabled()) return run();
    const caller = trace.contextManager.active();
    if (trace.isTracingSuppressed(caller)) return run();
    const current = trace.getSpan(caller);
    if (current && ours.has(current)) return run();
    let span;
    let timing;
    try {
      const { name, attributes } = make();
      span = tracer.startSpan(name, { kind: CLIENT, attributes }, caller);
      timing = startDbTiming(duration, attributes);
    } catch {
      return run();
    }
    ours.add(span);
    void client;
    let result: unknown;
    try {
      result = trace.contextManager.with(trace.setSpan(caller, span), run);
    } catch (error) {
      endRedisSpan(span, error, timing);
      throw error;
    }
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      return followPromise(result as Promise<unknown>, (error) => {
        if (!error) onSuccess?.();
        endRedisSpan(span, error, timing);
      });
    }
    endRedisSpan(span, undefined, timing);
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
      if (!Array.isArray(params[0])) return original.apply(this, params);
      let commands = params[0] as QueuedCommand[];
      const selected = params[1];
      // Before @redis/client 1.2 a transaction's commands arrive wrapped in its MULTI and EXEC.
      const at = (i: number) => commandName(Array.isArray(commands[i]?.args) ? commands[i]!.args! : []).toUpperCase();
      if (commands.length >= 2 && at(0) === 'MULTI' && at(commands.length - 1) === 'EXEC') commands = commands.slice(1, -1);
      return traced(
        this,
        () =>
          redisBatchSpan(
            kind(params),
            commands.map((c) => {
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
  // multiExecutor(commands, selectedDB, chainId), before 1.2 (commands, chainId): a chain id (a
  // symbol) makes it a transaction.
  ctx.shimmer.wrap(proto, 'multiExecutor', batch((params) => (params.some((p) => typeof p === 'symbol') ? 'MULTI' : 'PIPELINE')) as never);
  if (typeof proto.SELECT === 'function') {
    ctx.shimmer.wrap(proto, 'SELECT', ((original: AnyFn) =>
      function SELECT(this: Client, ...params: unknown[]) {
        const db = typeof params[0] === 'number' ? params[0] : params[1];
        const result = original.apply(this, params);
        if (typeof db === 'number' && result && typeof (result as Promise<unknown>).then === 'function') {
          return followPromise(result as Promise<unknown>, (error) => {
            if (!error) selectedDb.set(this._self ?? this, db);
          });
        }
        return result;
      }) as never);
  }

  // Scripts and functions (the `scripts` / `functions` client options) reach the private
  // #sendCommand through executeScript / executeFunction: a span per call, EVALSHA (with its
  // NOSCRIPT retry as EVAL inside it) or FCALL.
  if (typeof proto.executeScript === 'function') {
    ctx.shimmer.wrap(proto, 'executeScript', ((original: AnyFn) =>
      function executeScript(this: Client, ...params: unknown[]) {
        const [script, args] = params as [{ SHA1?: unknown; NUMBER_OF_KEYS?: unknown } | undefined, unknown];
        if (!Array.isArray(args)) return original.apply(this, params);
        const keys = script?.NUMBER_OF_KEYS === undefined ? [] : [String(script.NUMBER_OF_KEYS)];
        return traced(
          this,
          () => redisCommandSpan('EVALSHA', [script?.SHA1, ...keys, ...args], connection(this)),
          () => original.apply(this, params),
        );
      }) as never);
  }
  const fCall = (commander as { fCallArguments?: (name: unknown, fn: unknown, args: unknown[]) => unknown[] }).fCallArguments;
  if (typeof proto.executeFunction === 'function' && typeof fCall === 'function') {
    ctx.shimmer.wrap(proto, 'executeFunction', ((original: AnyFn) =>
      function executeFunction(this: Client, ...params: unknown[]) {
        const [name, fn, args] = params;
        if (!Array.isArray(args)) return original.apply(this, params);
        return traced(
          this,
          () => {
            const redisArgs = fCall(name, fn, args);
            return redisCommandSpan(commandName(redisArgs), redisArgs.slice(1), connection(this));
          },
          () => original.apply(this, params),
        );
      }) as never);
  }

  // Legacy mode (`legacyMode: true`): the constructor gave the client callback-style methods of
  // its own that go to #sendCommand directly. They are wrapped when the client connects: its
  // `sendCommand(...args, callback?)` (which the legacy command methods call) and the few legacy
  // methods that bypass it (HGETALL); `client.v4.sendCommand` is the private one, wrapped too.
  const legacyTransform = (commander as { transformLegacyCommandArguments?: (args: unknown[]) => unknown[] }).transformLegacyCommandArguments;
  if (typeof proto.connect === 'function' && typeof legacyTransform === 'function') {
    const legacy = (client: Client & { emit(event: string, error: unknown): boolean }, fixed: string | undefined, original: AnyFn) =>
      function legacyCommand(this: Client & { emit(event: string, error: unknown): boolean }, ...args: unknown[]) {
        if (!ctx.isEnabled()) return original.apply(this, args);
        const caller = trace.contextManager.active();
        if (trace.isTracingSuppressed(caller)) return original.apply(this, args);
        const callback = typeof args[args.length - 1] === 'function' ? (args.pop() as AnyFn) : undefined;
        let redisArgs: unknown[];
        try {
          redisArgs = legacyTransform(fixed === undefined ? args : [fixed, ...args]);
        } catch {
          if (callback) args.push(callback);
          return original.apply(this, args);
        }
        const { name, attributes } = redisCommandSpan(commandName(redisArgs), redisArgs.slice(1), connection(client));
        const span = tracer.startSpan(name, { kind: CLIENT, attributes }, caller);
        const timing = startDbTiming(duration, attributes);
        let ended = false;
        // Without a callback of the program's, an error goes to the client's 'error' event, as the
        // legacy methods do.
        const done = function (this: unknown, error: unknown, ...rest: unknown[]) {
          if (!ended) {
            ended = true;
            endRedisSpan(span, error, timing);
          }
          if (callback) return trace.contextManager.with(caller, () => callback.call(this, error, ...rest));
          if (error) client.emit('error', error);
          return undefined;
        };
        return trace.contextManager.with(trace.setSpan(caller, span), () => original.apply(this, [...args, done]));
      };
    const LEGACY = Symbol.for('ts-otel-run.redis.legacy-traced');
    ctx.shimmer.wrap(proto, 'connect', ((original: AnyFn) =>
      function connect(this: Client & Record<string | symbol, unknown> & { emit(event: string, error: unknown): boolean }, ...params: unknown[]) {
        if (ctx.isEnabled() && this.options?.legacyMode && !this[LEGACY] && typeof this.sendCommand === 'function') {
          this[LEGACY] = true;
          this.sendCommand = legacy(this, undefined, this.sendCommand as AnyFn);
          for (const [name, command] of Object.entries(commands)) {
            if (!(command as { TRANSFORM_LEGACY_REPLY?: unknown }).TRANSFORM_LEGACY_REPLY) continue;
            for (const key of new Set([name, name.toLowerCase()])) {
              const own = Object.getOwnPropertyDescriptor(this, key);
              if (typeof own?.value === 'function') this[key] = legacy(this, name, own.value as AnyFn);
            }
          }
          const v4 = (this as { v4?: { sendCommand?: AnyFn } }).v4;
          if (v4 && typeof v4.sendCommand === 'function') {
            const wrapped = sendCommand(v4.sendCommand);
            const self = this;
            v4.sendCommand = function (...args: unknown[]) {
              return wrapped.apply(self, args);
            };
          }
        }
        return original.apply(this, params);
      }) as never);
  }
}

const instrumentation: Instrumentation = {
  id: 'redis',
  targets: [{ module: '@redis/client', versions: '>=1 <6', patch }],
};

export default instrumentation;
