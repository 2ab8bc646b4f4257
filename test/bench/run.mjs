// The side-by-side benchmark (`npm run bench`): plain node, ts-otel-run (the launcher and the
// `--import` preload) and the official OpenTelemetry Node distribution
// (`--require @opentelemetry/auto-instrumentations-node/register`, installed on demand into the
// ignored folder test/bench/.official, never a project dependency), measured in one run with the
// subjects alternating, round by round, in a rotating order:
//
//   1. startup    wall time and peak RSS of a trivial program
//   2. exit       how much later a program that served 5 requests ends when no collector listens
//   3. http       hello-world HTTP: throughput under a closed-loop load generator (wrk when it is
//                 on PATH, else test/bench/lib/load.mjs) and latency at a fixed request rate
//                 (test/bench/lib/openloop.mjs: requests sent on a fixed schedule)
//   4. express-pg an Express route running one PostgreSQL query per request, the same way
//   5. encode     OTLP trace encoding, spans per second in batches of 512, against the official
//                 serializer (test/bench/encode.mjs)
//   6. install    production install of the packed project: packages and bytes
//
// Every instrumented subject gets the same environment: full sampling, all three signals exported
// as OTLP http/protobuf to a local sink (test/bench/lib/sink.mjs) that answers at once; for the
// exit benchmark the endpoint is a closed port instead. OTEL_*, TS_OTEL_RUN_*, NODE_OPTIONS and
// NODE_EXTRA_CA_CERTS are removed from the inherited environment; programs run from an empty
// temporary folder (no config file).
//
// Prints markdown tables and the targets, and writes medians, every run and the ratios to
// test/bench/results/bench.json (and the tables to bench.md). Reports, never asserts: the exit
// status is 0 whatever the numbers (2 for bad arguments).
//
//   npm run bench -- [--quick] [--only startup,exit,http,express-pg,encode,install] [--no-official]
//     --quick        a smoke run: a few short rounds, to show every benchmark works (numbers noisy)
//     --only LIST    run only these benchmarks
//     --no-official  leave the official distribution out (no install)
//     --pin          the server on CPU 0, this process (the sink) and the load generators on CPU 1
//     --rounds N     rounds for the HTTP benchmarks (default 3), --seconds S per measurement (5)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, lstatSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { createRequire } from 'node:module';
import { cpus, tmpdir, totalmem, release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSink } from './lib/sink.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const OFFICIAL_DIR = join(HERE, '.official');
const RESULTS = join(HERE, 'results');
const NODE = process.execPath;
const ALL = ['startup', 'exit', 'http', 'express-pg', 'encode', 'install'];

// ------------------------------------------------------------------------------------------------
// Arguments

