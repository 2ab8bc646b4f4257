import { spawn, type SpawnOptions } from 'node:child_process';
import { createServer as createNetServer } from 'node:net';
import { resolve } from 'node:path';

/** The repository root (tests run from dist/test/...). */
export const ROOT = resolve(__dirname, '..', '..', '..');
export const BIN = resolve(ROOT, 'bin', 'ts-otel-run.js');
export const APPS = resolve(ROOT, 'fixtures', 'apps');
export const INSTRUMENTATIONS = resolve(ROOT, 'fixtures', 'instrumentations');
export const REGISTER_CJS = resolve(ROOT, 'dist', 'bundle', 'register', 'register.js');
export const REGISTER_ESM = resolve(ROOT, 'dist', 'bundle', 'register', 'register.mjs');

export const app = (name: string) => resolve(APPS, name);
export const instrumentation = (name: string) => resolve(INSTRUMENTATIONS, name);

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string;
  timeoutMs?: number;
  /** Called with each stdout chunk and the child, e.g. to send a signal once the program is ready. */
  onStdout?: (text: string, child: ReturnType<typeof spawn>) => void;
}

/**
 * An environment for a child process: the test's own, without anything ts-otel-run or
 * OpenTelemetry related that might leak from the developer's shell, plus `extra`.
 */
export function bareEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('OTEL_') || k.startsWith('TS_OTEL_RUN_') || k === 'NODE_OPTIONS' || k.startsWith('NODE_TEST')) {
      continue;
    }
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** bareEnv with every exporter off, so that no test reaches for a collector unless it means to. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return bareEnv({ OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', ...extra });
}

/** Runs a command to its end (or kills it after timeoutMs) and collects its output. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const spawnOptions: SpawnOptions = {
      env: options.env ?? cleanEnv(),
      cwd: options.cwd ?? ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    };
    const child = spawn(command, args, spawnOptions);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      options.onStdout?.(stdout, child);
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
    else child.stdin!.end();
  });
}

/** Runs the launcher: `ts-otel-run <args>`. */
export function launcher(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return run(process.execPath, [BIN, ...args], options);
}

/** Parses the last JSON line a probe program printed. */
export function lastJson<T = any>(stdout: string): T { // eslint-disable-line @typescript-eslint/no-explicit-any
  const lines = stdout.trim().split('\n').filter((l) => l.startsWith('{'));
  if (!lines.length) throw new Error(`no JSON line in output:\n${stdout}`);
  return JSON.parse(lines[lines.length - 1]!);
}

/** A TCP port on 127.0.0.1 that was free a moment ago (listened on, then closed). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createNetServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * bareEnv for a run that exports to a test receiver over `protocol`, as `service` (unique per run,
 * to tell its data apart); each signal's exporter is `otlp` where `signals` says so, `none`
 * otherwise.
 */
export function receiverEnv(
  endpoints: { readonly grpc: string | undefined; readonly http: string | undefined },
  protocol: 'http/protobuf' | 'http/json' | 'grpc',
  service: string,
  signals: { readonly traces?: boolean; readonly metrics?: boolean; readonly logs?: boolean },
  extra: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  return bareEnv({
    OTEL_SERVICE_NAME: service,
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
    OTEL_EXPORTER_OTLP_ENDPOINT: protocol === 'grpc' ? endpoints.grpc : endpoints.http,
    OTEL_TRACES_EXPORTER: signals.traces ? 'otlp' : 'none',
    OTEL_METRICS_EXPORTER: signals.metrics ? 'otlp' : 'none',
    OTEL_LOGS_EXPORTER: signals.logs ? 'otlp' : 'none',
    ...extra,
  });
}
