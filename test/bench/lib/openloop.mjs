// An open-loop HTTP load generator for latency: sends requests on a fixed schedule whatever the
// server does (a slow answer cannot hold back the next request, unlike a closed loop, so a stalled
// event loop in the server shows in full: no coordinated omission), and measures each latency from
// the moment its request was sent. (From the moment it was due would add this process's own timer
// lateness, up to a millisecond, to every request of every subject alike, and bury the server's
// differences under it.) Runs in its own process. Prints JSON: the rate achieved, latency
// percentiles in milliseconds, and errors.
//
//   node test/bench/lib/openloop.mjs <port> <rate per second> [seconds=5] [path=/]
import http from 'node:http';

const [port, rateArg, seconds = '5', path = '/'] = process.argv.slice(2);
const rate = Number(rateArg);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const latencies = [];
let errors = 0;
let sent = 0;
const total = Math.round(rate * Number(seconds));
const interval = 1000 / rate;
const start = performance.now();

function send() {
  const sent = performance.now();
  http
    .get({ host: '127.0.0.1', port: Number(port), path, agent }, (res) => {
      res.resume();
      res.on('end', () => latencies.push(performance.now() - sent));
    })
    .on('error', () => errors++);
}

await new Promise((resolve) => {
  const tick = () => {
    const now = performance.now();
    while (sent < total && start + sent * interval <= now) {
      sent++;
      send();
    }
    if (sent < total) setTimeout(tick, 1);
    else resolve();
  };
  tick();
});
// Let the last answers arrive.
const deadline = performance.now() + 5000;
while (latencies.length + errors < total && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
const elapsed = (performance.now() - start) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
process.stdout.write(
  `${JSON.stringify({ count: latencies.length, rate: latencies.length / elapsed, p50: pct(50), p90: pct(90), p99: pct(99), max: latencies.at(-1) ?? 0, errors, missing: total - latencies.length - errors })}\n`,
);
agent.destroy();
