// pino logging throughput: lines per second written to /dev/null by plain node, next to node with
// the ts-otel-run preload exporting every line as a log record (OTLP http/protobuf to a local
// sink), and with the preload but no log export (OTEL_LOGS_EXPORTER=none: trace ids only), side by
// side in one run, alternating the subjects round by round. Each measurement is a fresh worker
// process (test/bench/fixtures/pino-worker.cjs).
//
//   node test/bench/logs.mjs [--rounds N] [--seconds S]
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL('../..', import.meta.url));
const option = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const rounds = option('rounds', 3);
const seconds = option('seconds', 3);
const warmup = 1;
const worker = `${root}/test/bench/fixtures/pino-worker.cjs`;

// The sink keeps nothing; it counts the records it was sent.
let received = 0;
const { startReceiver } = require(`${root}/dist/src/receiver/index.js`);
const sink = await startReceiver({
  grpcPort: false,
  onData: (signal, data) => {
    if (signal !== 'logs') return;
    for (const rl of data.resourceLogs ?? []) for (const sl of rl.scopeLogs ?? []) received += sl.logRecords?.length ?? 0;
  },
});
const clearer = setInterval(() => sink.clear(), 1000);

const env = { ...process.env };
for (const k of Object.keys(env)) if (k.startsWith('OTEL_') || k.startsWith('TS_OTEL_RUN_') || k === 'NODE_OPTIONS') delete env[k];
const preload = ['--import', `${root}/dist/bundle/register/register.mjs`];
const otlp = { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoints.http, OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' };
const subjects = {
  'plain node': { args: [], env },
  'preload, records exported': { args: preload, env: { ...otlp, OTEL_LOGS_EXPORTER: 'otlp' } },
  'preload, no log export': { args: preload, env: { ...otlp, OTEL_LOGS_EXPORTER: 'none' } },
};

function measure({ args, env: e }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args, worker, String(seconds), String(warmup)], { env: e, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()));
      } catch {
        reject(new Error(`worker exited ${code} without a result: ${err.trim().split('\n').pop() ?? ''}`));
      }
    });
  });
}

const results = Object.fromEntries(Object.keys(subjects).map((k) => [k, { lps: [], lines: 0, received: 0 }]));
for (let r = 0; r < rounds; r++) {
  for (const [name, subject] of Object.entries(subjects)) {
    const before = received;
    const res = await measure(subject);
    results[name].lps.push(res.lps);
    results[name].lines += res.lines;
    results[name].received += received - before;
    console.error(`round ${r + 1} ${name}: ${Math.round(res.lps)} lines/s`);
  }
}
clearInterval(clearer);
await sink.close();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(results['plain node'].lps);
console.log('| subject | lines/s (median) | ratio vs plain | records received / lines logged |');
console.log('|---|---:|---:|---:|');
for (const [name, x] of Object.entries(results)) {
  const share = name === 'plain node' ? '–' : `${x.received} / ${x.lines}`;
  console.log(`| ${name} | ${Math.round(median(x.lps))} | ${((median(x.lps) / base) * 100).toFixed(1)}% | ${share} |`);
}
console.log(`\n${rounds} rounds × ${seconds} s (after ${warmup} s warm-up), ${process.version}; medians. Records beyond the`);
console.log('batch processor queue (OTEL_BLRP_MAX_QUEUE_SIZE) are dropped and counted, as the specification says.');