function usage(message) {
  process.stderr.write(`bench: ${message}\nusage: npm run bench -- [--quick] [--only ${ALL.join(',')}] [--no-official] [--pin] [--rounds N] [--seconds S]\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = { quick: false, only: ALL, official: true, pin: false, rounds: undefined, seconds: undefined };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].includes('=') ? argv[i].split(/=(.*)/s, 2) : [argv[i], undefined];
    const value = () => inline ?? argv[++i] ?? usage(`${name} needs a value`);
    const positive = (v) => (Number(v) > 0 ? Number(v) : usage(`${name} must be a positive number, not ${JSON.stringify(v)}`));
    if (name === '--quick') o.quick = true;
    else if (name === '--no-official') o.official = false;
    else if (name === '--pin') o.pin = true;
    else if (name === '--only') {
      o.only = value().split(',').map((s) => s.trim()).filter(Boolean);
      for (const s of o.only) if (!ALL.includes(s)) usage(`--only: unknown benchmark ${JSON.stringify(s)} (one of ${ALL.join(', ')})`);
    } else if (name === '--rounds') o.rounds = Math.round(positive(value()));
    else if (name === '--seconds') o.seconds = positive(value());
    else usage(`unknown argument ${JSON.stringify(argv[i])}`);
  }
  o.rounds ??= o.quick ? 1 : 3;
  o.seconds ??= o.quick ? 1 : 5;
  o.startupRuns = o.quick ? 3 : 15;
  o.exitRuns = o.quick ? 2 : 7;
  return o;
}

const opts = parseArgs(process.argv.slice(2));

// ------------------------------------------------------------------------------------------------
// Helpers

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x, digits = 2) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : null);
const log = (line) => process.stderr.write(`${line}\n`);
/** Subjects in a rotating order: round r starts with subject r mod n. */
const rotated = (list, r) => list.map((_, i) => list[(i + r) % list.length]);

function baseEnv() {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (k.startsWith('OTEL_') || k.startsWith('TS_OTEL_RUN_') || k === 'NODE_OPTIONS' || k === 'NODE_EXTRA_CA_CERTS') delete env[k];
  }
  return env;
}

function telemetryEnv(endpoint) {
  return {
    ...baseEnv(),
    OTEL_SERVICE_NAME: 'bench',
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_METRICS_EXPORTER: 'otlp',
    OTEL_LOGS_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_TRACES_SAMPLER: 'always_on',
  };
}

const CWD = mkdtempSync(join(tmpdir(), 'ts-otel-run-bench-'));
writeFileSync(join(CWD, 'package.json'), '{"name":"bench-cwd","private":true}\n');

function portOpen(port) {
  return new Promise((res) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => {
      s.destroy();
      res(true);
    });
    s.on('error', () => res(false));
    s.setTimeout(1000, () => {
      s.destroy();
      res(false);
    });
  });
}

function hasCommand(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

// ------------------------------------------------------------------------------------------------
// The official distribution, installed on demand

function ensureOfficial() {
  const pkg = join(OFFICIAL_DIR, 'node_modules/@opentelemetry/auto-instrumentations-node/package.json');
  if (!existsSync(pkg)) {
    log('installing @opentelemetry/auto-instrumentations-node into test/bench/.official (once) …');
    mkdirSync(OFFICIAL_DIR, { recursive: true });
    writeFileSync(join(OFFICIAL_DIR, 'package.json'), '{"name":"official-distribution-for-bench","private":true}\n');
    const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '@opentelemetry/auto-instrumentations-node', '@opentelemetry/api'], {
      cwd: OFFICIAL_DIR,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (r.status !== 0 || !existsSync(pkg)) return { error: `npm install failed (exit ${r.status})` };
  }
  const req = createRequire(join(OFFICIAL_DIR, 'package.json'));
  return {
    register: req.resolve('@opentelemetry/auto-instrumentations-node/register'),
    version: JSON.parse(readFileSync(pkg, 'utf8')).version,
    sdkVersion: JSON.parse(readFileSync(req.resolve('@opentelemetry/sdk-node/package.json'), 'utf8')).version,
  };
}

// ------------------------------------------------------------------------------------------------
// Subjects

const official = opts.official ? ensureOfficial() : { error: 'left out (--no-official)' };
if (official.error) log(`official distribution: ${official.error}; its columns are empty`);

const SUBJECTS = [
  { id: 'plain', label: 'plain node', argv: (app) => [app] },
  { id: 'launcher', label: 'ts-otel-run node …', argv: (app) => [join(ROOT, 'bin/ts-otel-run.js'), NODE, app] },
  { id: 'import', label: 'node --import ts-otel-run/register', argv: (app) => ['--import', join(ROOT, 'dist/bundle/register/register.mjs'), app] },
  ...(official.register
    ? [{ id: 'official', label: 'node --require @opentelemetry/auto-instrumentations-node/register', argv: (app) => ['--require', official.register, app] }]
    : []),
];

/** Runs a program to its end; resolves with wall time (ms), exit code and stdout. */
function runToEnd(subject, app, args, env) {
  return new Promise((res, rej) => {
    const start = process.hrtime.bigint();
    const child = spawn(NODE, [...subject.argv(app), ...args], { env, cwd: CWD, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', rej);
    child.on('close', (code) => res({ ms: Number(process.hrtime.bigint() - start) / 1e6, code, out, err }));
  });
}

/**
 * With --pin (on a machine of two or more CPUs, with taskset), a server under test gets CPU 0, and
 * this process (the sink the subjects export to) with the load generators it starts shares CPU 1:
 * the sink's work, which only instrumented subjects cause, then never comes out of the server's
 * CPU time. But V8's background threads (concurrent GC, compilers) then share the server's one CPU
 * too, which is not how a server usually runs; so it is not the default.
 */
const PIN = opts.pin && cpus().length >= 2 && hasCommand('taskset');
if (opts.pin && !PIN) log('--pin: needs two CPUs and taskset; not pinned');
if (PIN) spawnSync('taskset', ['-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });

/** Starts a server program that prints its port; resolves once it listens. */
function startServer(subject, app, env) {
  return new Promise((res, rej) => {
    const [command, args] = PIN ? ['taskset', ['-c', '0', NODE, ...subject.argv(app)]] : [NODE, subject.argv(app)];
    const child = spawn(command, args, { env, cwd: CWD, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.once('data', (d) => res({ child, port: Number(String(d).trim()) }));
    child.on('error', rej);
    child.on('exit', (code) => rej(new Error(`${subject.label} ${app} exited (${code}) before listening: ${err.slice(0, 500)}`)));
  });
}

async function stopServer(child) {
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Runs a command to its end without blocking this process's event loop; resolves with its stdout. */
function runOutput(command, args) {
  return new Promise((res, rej) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout }));
  });
}

/** Runs a node script to its end; resolves with the JSON of the last line it printed. */
async function runJson(args) {
  const { stdout } = await runOutput(NODE, args);
  try {
    return JSON.parse(stdout.trim().split('\n').at(-1));
  } catch {
    throw new Error(`no JSON from ${args.join(' ')}: ${stdout.slice(0, 300)}`);
  }
}

// ------------------------------------------------------------------------------------------------
// Load generators

const WRK = hasCommand('wrk');
const CONCURRENCY = 32;

function parseWrkMs(s) {
  const m = /^([\d.]+)(us|ms|s)$/.exec(s);
  if (!m) return NaN;
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]];
}

/** Closed loop at saturation: requests per second and latency percentiles (ms). */
async function saturate(port, path, seconds) {
  if (!WRK) return runJson([join(HERE, 'lib/load.mjs'), String(port), String(seconds), String(CONCURRENCY), path]);
  // Not spawnSync: the sink answering the subjects' exports runs in this process's event loop.
  const r = await runOutput('wrk', ['-t1', `-c${CONCURRENCY}`, `-d${Math.max(1, Math.round(seconds))}s`, '--latency', `http://127.0.0.1:${port}${path}`]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1]);
  const pct = (p) => parseWrkMs(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(r.stdout)?.[1] ?? '');
  const errors = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(r.stdout)?.[1] ?? 0) + Number(/Socket errors:.*?timeout (\d+)/.exec(r.stdout)?.[1] ?? 0);
  const requests = Number(/(\d+) requests in/.exec(r.stdout)?.[1]);
  return { requests, rps, p50: pct(50), p99: pct(99), errors };
}

