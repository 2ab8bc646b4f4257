// How much the preload adds to a program's exit: a program that serves 5 requests to itself and
// ends (by process.exit or naturally), plain, and with the preload exporting over OTLP to a
// collector that is up, that refuses connections, and that accepts and never answers (a black
// hole, bounded by TS_OTEL_RUN_SHUTDOWN_TIMEOUT, default 3000 ms). Medians of alternating runs.
//
//   node test/bench/exit-delay.mjs [--runs N]
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL('../..', import.meta.url));
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5;

const { startReceiver } = require(`${root}/dist/src/receiver/index.js`);
const collector = await startReceiver({ grpcPort: false });
const hole = createServer(() => {});
await new Promise((r) => hole.listen(0, '127.0.0.1', r));
const holePort = hole.address().port;

const env = { ...process.env };
for (const k of Object.keys(env)) if (k.startsWith('OTEL_') || k.startsWith('TS_OTEL_RUN_') || k === 'NODE_OPTIONS') delete env[k];
const preload = ['--import', `${root}/dist/bundle/register/register.mjs`];
const otlp = (endpoint) => ({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' });

const subjects = {
  'plain node': { args: [], env },
  'collector up': { args: preload, env: otlp(collector.endpoints.http) },
  'collector refuses': { args: preload, env: otlp('http://127.0.0.1:9') },
  'black hole': { args: preload, env: otlp(`http://127.0.0.1:${holePort}`) },
};

function time(subject, how) {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, [...subject.args, `${root}/fixtures/apps/serve-and-exit.cjs`, '5', how], { env: subject.env, stdio: 'ignore' });
    child.on('exit', () => resolve(Number(process.hrtime.bigint() - start) / 1e6));
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`| subject | process.exit() ms | natural end ms | added vs plain (exit / natural) |`);
console.log('|---|---:|---:|---:|');
const results = {};
for (const how of ['exit', 'natural']) {
  for (const name of Object.keys(subjects)) results[`${name}/${how}`] = [];
  for (let r = 0; r < runs; r++) {
    for (const [name, subject] of Object.entries(subjects)) results[`${name}/${how}`].push(await time(subject, how));
  }
}
const base = { exit: median(results['plain node/exit']), natural: median(results['plain node/natural']) };
for (const name of Object.keys(subjects)) {
  const e = median(results[`${name}/exit`]);
  const n = median(results[`${name}/natural`]);
  const added = name === 'plain node' ? '—' : `+${(e - base.exit).toFixed(0)} / +${(n - base.natural).toFixed(0)} ms`;
  console.log(`| ${name} | ${e.toFixed(0)} | ${n.toFixed(0)} | ${added} |`);
}
console.log(`\n${runs} runs each, alternating; ${process.version}. Budgets: refused ≤ +1000 ms, black hole ≤ the shutdown deadline (3000 ms).`);
await collector.close();
hole.close();
