/**
 * `ts-otel-run check`: runs a command under the launcher with every signal sent to an embedded
 * OTLP receiver, optionally waits for it to be ready and probes it, stops it, then judges what
 * arrived against the expectations and prints a summary (and a JUnit or JSON report).
 *
 * Exit status: 0 when every expectation holds and the program succeeded; 1 otherwise; 2 for a
 * usage error (before anything runs).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { extname, resolve } from 'node:path';
import type { Resolution } from '../config/resolve';
import type { SettingName } from '../config/settings';
import type { Receiver } from '../receiver';
import type { Expectations, Observed, ProgramResult } from './check-judge';
import { resolveCommand } from './launch';

export interface CheckOptions {
  readonly expectSpan?: readonly string[];
  readonly expectMetric?: readonly string[];
  readonly expectLog?: readonly string[];
  readonly expectService?: readonly string[];
  readonly minSpans?: string;
  readonly errorSpans?: boolean;
  readonly probe?: readonly string[];
  readonly probeCount?: string;
  readonly ready?: string;
  readonly timeout?: string;
  readonly allowFailure?: boolean;
  readonly protocol?: string;
  readonly report?: string;
}

export interface CheckDeps {
  readonly resolveFor: (flags: ReadonlyMap<SettingName, string>, env: NodeJS.ProcessEnv, cwd: string) => Promise<Resolution>;
  readonly childEnvironment: (resolution: Resolution, env: NodeJS.ProcessEnv) => NodeJS.ProcessEnv;
  readonly usageError: (message: string) => Error;
}

const PROTOCOLS = ['http/protobuf', 'http/json', 'grpc'] as const;

function positiveInt(value: string | undefined, option: string, fallback: number, usage: (m: string) => Error, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw usage(`${option} ${JSON.stringify(value)}: expected a whole number ${min === 0 ? '≥ 0' : '≥ 1'}`);
  }
  return n;
}

function seconds(value: string | undefined, option: string, fallback: number, usage: (m: string) => Error): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!value.trim() || !Number.isFinite(n) || n <= 0) throw usage(`${option} ${JSON.stringify(value)}: expected a number of seconds > 0`);
  return n;
}

function url(value: string, option: string, usage: (m: string) => Error): URL {
  try {
    const u = new URL(value);
    if (u.protocol !== 'http:') throw new Error('not http');
    return u;
  } catch {
    throw usage(`${option} ${JSON.stringify(value)}: expected an http:// URL`);
  }
}

/** GET `target`; resolves with the status, or undefined when nothing answered. */
function get(target: URL, timeoutMs: number): Promise<number | undefined> {
  return new Promise((resolvePromise) => {
    const req = request(target, { method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolvePromise(res.statusCode));
      res.on('error', () => resolvePromise(res.statusCode));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolvePromise(undefined));
    req.end();
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits until no request has arrived for `quietMs` (at most `maxMs`): the last exports settle. */
async function settle(receiver: Receiver, quietMs: number, maxMs: number): Promise<void> {
  const end = Date.now() + maxMs;
  let seen = receiver.requests.length;
  let quietSince = Date.now();
  while (Date.now() < end) {
    await sleep(50);
    const now = receiver.requests.length;
    if (now !== seen) {
      seen = now;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= quietMs) {
      return;
    }
  }
}

const FILE_KEYS: Readonly<Record<string, { option: keyof CheckOptions; kind: 'list' | 'text' | 'bool' }>> = {
  expectSpan: { option: 'expectSpan', kind: 'list' },
  expectMetric: { option: 'expectMetric', kind: 'list' },
  expectLog: { option: 'expectLog', kind: 'list' },
  expectService: { option: 'expectService', kind: 'list' },
  minSpans: { option: 'minSpans', kind: 'text' },
  noErrorSpans: { option: 'errorSpans', kind: 'bool' },
  ready: { option: 'ready', kind: 'text' },
  probe: { option: 'probe', kind: 'list' },
  probeCount: { option: 'probeCount', kind: 'text' },
  timeout: { option: 'timeout', kind: 'text' },
  allowFailure: { option: 'allowFailure', kind: 'bool' },
  protocol: { option: 'protocol', kind: 'text' },
  report: { option: 'report', kind: 'text' },
};

/**
 * The options of a config file's `check` section (keys as the options, camelCase or kebab-case:
 * `expectSpan` or `expect-span`), under those given on the command line: an option given there
 * replaces the file's.
 */
export function withFileOptions(options: CheckOptions, section: unknown, file: string | undefined, usage: (m: string) => Error): CheckOptions {
  if (section === undefined) return options;
  const where = `${file ?? 'the config file'}: check`;
  if (section === null || typeof section !== 'object' || Array.isArray(section)) throw usage(`${where}: expected an object of check options`);
  const out: Record<string, unknown> = { ...options };
  for (const [rawKey, value] of Object.entries(section)) {
    const key = rawKey.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const spec = FILE_KEYS[key];
    if (!spec) throw usage(`${where}: unknown key '${rawKey}' (allowed: ${Object.keys(FILE_KEYS).join(', ')})`);
    if (out[spec.option] !== undefined && !(spec.option === 'errorSpans' && out[spec.option] === true)) continue;
    if (spec.kind === 'list') {
      const list = Array.isArray(value) ? value : [value];
      if (!list.every((v) => typeof v === 'string')) throw usage(`${where}.${rawKey}: expected a string or a list of strings`);
      out[spec.option] = list;
    } else if (spec.kind === 'bool') {
      if (typeof value !== 'boolean') throw usage(`${where}.${rawKey}: expected true or false`);
      // noErrorSpans: true is --no-error-spans (commander's errorSpans: false).
      out[spec.option] = spec.option === 'errorSpans' ? !value : value;
    } else {
      if (typeof value !== 'string' && typeof value !== 'number') throw usage(`${where}.${rawKey}: expected a string or a number`);
      out[spec.option] = String(value);
    }
  }
  return out as CheckOptions;
}

/** Runs the check; resolves with the exit status for the CLI. */
export async function runCheck(
  flags: ReadonlyMap<SettingName, string>,
  command: string,
  args: readonly string[],
  options: CheckOptions,
  deps: CheckDeps,
): Promise<number> {
  const usage = deps.usageError;
  const judgeModule = require('./check-judge') as typeof import('./check-judge');
  const resolution = await deps.resolveFor(flags, process.env, process.cwd());
  options = withFileOptions(options, resolution.check, resolution.file, usage);
  // Everything the user typed is checked before anything runs.
  const expectations: Expectations = {
    spans: (options.expectSpan ?? []).map((t) => judgeModule.parseSpanExpectation(t)),
    metrics: (options.expectMetric ?? []).map((t) => judgeModule.parseMatcher(t, '--expect-metric')),
    logs: (options.expectLog ?? []).map((t) => judgeModule.parseMatcher(t, '--expect-log')),
    services: (options.expectService ?? []).map((t) => judgeModule.parseMatcher(t, '--expect-service')),
    ...(options.minSpans !== undefined ? { minSpans: positiveInt(options.minSpans, '--min-spans', 1, usage, 0) } : {}),
    noErrorSpans: options.errorSpans === false,
  };
  const protocol = options.protocol ?? 'http/protobuf';
  if (!(PROTOCOLS as readonly string[]).includes(protocol)) {
    throw usage(`--protocol ${JSON.stringify(protocol)}: expected one of ${PROTOCOLS.join(', ')}`);
  }
  const probes = (options.probe ?? []).map((p) => url(p, '--probe', usage));
  const probeCount = positiveInt(options.probeCount, '--probe-count', 1, usage);
  const ready = options.ready !== undefined ? url(options.ready, '--ready', usage) : undefined;
  const timeoutMs = seconds(options.timeout, '--timeout', 60, usage) * 1000;
  const report = options.report;
  if (report !== undefined && !['.xml', '.json'].includes(extname(report).toLowerCase())) {
    throw usage(`--report ${JSON.stringify(report)}: expected a file ending in .xml (JUnit) or .json`);
  }
  const { startReceiver } = require('../receiver') as typeof import('../receiver');
  const receiver = await startReceiver({ host: '127.0.0.1' });
  try {
    const env = deps.childEnvironment(resolution, process.env);
    // Every signal to the receiver, whatever the environment or a config file said.
    for (const key of Object.keys(env)) {
      if (/^OTEL_EXPORTER_OTLP_(TRACES_|METRICS_|LOGS_)?(ENDPOINT|PROTOCOL|HEADERS|CERTIFICATE|CLIENT_KEY|CLIENT_CERTIFICATE|INSECURE)$/.test(key)) delete env[key];
    }
    Object.assign(env, {
      OTEL_SDK_DISABLED: 'false',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      OTEL_EXPORTER_OTLP_ENDPOINT: protocol === 'grpc' ? receiver.endpoints.grpc! : receiver.endpoints.http!,
    });
    const file = resolveCommand(command, env);
    const started = Date.now();
    const child: ChildProcess = spawn(file, args as string[], { env, stdio: 'inherit', argv0: command });
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        exited = { code, signal };
        resolveExit(exited);
      });
    });
    // Forwarded, as the launcher does: Ctrl-C stops the program, then the check judges.
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    const handlers = (['SIGINT', 'SIGTERM'] as const).map((s) => [s, forward(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);

    let stoppedByUs = false;
    let timedOut = false;
    const stop = async () => {
      if (exited) return;
      stoppedByUs = true;
      child.kill('SIGTERM');
      // The agent flushes on SIGTERM within its shutdown deadline; past that, the program is stuck.
      const grace = resolution.config.TS_OTEL_RUN_SHUTDOWN_TIMEOUT + 2000;
      const killed = await Promise.race([exit.then(() => false), sleep(grace).then(() => true)]);
      if (killed && !exited) child.kill('SIGKILL');
    };
    const deadline = setTimeout(() => {
      timedOut = true;
      void stop();
    }, timeoutMs);

    const probeResults: { url: string; status: number | undefined }[] = [];
    try {
      if (ready) {
        while (!exited && !timedOut && (await get(ready, 1000)) === undefined) await sleep(100);
      }
      for (const target of probes) {
        for (let i = 0; i < probeCount && !exited && !timedOut; i++) probeResults.push({ url: target.href, status: await get(target, 10_000) });
      }
      if (probes.length > 0 || ready) await stop();
      await exit;
    } finally {
      clearTimeout(deadline);
      for (const [s, h] of handlers) process.off(s, h);
    }
    await settle(receiver, 300, 5000);

    const { code, signal } = exited!;
    const program: ProgramResult = {
      command: [command, ...args].join(' '),
      exitCode: code,
      signal,
      durationMs: Date.now() - started,
      timedOut,
      allowedFailure: options.allowFailure === true,
      stoppedByCheck: stoppedByUs && !timedOut,
    };
    const observed: Observed = { spans: receiver.spans(), metrics: receiver.metrics(), logs: receiver.logRecords() };
    const outcomes = judgeModule.judge(expectations, observed);
    const failedProbes = probeResults.filter((p) => p.status === undefined || p.status >= 500);
    const probeOutcomes = probeResults.length
      ? [
          {
            name: `probes (${probeResults.length})`,
            passed: failedProbes.length === 0,
            message: failedProbes.length
              ? `${failedProbes.length} of ${probeResults.length} probe(s) failed: ${failedProbes.map((p) => `${p.url} → ${p.status ?? 'no answer'}`).join(', ')}`
              : probeResults.map((p) => `${p.url} → ${p.status}`).join(', '),
          },
        ]
      : [];
    const all = [...outcomes, ...probeOutcomes];
    const programOk = judgeModule.programPassed(program);
    process.stdout.write(`${judgeModule.summarize(observed, program, all)}\n`);
    if (report) {
      const path = resolve(process.cwd(), report);
      const text = extname(report).toLowerCase() === '.xml' ? judgeModule.junitReport(all, program, observed) : judgeModule.jsonReport(all, program, observed);
      writeFileSync(path, text);
    }
    return all.every((o) => o.passed) && programOk ? 0 : 1;
  } finally {
    await receiver.close();
  }
}