/** Open loop at a fixed rate: latency percentiles (ms), each from when its request was sent. */
function fixedRate(port, path, rate, seconds) {
  return runJson([join(HERE, 'lib/openloop.mjs'), String(port), String(rate), String(seconds), path]);
}

// ------------------------------------------------------------------------------------------------
// The benchmarks

const results = {};
const tables = [];

async function benchStartup() {
  const sink = await startSink();
  const env = telemetryEnv(sink.endpoint);
  const app = join(HERE, 'fixtures/trivial.cjs');
  const runs = Object.fromEntries(SUBJECTS.map((s) => [s.id, []]));
  for (let r = 0; r < opts.startupRuns + 2; r++) {
    for (const s of rotated(SUBJECTS, r)) {
      const x = await runToEnd(s, app, [], env);
      const line = x.out.trim().split('\n').at(-1);
      let peak = NaN;
      try {
        peak = JSON.parse(line).maxRSSKiB / 1024;
      } catch {
        log(`startup: ${s.label} printed no result (exit ${x.code}): ${x.err.slice(0, 300)}`);
      }
      if (r >= 2) runs[s.id].push({ ms: x.ms, peakMiB: peak });
    }
  }
  await sink.close();
  const row = (id) => ({ ms: median(runs[id].map((x) => x.ms)), peakMiB: median(runs[id].map((x) => x.peakMiB)) });
  const base = row('plain');
  const out = {};
  for (const s of SUBJECTS) {
    const m = row(s.id);
    out[s.id] = { label: s.label, wallMs: round(m.ms, 1), peakMiB: round(m.peakMiB, 1), addedMs: round(m.ms - base.ms, 1), addedMiB: round(m.peakMiB - base.peakMiB, 1), runs: runs[s.id] };
  }
  results.startup = { runs: opts.startupRuns, subjects: out };
  tables.push(
    [
      `### Start-up of a trivial program (${opts.startupRuns} runs each, medians)`,
      '',
      '| subject | wall ms | added | peak RSS MiB | added |',
      '|---|---:|---:|---:|---:|',
      ...SUBJECTS.map((s) => {
        const o = out[s.id];
        return `| ${s.label} | ${o.wallMs} | ${s.id === 'plain' ? '—' : `+${o.addedMs} ms`} | ${o.peakMiB} | ${s.id === 'plain' ? '—' : `+${o.addedMiB} MiB`} |`;
      }),
    ].join('\n'),
  );
}

