// A small closed-loop HTTP load generator, run in its own process so that it does not share a
// thread with the server it measures: `concurrency` keep-alive connections, each sending the next
// request as soon as the previous answer is read, for `seconds`. Prints JSON: requests per second
// and latency percentiles in milliseconds.
//
//   node test/bench/lib/load.mjs <port> [seconds=5] [concurrency=32] [path=/]
import http from 'node:http';

const [port, seconds = '5', concurrency = '32', path = '/'] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(concurrency) });
const latencies = [];
const end = performance.now() + Number(seconds) * 1000;
let done = 0;
let errors = 0;

function one() {
  return new Promise((resolve) => {
    const t = performance.now();
    http
      .get({ host: '127.0.0.1', port: Number(port), path, agent }, (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(performance.now() - t);
          done++;
          resolve();
        });
      })
      .on('error', () => {
        errors++;
        resolve();
      });
  });
}

async function worker() {
  while (performance.now() < end) await one();
}

const started = performance.now();
await Promise.all(Array.from({ length: Number(concurrency) }, worker));
const elapsed = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
process.stdout.write(`${JSON.stringify({ requests: done, rps: done / elapsed, p50: pct(50), p99: pct(99), errors })}\n`);
agent.destroy();
