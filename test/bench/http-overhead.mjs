// Hello-world HTTP throughput and latency: plain node next to node with the ts-otel-run preload
// (full sampling, OTLP http/protobuf to a local sink), side by side in one run, alternating the
// subjects round by round. The load generator runs in a second process. `--app express` runs the
// Express hello-world (a parameterised route) instead of the bare http server.
//
//   node test/bench/http-overhead.mjs [--app http|express] [--rounds N] [--seconds S] [--concurrency C]
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL('../..', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const rounds = arg('rounds', 3);
const seconds = arg('seconds', 5);
const concurrency = arg('concurrency', 32);
const express = process.argv.includes('express');
const fixture = express ? 'express-hello.cjs' : 'hello-server.cjs';
const path = express ? '/users/42' : '/';

const { startReceiver } = require(`${root}/dist/src/receiver/index.js`);
const sink = await startReceiver({ grpcPort: false });
// The sink keeps nothing: only its answer matters here.
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

function startServer({ args, env: e }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args, `${root}/fixtures/apps/${fixture}`], { env: e, stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.once('data', (d) => resolve({ child, port: Number(String(d).trim()) }));
    child.on('error', reject);
  });
}

function load(port) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${root}/test/bench/lib/load.mjs`, String(port), String(seconds), String(concurrency), path], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', () => resolve(JSON.parse(out)));
    child.on('error', reject);
  });
}

const results = Object.fromEntries(Object.keys(subjects).map((k) => [k, []]));
for (let r = 0; r < rounds; r++) {
  for (const [name, subject] of Object.entries(subjects)) {
    const { child, port } = await startServer(subject);
    await load(port); // warm-up, not counted
    results[name].push(await load(port));
    child.kill('SIGTERM');
    await new Promise((res) => child.on('exit', res));
  }
}
clearInterval(clearer);
await sink.close();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = Object.entries(results).map(([name, rs]) => ({
  name,
  rps: median(rs.map((x) => x.rps)),
  p50: median(rs.map((x) => x.p50)),
  p99: median(rs.map((x) => x.p99)),
}));
const base = rows[0];
console.log(`| subject | req/s | p50 ms | p99 ms | throughput vs plain | p99 vs plain |`);
console.log('|---|---:|---:|---:|---:|---:|');
for (const row of rows) {
  console.log(
    `| ${row.name} | ${Math.round(row.rps)} | ${row.p50.toFixed(2)} | ${row.p99.toFixed(2)} | ${((row.rps / base.rps) * 100).toFixed(1)}% | ${row === base ? '—' : `${row.p99 - base.p99 >= 0 ? '+' : ''}${(row.p99 - base.p99).toFixed(2)} ms`} |`,
  );
}
console.log(`\n${express ? 'Express' : 'http'} hello-world; ${rounds} rounds × ${seconds} s, ${concurrency} connections, ${process.version}; medians.`);