async function benchExit() {
  const env = telemetryEnv('http://127.0.0.1:9'); // nothing listens: connections are refused
  const app = join(ROOT, 'fixtures/apps/serve-and-exit.cjs');
  const out = {};
  for (const how of ['natural', 'exit']) {
    const runs = Object.fromEntries(SUBJECTS.map((s) => [s.id, []]));
    for (let r = 0; r < opts.exitRuns + 1; r++) {
      for (const s of rotated(SUBJECTS, r)) {
        const x = await runToEnd(s, app, ['5', how], env);
        if (x.code !== 0) log(`exit: ${s.label} ${how} exited ${x.code}: ${x.err.slice(0, 300)}`);
        if (r >= 1) runs[s.id].push(x.ms);
      }
    }
    const base = median(runs.plain);
    for (const s of SUBJECTS) {
      out[s.id] ??= { label: s.label };
      out[s.id][how] = { wallMs: round(median(runs[s.id]), 1), addedMs: round(median(runs[s.id]) - base, 1), runs: runs[s.id] };
    }
  }
  results.exit = { runs: opts.exitRuns, endpoint: 'http://127.0.0.1:9 (refused)', subjects: out };
  tables.push(
    [
      `### Exit with no collector listening (a program serves 5 requests, then ends; ${opts.exitRuns} runs each, medians)`,
      '',
      '| subject | natural end ms | added | process.exit() ms | added |',
      '|---|---:|---:|---:|---:|',
      ...SUBJECTS.map((s) => {
        const o = out[s.id];
        const add = (x) => (s.id === 'plain' ? '—' : `${x.addedMs >= 0 ? '+' : ''}${x.addedMs} ms`);
        return `| ${s.label} | ${o.natural.wallMs} | ${add(o.natural)} | ${o.exit.wallMs} | ${add(o.exit)} |`;
      }),
    ].join('\n'),
  );
}

