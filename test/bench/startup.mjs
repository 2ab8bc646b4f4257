// Start-up benchmark: what ts-otel-run adds to starting a trivial Node.js program.
//
// Measures, side by side and interleaved run by run (A B C D A B C D ...), after 2 uncounted
// warm-up rounds:
//   A. node <trivial>                                     plain node
//   B. node --import dist/bundle/register/register.mjs <trivial>   the preload, ESM entry
//   C. node --require dist/bundle/register/register.js <trivial>   the preload, CommonJS entry
//   D. node bin/ts-otel-run.js node <trivial>             the launcher (execve where Node has
//                                                          process.execve, otherwise it spawns)
// For each: wall time from spawn to exit as seen by this script (for D that is the launcher's
// wall time, which is what a user waits for), and the peak RSS the trivial program reports for
// itself at exit (process.resourceUsage().maxRSS; for D in spawn mode that is the program's
// process, not the launcher's; in execve mode maxRSS survives the exec, so it also covers the
// launcher's own peak, and the program image's own peak, Linux VmHWM, is given beside it).
//
// Every run: NODE_OPTIONS, NODE_EXTRA_CA_CERTS, OTEL_* and TS_OTEL_RUN_* removed from the
// environment, then OTEL_{TRACES,METRICS,LOGS}_EXPORTER=none; working directory: a temporary
// folder holding only a package.json without a "ts-otel-run" key (no config file). D names the
// node binary by its absolute path, so the launcher and the program run the same node.
//
// Prints a markdown table and a verdict against the budgets (reported, never asserted: the exit
// status is 0 whatever the numbers), and writes the same data to test/bench/results/startup.json.
// Needs a built dist/ (npm run build).
//
// Usage: node test/bench/startup.mjs [--runs N] [--node PATH]
//   --runs N     counted runs per subject (default 15)
//   --node PATH  the node binary every subject (and the launcher) runs with (default: this one)

import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const TRIVIAL = join(HERE, 'fixtures/trivial.cjs');
const REGISTER_MJS = join(ROOT, 'dist/bundle/register/register.mjs');
const REGISTER_CJS = join(ROOT, 'dist/bundle/register/register.js');
const LAUNCHER = join(ROOT, 'bin/ts-otel-run.js');
const RESULTS = join(HERE, 'results/startup.json');

// Host settings that change how node itself starts. NODE_EXTRA_CA_CERTS: Node 20 reads and parses
// the whole bundle at every start-up (Node 22 and later only when TLS needs it), which can add tens
// of milliseconds to each process and so counts twice for the launcher in spawn mode.
const DROPPED_ENV = ['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS'];

const DEFAULT_RUNS = 15;
const WARMUP_ROUNDS = 2;
const BUDGET = { preloadMs: 20, preloadMiB: 10, launcherExecveMs: 30, launcherSpawnMs: 60 };

