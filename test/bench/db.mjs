// Database client throughput: queries per second against the local servers, plain node next to
// node with the ts-otel-run preload (full sampling, OTLP http/protobuf to a local sink), side by
// side in one run, alternating the subjects round by round. Each measurement is a fresh worker
// process (test/bench/fixtures/db-worker.cjs) running 8 concurrent loops of one simple query:
//   pg      PostgreSQL 127.0.0.1:5432, user postgres, db test: SELECT $1::int
//   mysql2  MariaDB 127.0.0.1:3306, root without password, db test: SELECT 1
//   redis   127.0.0.1:6379 (package redis): SET + GET (two queries)
// A server that cannot be reached is skipped, with the reason.
//
//   node test/bench/db.mjs [--rounds N] [--seconds S] [--concurrency C] [--only pg|mysql2|redis]
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL('../..', import.meta.url));
const option = (name) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const arg = (name, fallback) => (option(name) === undefined ? fallback : Number(option(name)));
const rounds = arg('rounds', 3);
const seconds = arg('seconds', 4);
const concurrency = arg('concurrency', 8);
const warmup = 1; // seconds, in each worker, not counted
const allClients = ['pg', 'mysql2', 'redis'];
const only = option('only');
if (only !== undefined && !allClients.includes(only)) {
  console.error(`--only must be one of ${allClients.join(', ')}`);
  process.exit(2);
}
const clients = only ? [only] : allClients;
const worker = `${root}/test/bench/fixtures/db-worker.cjs`;

// The sink keeps nothing: it only answers, and counts the spans it was sent (a check that the
// preloaded subject really traced the queries).
let spansReceived = 0;
const { startReceiver } = require(`${root}/dist/src/receiver/index.js`);
const sink = await startReceiver({
  grpcPort: false,
  onData: (signal, data) => {
    if (signal !== 'traces') return;
    for (const rs of data.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) spansReceived += ss.spans?.length ?? 0;
  },
});
sink.clear();
const clearer = setInterval(() => sink.clear(), 1000);

const env = { ...process.env };
for (const k of Object.keys(env)) if (k.startsWith('OTEL_') || k.startsWith('TS_OTEL_RUN_') || k === 'NODE_OPTIONS') delete env[k];

const subjects = {
  'plain node': { args: [], env },
  'node --import ts-otel-run/register': {
    args: ['--import', `${root}/dist/bundle/register/register.mjs`],
    env: { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoints.http, OTEL_TRACES_SAMPLER: 'always_on' },
  },
};

function run({ args, env: e }, client, secs, warm) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args, worker, client, String(secs), String(concurrency), String(warm)], {
      env: e,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const line = out.trim().split('\n').filter(Boolean).pop();
      try {
        resolve(JSON.parse(line));
      } catch {
        resolve({ error: `worker exited (${signal ?? code}) without a result${err.trim() ? `: ${err.trim().split('\n').pop()}` : ''}` });
      }
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const tables = [];
for (const client of clients) {
  // Reachability probe with plain node: a short run, nothing counted.
  const probe = await run(subjects['plain node'], client, 0.1, 0);
  if (probe.error) {
    tables.push(`### ${client}\n\nskipped: ${probe.error}`);
    console.error(`${client}: skipped (${probe.error})`);
    continue;
  }
  const results = Object.fromEntries(Object.keys(subjects).map((k) => [k, { qps: [], spans: 0, queries: 0 }]));
  let failure;
  for (let r = 0; r < rounds && !failure; r++) {
    for (const [name, subject] of Object.entries(subjects)) {
      const before = spansReceived;
      const res = await run(subject, client, seconds, warmup);
      if (res.error) {
        failure = `${name}, round ${r + 1}: ${res.error}`;
        break;
      }
      // The worker ends naturally, so the preload has exported (flushed) before it exits.
      results[name].qps.push(res.qps);
      results[name].spans += spansReceived - before;
      results[name].queries += res.queries;
      console.error(`${client} round ${r + 1} ${name}: ${Math.round(res.qps)} queries/s`);
    }
  }
  if (failure) {
    tables.push(`### ${client}\n\nskipped: ${failure}`);
    continue;
  }
  const rows = Object.entries(results).map(([name, x]) => ({ name, qps: median(x.qps), spans: x.spans, queries: x.queries }));
  const base = rows[0];
  const lines = [
    `### ${client}`,
    '',
    '| subject | queries/s (median) | ratio vs plain | spans received |',
    '|---|---:|---:|---:|',
    ...rows.map(
      (row) =>
        `| ${row.name} | ${Math.round(row.qps)} | ${((row.qps / base.qps) * 100).toFixed(1)}% | ${row.spans} |`,
    ),
  ];
  tables.push(lines.join('\n'));
}
clearInterval(clearer);
await sink.close();

console.log(tables.join('\n\n'));
console.log(`\nspans received: all rounds, warm-up included (the batch span processor may drop some under load).`);
console.log(`${rounds} rounds × ${seconds} s (after ${warmup} s warm-up), ${concurrency} concurrent loops, ${process.version}; medians.`);