async function benchServer(name, title, app, path, rate) {
  const sink = await startSink();
  const env = telemetryEnv(sink.endpoint);
  const runs = Object.fromEntries(SUBJECTS.map((s) => [s.id, []]));
  for (let r = 0; r < opts.rounds; r++) {
    for (const s of rotated(SUBJECTS, r)) {
      const { child, port } = await startServer(s, app, env);
      await saturate(port, path, Math.min(2, opts.seconds)); // warm-up, not counted
      sink.take();
      // This process's CPU time while measuring is nearly all the sink's: what receiving this
      // subject's telemetry took from the machine the server shares with it.
      const cpuBefore = process.cpuUsage();
      const wallBefore = performance.now();
      const sat = await saturate(port, path, opts.seconds);
      const fixed = await fixedRate(port, path, rate, opts.seconds);
      const cpu = process.cpuUsage(cpuBefore);
      const sinkCpu = (cpu.user + cpu.system) / 1000 / (performance.now() - wallBefore);
      await stopServer(child);
      const sent = sink.take();
      // Spans the sink received per request served while measuring (and at the server's exit):
      // what an instrumented server delivers, or drops, under this load.
      const served = sat.requests + fixed.count;
      const spansPerRequest = sent['/v1/traces']?.spans !== undefined ? sent['/v1/traces'].spans / served : 0;
      runs[s.id].push({ ...sat, fixed, exported: sent, served, spansPerRequest, sinkCpu });
      log(`${name}: round ${r + 1} ${s.label}: ${Math.round(sat.rps)} req/s, p99 at ${rate}/s ${fixed.p99.toFixed(2)} ms`);
    }
  }
  await sink.close();
  const base = { rps: median(runs.plain.map((x) => x.rps)), p99: median(runs.plain.map((x) => x.fixed.p99)) };
  const out = {};
  for (const s of SUBJECTS) {
    const rs = runs[s.id];
    const rps = median(rs.map((x) => x.rps));
    const p99 = median(rs.map((x) => x.fixed.p99));
    out[s.id] = {
      label: s.label,
      rps: round(rps, 0),
      throughputRatio: round(rps / base.rps, 3),
      saturatedP50Ms: round(median(rs.map((x) => x.p50))),
      saturatedP99Ms: round(median(rs.map((x) => x.p99))),
      fixedRateP50Ms: round(median(rs.map((x) => x.fixed.p50))),
      fixedRateP99Ms: round(p99),
      fixedRateP99AddedMs: round(p99 - base.p99),
      spansPerRequest: round(median(rs.map((x) => x.spansPerRequest)), 3),
      sinkCpuShare: round(median(rs.map((x) => x.sinkCpu)), 3),
      runs: rs,
    };
  }
  results[name] = { rounds: opts.rounds, seconds: opts.seconds, concurrency: CONCURRENCY, pinned: PIN, loadGenerator: WRK ? 'wrk -t1' : 'test/bench/lib/load.mjs', fixedRate: rate, subjects: out };

  tables.push(
    [
      `### ${title}`,
      '',
      `${PIN ? 'The server on CPU 0 alone; load generator and sink on CPU 1. ' : ''}Saturation: ${WRK ? 'wrk, 1 thread' : 'test/bench/lib/load.mjs'}, ${CONCURRENCY} connections, ${opts.seconds} s. Fixed rate: ${rate} requests/s, open loop (test/bench/lib/openloop.mjs), ${opts.seconds} s. ${opts.rounds} round(s), medians.`,
      '',
      '| subject | req/s | vs plain | p50 / p99 ms at saturation | p50 / p99 ms at fixed rate | p99 added | spans delivered per request |',
      '|---|---:|---:|---:|---:|---:|---:|',
      ...SUBJECTS.map((s) => {
        const o = out[s.id];
        const added = s.id === 'plain' ? '—' : `${o.fixedRateP99AddedMs >= 0 ? '+' : ''}${o.fixedRateP99AddedMs} ms`;
        return `| ${s.label} | ${o.rps} | ${(o.throughputRatio * 100).toFixed(1)}% | ${o.saturatedP50Ms} / ${o.saturatedP99Ms} | ${o.fixedRateP50Ms} / ${o.fixedRateP99Ms} | ${added} | ${s.id === 'plain' ? '—' : o.spansPerRequest} |`;
      }),
      '',
      `The sink, on the same machine, used this share of a CPU while each subject was measured: ${SUBJECTS.map((s) => `${s.label} ${Math.round(out[s.id].sinkCpuShare * 100)}%`).join(', ')}.`,
    ].join('\n'),
  );
}