function usage(message) {
  process.stderr.write(`startup.mjs: ${message}\nusage: node test/bench/startup.mjs [--runs N] [--node PATH]\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { runs: DEFAULT_RUNS, node: process.execPath };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [name, inline] = arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => inline ?? argv[++i] ?? usage(`${name} needs a value`);
    if (name === '--runs') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1) usage('--runs must be a positive integer');
      opts.runs = n;
    } else if (name === '--node') {
      opts.node = resolve(value());
      if (!existsSync(opts.node)) usage(`--node: no such file: ${opts.node}`);
    } else {
      usage(`unknown argument: ${arg}`);
    }
  }
  return opts;
}

/** The inherited environment minus anything that would change what is measured. */
function benchEnv() {
  const env = { ...process.env };
  for (const key of DROPPED_ENV) delete env[key];
  for (const key of Object.keys(env)) {
    if (key.startsWith('OTEL_') || key.startsWith('TS_OTEL_RUN_')) delete env[key];
  }
  return { ...env, OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' };
}

/**
 * A working directory holding only a package.json without a "ts-otel-run" key, so the preload's
 * config-file search stops at once and finds nothing, as for a typical app without a config file.
 */
function makeWorkDir() {
  const dir = mkdtempSync(join(tmpdir(), 'ts-otel-run-bench-'));
  writeFileSync(join(dir, 'package.json'), '{"name":"startup-bench-app","private":true}\n');
  return dir;
}

function subjects(node) {
  return [
    { id: 'A', label: 'plain node', argv: [node, TRIVIAL] },
    { id: 'B', label: 'node --import register.mjs', argv: [node, '--import', REGISTER_MJS, TRIVIAL] },
    { id: 'C', label: 'node --require register.js', argv: [node, '--require', REGISTER_CJS, TRIVIAL] },
    { id: 'D', label: 'ts-otel-run node', argv: [node, LAUNCHER, node, TRIVIAL] },
  ];
}

/** One run: wall time from spawn to 'exit', and the JSON line the trivial program printed. */
function runOnce(argv, env, cwd) {
  return new Promise((resolvePromise, reject) => {
    let out = '';
    let err = '';
    let wallNs;
    const start = process.hrtime.bigint();
    const child = spawn(argv[0], argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', () => {
      wallNs = process.hrtime.bigint() - start;
    });
    child.on('close', (code, signal) => {
      const line = out.trim().split('\n').pop();
      let report;
      try {
        report = JSON.parse(line);
      } catch {
        report = undefined;
      }
      if (code !== 0 || !report || typeof report.maxRSSKiB !== 'number') {
        const why = signal ? `signal ${signal}` : `exit ${code}`;
        reject(new Error(`${argv.join(' ')}: ${why}, no report\nstdout: ${out}\nstderr: ${err}`));
        return;
      }
      const imageMiB = typeof report.vmHWMKiB === 'number' ? report.vmHWMKiB / 1024 : null;
      const wallMs = Number(wallNs) / 1e6;
      resolvePromise({ wallMs, rssMiB: report.maxRSSKiB / 1024, imageMiB, report, pid: child.pid, stderr: err });
    });
  });
}

/** Runs every subject once per round, in order, so that drift hits all of them alike. */
async function runRounds(list, rounds, env, cwd, onRun) {
  for (let round = 0; round < rounds; round++) {
    for (const subject of list) onRun(subject, await runOnce(subject.argv, env, cwd));
  }
}

function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length)); // nearest rank
  return sorted[rank - 1];
}

const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

function summarize(list, samples) {
  const base = samples.get('A');
  const baseWall = median(base.map((r) => r.wallMs));
  const baseRss = median(base.map((r) => r.rssMiB));
  return list.map((s) => {
    const wall = samples.get(s.id).map((r) => r.wallMs);
    const rss = samples.get(s.id).map((r) => r.rssMiB);
    const image = samples.get(s.id).map((r) => r.imageMiB).filter((x) => x !== null);
    const stats = {
      id: s.id,
      label: s.label,
      argv: s.argv,
      wallMs: { median: median(wall), p90: quantile(wall, 0.9), min: Math.min(...wall), max: Math.max(...wall) },
      peakRssMiB: { median: median(rss), min: Math.min(...rss), max: Math.max(...rss) },
      // Linux VmHWM: the peak of the program image alone (differs from maxRSS only after an execve)
      programImagePeakMiB: image.length ? { median: median(image) } : null,
      samples: { wallMs: wall.map(round2), peakRssMiB: rss.map(round2), programImagePeakMiB: image.map(round2) },
    };
    stats.delta = { wallMs: stats.wallMs.median - baseWall, peakRssMiB: stats.peakRssMiB.median - baseRss };
    return stats;
  });
}

const round2 = (x) => Math.round(x * 100) / 100;
const fmt = (x, digits = 1) => x.toFixed(digits);
const signed = (x, digits = 1) => (x >= 0 ? '+' : '') + x.toFixed(digits);

/** Asks the node under test whether it has process.execve, i.e. how the launcher starts the program. */
function launcherMode(node, env) {
  const answer = execFileSync(node, ['-p', "typeof process.execve === 'function'"], { env, encoding: 'utf8' }).trim();
  return answer === 'true' ? 'execve' : 'spawn';
}

/** What the runs show: with execve the program has the PID the launcher was started with. */
function observedLaunchMode(dRuns) {
  const same = dRuns.filter((r) => r.report.pid === r.pid).length;
  if (same === dRuns.length) return 'execve';
  if (same === 0) return 'spawn';
  return 'mixed';
}

function markdownTable(rows) {
  const lines = [
    '| subject | command | median wall ms | p90 wall ms | median peak RSS MiB | Δ wall ms (median) | Δ RSS MiB (median) |',
    '|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const delta = r.id === 'A' ? ['—', '—'] : [signed(r.delta.wallMs), signed(r.delta.peakRssMiB)];
    lines.push(
      `| ${r.id} | ${r.label} | ${fmt(r.wallMs.median)} | ${fmt(r.wallMs.p90)} | ${fmt(r.peakRssMiB.median)} | ${delta[0]} | ${delta[1]} |`,
    );
  }
  return lines.join('\n');
}

function verdict(rows, mode) {
  const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
  const checks = [];
  for (const id of ['B', 'C']) {
    const r = byId[id];
    const ok = r.delta.wallMs <= BUDGET.preloadMs && r.delta.peakRssMiB <= BUDGET.preloadMiB;
    const text = `${id} ${signed(r.delta.wallMs)} ms ${signed(r.delta.peakRssMiB)} MiB ` +
      `(≤${BUDGET.preloadMs} ms, ≤${BUDGET.preloadMiB} MiB) ${ok ? 'ok' : 'OVER'}`;
    checks.push({ subject: id, ok, text });
  }
  const limit = mode === 'execve' ? BUDGET.launcherExecveMs : BUDGET.launcherSpawnMs;
  const ok = byId.D.delta.wallMs <= limit;
  const text = `D (${mode}) ${signed(byId.D.delta.wallMs)} ms (≤${limit} ms with ${mode}) ${ok ? 'ok' : 'OVER'}`;
  checks.push({ subject: 'D', ok, text });
  return checks;
}

/** How to read D's columns, which depend on how the launcher started the program. */
function footnote(rows, observed) {
  const d = rows.find((r) => r.id === 'D');
  const b = rows.find((r) => r.id === 'B');
  let text = "D's wall time is the launcher's, from spawn to exit (what a user waits for).";
  if (observed === 'spawn') {
    return `${text} Its RSS is the program process's; the launcher is a second process whose memory is not counted.`;
  }
  text += ' With execve the launcher becomes the program, and getrusage maxRSS survives execve,';
  text += " so D's peak RSS is the larger of the launcher's peak before the exec and the program's.";
  if (d.programImagePeakMiB) {
    text += ` The program image's own peak (VmHWM) is ${fmt(d.programImagePeakMiB.median)} MiB ` +
      `(B: ${fmt(b.programImagePeakMiB.median)} MiB).`;
  }
  return text;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  for (const file of [TRIVIAL, REGISTER_MJS, REGISTER_CJS, LAUNCHER]) {
    if (!existsSync(file)) throw new Error(`missing ${file} (build first: npx tsc -p .)`);
  }
  const env = benchEnv();
  const cwd = makeWorkDir();
  try {
    const list = subjects(opts.node);
    const mode = launcherMode(opts.node, env);
    const samples = new Map(list.map((s) => [s.id, []]));
    process.stderr.write(`warming up (${WARMUP_ROUNDS} rounds), then ${opts.runs} runs per subject, interleaved...\n`);
    await runRounds(list, WARMUP_ROUNDS, env, cwd, () => {});
    await runRounds(list, opts.runs, env, cwd, (s, result) => {
      samples.get(s.id).push(result);
      if (result.stderr.trim()) process.stderr.write(`[${s.id}] stderr: ${result.stderr.trim()}\n`);
    });

    const rows = summarize(list, samples);
    const nodeVersion = samples.get('A')[0].report.node;
    const observed = observedLaunchMode(samples.get('D'));
    const checks = verdict(rows, mode);

    console.log(`## ts-otel-run start-up (${nodeVersion}, ${opts.node})\n`);
    console.log(`${opts.runs} runs per subject, interleaved A B C D, after ${WARMUP_ROUNDS} warm-up rounds; ` +
      `${cpus().length} CPUs, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}; ` +
      `removed from the environment: ${DROPPED_ENV.join(', ')}, OTEL_*, TS_OTEL_RUN_*.`);
    console.log(`Launcher mode: ${mode} (typeof process.execve === 'function' is ${mode === 'execve'}; ` +
      `observed in the runs: ${observed}).\n`);
    console.log(markdownTable(rows));
    console.log(`\n${footnote(rows, observed)}`);
    const overall = checks.every((c) => c.ok) ? 'within budget' : 'OVER budget';
    console.log(`\nVerdict vs plain node (reported, not asserted): ${overall}: ${checks.map((c) => c.text).join('; ')}`);

    const data = {
      generatedAt: new Date().toISOString(),
      node: { version: nodeVersion, path: opts.node },
      runsPerSubject: opts.runs,
      warmupRounds: WARMUP_ROUNDS,
      order: 'interleaved: A B C D per round',
      droppedEnv: [...DROPPED_ENV, 'OTEL_*', 'TS_OTEL_RUN_*'],
      host: { platform: process.platform, arch: process.arch, cpus: cpus().length, loadavg: loadavg() },
      launcherMode: { expected: mode, observed },
      budgets: BUDGET,
      subjects: rows,
      verdict: checks,
    };
    mkdirSync(dirname(RESULTS), { recursive: true });
    writeFileSync(RESULTS, `${JSON.stringify(data, null, 2)}\n`);
    console.log(`\nWrote ${RESULTS}`);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`startup.mjs: ${e instanceof Error ? e.message : e}\n`);
  process.exit(1);
});
