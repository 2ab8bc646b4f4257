// Propagation benchmark: extract and inject for OTEL_PROPAGATORS=tracecontext,baggage (the
// default), with the headers a typical traced request carries, as operations per second.
//
// Cases, each on a plain header object as Node's IncomingMessage.headers is:
//   extract, no trace headers      a request from an untraced client (the most common case)
//   extract                        traceparent + tracestate (2 members) + baggage (3 entries)
//   inject                         the context that extract produced, into a fresh header object
//   extract + inject               one incoming request that makes one outgoing call
//   extract + inject, 20 baggage   the same with a 20-entry baggage (~900 bytes)
// When @opentelemetry/core is installed (it comes with the SDK dev dependencies), the same cases
// run with its W3C propagators for reference.
//
// Each case: a warm-up round, then ROUNDS timed rounds of at least ROUND_MS milliseconds each (in
// batches of 1,000 operations); the table shows the median round. The cases of both
// implementations run interleaved round by round, so a change in machine load hits them alike.
// A benchmark, not a gate: it asserts nothing and exits 0. Needs a built dist/ (npx tsc -p .).
//
// Usage: node test/bench/propagation.mjs [--rounds N] [--round-ms N]

import { createRequire } from 'node:module';
import { cpus } from 'node:os';

const require = createRequire(import.meta.url);
const propagation = require('../../dist/src/propagation/index.js');
const { ROOT_CONTEXT } = require('../../dist/src/context/context.js');

function arg(name, fallback) {
  const at = process.argv.indexOf(name);
  if (at === -1) return fallback;
  const n = Number(process.argv[at + 1]);
  if (!Number.isInteger(n) || n <= 0) {
    process.stderr.write(`propagation.mjs: ${name} needs a positive integer\n`);
    process.exit(2);
  }
  return n;
}

const ROUNDS = arg('--rounds', 7);
const ROUND_MS = arg('--round-ms', 200);
const BATCH = 1000;

const TYPICAL = {
  host: 'api.example.com',
  'user-agent': 'node',
  accept: '*/*',
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  tracestate: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
  baggage: 'userId=alice,serverNode=DF%2028,isProduction=false',
};
const UNTRACED = { host: 'api.example.com', 'user-agent': 'node', accept: '*/*' };
const BIG_BAGGAGE = {
  ...TYPICAL,
  baggage: Array.from({ length: 20 }, (_, i) => `key${i}=value%20number%20${i};prop=${i}`).join(','),
};

let sink = 0;

/** One round: batches of BATCH operations until ROUND_MS have passed; nanoseconds per operation. */
function round(fn) {
  const budget = BigInt(ROUND_MS) * 1_000_000n;
  const start = process.hrtime.bigint();
  let ops = 0;
  let elapsed = 0n;
  do {
    for (let i = 0; i < BATCH; i++) fn();
    ops += BATCH;
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < budget);
  return Number(elapsed) / ops;
}

function cases(label, propagator, root, getter, setter) {
  const extracted = propagator.extract(root, TYPICAL, getter);
  return [
    [label, 'extract, no trace headers', () => {
      sink ^= propagator.extract(root, UNTRACED, getter) === root ? 1 : 0;
    }],
    [label, 'extract', () => {
      sink ^= propagator.extract(root, TYPICAL, getter) === root ? 1 : 0;
    }],
    [label, 'inject', () => {
      const out = {};
      propagator.inject(extracted, out, setter);
      sink ^= out.traceparent.length;
    }],
    [label, 'extract + inject', () => {
      const ctx = propagator.extract(root, TYPICAL, getter);
      const out = {};
      propagator.inject(ctx, out, setter);
      sink ^= out.traceparent.length;
    }],
    [label, 'extract + inject, 20 baggage', () => {
      const ctx = propagator.extract(root, BIG_BAGGAGE, getter);
      const out = {};
      propagator.inject(ctx, out, setter);
      sink ^= out.baggage.length;
    }],
  ];
}

const all = cases(
  'ts-otel-run',
  propagation.createPropagator(['tracecontext', 'baggage']),
  ROOT_CONTEXT,
  propagation.defaultTextMapGetter,
  propagation.defaultTextMapSetter,
);

try {
  const core = require('@opentelemetry/core');
  const api = require('@opentelemetry/api');
  const reference = new core.CompositePropagator({
    propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()],
  });
  all.push(...cases('@opentelemetry/core', reference, api.ROOT_CONTEXT, api.defaultTextMapGetter, api.defaultTextMapSetter));
} catch {
  // Not installed: our numbers only.
}

// Check once that every case does what it says, so the numbers measure real work.
{
  const ctx = propagation.createPropagator(['tracecontext', 'baggage']).extract(ROOT_CONTEXT, BIG_BAGGAGE, propagation.defaultTextMapGetter);
  const n = propagation.getBaggage(ctx)?.getAllEntries().length;
  if (n !== 20) throw new Error(`expected 20 baggage entries, got ${n}`);
}

for (const [, , fn] of all) round(fn); // warm-up
const samples = all.map(() => []);
for (let r = 0; r < ROUNDS; r++) all.forEach(([, , fn], i) => samples[i].push(round(fn)));
const rows = all.map(([impl, name], i) => {
  const sorted = samples[i].sort((a, b) => a - b);
  const ns = sorted[Math.floor(sorted.length / 2)];
  return { impl, name, ns, ops: 1e9 / ns };
});

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const header = ['implementation', 'case', 'ops/sec', 'ns/op'];
const body = rows.map((r) => [r.impl, r.name, fmt(r.ops), r.ns.toFixed(0)]);
const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
const line = (cells) => `| ${cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;

console.log(`propagation benchmark: tracecontext,baggage; median of ${ROUNDS} rounds of ${ROUND_MS} ms`);
console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown cpu'}`);
console.log('');
console.log(line(header));
console.log(`|${widths.map((w, i) => (i >= 2 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`);
for (const b of body) console.log(line(b));
if (sink === 0.5) console.log(sink); // keeps the results observable