async function benchEncode() {
  const args = [join(HERE, 'encode.mjs'), '--json', ...(opts.quick ? ['--rounds', '1', '--ms', '100'] : [])];
  const r = await runJson(args);
  results.encode = r;
  tables.push(
    [
      `### OTLP trace encoding (batches of ${r.batch} HTTP server spans, ${r.rounds} rounds, medians)`,
      '',
      '| encoding | ts-otel-run spans/s | official serializer spans/s | ratio |',
      '|---|---:|---:|---:|',
      ...r.results.map((x) => `| ${x.label} | ${Math.round(x.ours).toLocaleString('en-US')} | ${Math.round(x.official).toLocaleString('en-US')} | ${x.ratio.toFixed(2)}× |`),
    ].join('\n'),
  );
}

/** Packages and bytes (apparent size of every file) under a node_modules folder. */
function measureInstall(dir) {
  const ls = spawnSync('npm', ['ls', '--all', '--parseable', '--omit=dev'], { cwd: dir, encoding: 'utf8' });
  const packages = new Set(ls.stdout.split('\n').filter((l) => l.includes('node_modules'))).size;
  let bytes = 0;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else bytes += lstatSync(p).size;
    }
  };
  walk(join(dir, 'node_modules'));
  return { packages, bytes };
}

async function benchInstall() {
  const tmp = mkdtempSync(join(tmpdir(), 'ts-otel-run-pack-'));
  try {
    const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: ROOT, encoding: 'utf8' });
    if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr.slice(0, 500)}`);
    const info = JSON.parse(pack.stdout)[0];
    const dir = join(tmp, 'app');
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), '{"name":"install-size","private":true}\n');
    const inst = spawnSync('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error', join(tmp, info.filename)], { cwd: dir, encoding: 'utf8' });
    if (inst.status !== 0) throw new Error(`npm install of the packed project failed: ${inst.stderr.slice(0, 500)}`);
    const ours = { ...measureInstall(dir), tarballBytes: info.size };
    const off = official.register ? measureInstall(OFFICIAL_DIR) : null;
    results.install = { ours, official: off };
    const mb = (b) => (b / 1e6).toFixed(1);
    tables.push(
      [
        '### Production install (npm install --omit=dev of the packed project)',
        '',
        '| subject | packages | bytes on disk (MB, apparent size) |',
        '|---|---:|---:|',
        `| ts-otel-run | ${ours.packages} | ${mb(ours.bytes)} |`,
        ...(off ? [`| @opentelemetry/auto-instrumentations-node ${official.version} (+ @opentelemetry/api) | ${off.packages} | ${mb(off.bytes)} |`] : []),
      ].join('\n'),
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------------------------------
// Targets: the issue's budgets, judged on the --import form (the preload every form runs)

function targets() {
  const t = [];
  const add = (name, target, value, pass) => t.push({ name, target, value, pass: value == null || Number.isNaN(value) ? null : pass });
  const st = results.startup?.subjects.import;
  if (st) {
    add('start-up time added', '≤ +20 ms', st.addedMs, st.addedMs <= 20);
    add('start-up peak memory added', '≤ +10 MiB', st.addedMiB, st.addedMiB <= 10);
  }
  const ex = results.exit?.subjects.import;
  if (ex) add('exit delay, no collector (natural end)', '≤ +1000 ms', ex.natural.addedMs, ex.natural.addedMs <= 1000);
  const h = results.http?.subjects.import;
  if (h) {
    add('hello-world throughput', '≥ 75% of plain', round(h.throughputRatio * 100, 1), h.throughputRatio >= 0.75);
    add('hello-world p99 added (fixed rate)', '≤ +0.5 ms', h.fixedRateP99AddedMs, h.fixedRateP99AddedMs <= 0.5);
  }
  const e = results['express-pg']?.subjects?.import;
  if (e) add('Express + PostgreSQL throughput', '≥ 90% of plain', round(e.throughputRatio * 100, 1), e.throughputRatio >= 0.9);
  const pb = results.encode?.results.find((x) => x.label === 'protobuf');
  if (pb) add('OTLP protobuf encoding vs official', '≥ 2×', round(pb.ratio), pb.ratio >= 2);
  const i = results.install?.ours;
  if (i) {
    add('install size', '≤ 25 MB', round(i.bytes / 1e6, 1), i.bytes <= 25e6);
    add('install packages', '≤ 60', i.packages, i.packages <= 60);
  }
  return t;
}

// ------------------------------------------------------------------------------------------------

const started = new Date();
for (const name of opts.only) {
  log(`— ${name}`);
  try {
    if (name === 'startup') await benchStartup();
    else if (name === 'exit') await benchExit();
    else if (name === 'http') await benchServer('http', 'Hello-world HTTP server', join(ROOT, 'fixtures/apps/hello-server.cjs'), '/', opts.quick ? 500 : 2000);
    else if (name === 'express-pg') {
      if (!(await portOpen(Number(process.env.PGPORT ?? 5432)))) {
        results['express-pg'] = { skipped: 'PostgreSQL is not reachable on 127.0.0.1:5432' };
        tables.push('### Express + PostgreSQL\n\nSkipped: PostgreSQL is not reachable on 127.0.0.1:5432.');
      } else await benchServer('express-pg', 'Express + PostgreSQL endpoint (one query per request)', join(HERE, 'fixtures/express-pg.cjs'), '/users/42', opts.quick ? 200 : 1000);
    } else if (name === 'encode') await benchEncode();
    else if (name === 'install') await benchInstall();
  } catch (err) {
    results[name] = { error: String(err?.stack ?? err) };
    tables.push(`### ${name}\n\nFailed: ${String(err?.message ?? err)}`);
    log(`${name} failed: ${err?.stack ?? err}`);
    process.exitCode = 1;
  }
}
rmSync(CWD, { recursive: true, force: true });

const verdicts = targets();
const cpu = cpus()[0]?.model ?? 'unknown CPU';
const machine = `${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}, Node ${process.version}`;
const header = [
  `Measured ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machine}; \`npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\`.`,
  `Official distribution: ${official.register ? `@opentelemetry/auto-instrumentations-node ${official.version} (sdk-node ${official.sdkVersion})` : official.error}.`,
].join('\n');
const targetTable = [
  '### Targets (the `--import` form; the launcher runs the same preload)',
  '',
  '| measure | target | measured | |',
  '|---|---|---:|---|',
  ...verdicts.map((v) => `| ${v.name} | ${v.target} | ${v.value ?? 'n/a'} | ${v.pass == null ? '—' : v.pass ? 'met' : '**missed**'} |`),
].join('\n');
const markdown = [header, ...tables, targetTable].join('\n\n');
console.log(markdown);
mkdirSync(RESULTS, { recursive: true });
writeFileSync(join(RESULTS, 'bench.md'), `${markdown}\n`);
writeFileSync(
  join(RESULTS, 'bench.json'),
  `${JSON.stringify({ date: started.toISOString(), machine, node: process.version, args: process.argv.slice(2), official: official.register ? { version: official.version, sdkVersion: official.sdkVersion } : null, results, targets: verdicts }, null, 2)}\n`,
);
log(`wrote ${join(RESULTS, 'bench.json')} and bench.md`);
