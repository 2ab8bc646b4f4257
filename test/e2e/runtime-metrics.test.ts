import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { app, cleanEnv, launcher } from '../helpers/run';

/**
 * The runtime metrics through the launcher: a program that ends by itself prints them, with its
 * HTTP metrics, in the console exporter's last collection on stderr.
 *
 * The event-loop delay needs two turns of the delay monitor's 10 ms timer within the program's
 * life, so the program serves enough requests to run for a while (about 100 ms); a program that
 * ends sooner gets no delay values, which is right: nothing was measured.
 */

interface ConsoleMetric {
  metric: string;
  unit: string;
  kind: string;
  data_points: { attributes: Record<string, unknown>; value?: number; count?: number }[];
  scope: { name: string };
}

describe('runtime metrics, console exporter', () => {
  it('a program that ends naturally prints nodejs.*, v8js.* and process.* metrics of scope runtime-node', async () => {
    const r = await launcher(['node', app('serve-and-exit.cjs'), '500', 'natural'], {
      env: cleanEnv({ OTEL_METRICS_EXPORTER: 'console' }),
    });
    assert.equal(r.code, 0, r.stderr);
    const metrics = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('{"metric"'))
      .map((l) => JSON.parse(l) as ConsoleMetric);
    const byName = new Map(metrics.map((m) => [m.metric, m]));
    for (const name of [
      'nodejs.eventloop.delay.p99',
      'nodejs.eventloop.utilization',
      'nodejs.eventloop.time',
      'v8js.memory.heap.used',
      'v8js.memory.heap.space.size',
      'process.cpu.time',
      'process.memory.usage',
    ]) {
      assert.ok(byName.has(name), `${name} printed; got ${[...byName.keys()].join(', ')}`);
      assert.equal(byName.get(name)!.scope.name, 'runtime-node');
    }
    const p99 = byName.get('nodejs.eventloop.delay.p99')!;
    assert.equal(p99.kind, 'gauge');
    assert.equal(p99.unit, 's');
    assert.ok(p99.data_points[0]!.value! > 0);
    const heap = byName.get('v8js.memory.heap.used')!;
    assert.equal(heap.unit, 'By');
    assert.ok(heap.data_points.some((p) => p.attributes['v8js.heap.space.name'] === 'old_space' && p.value! > 0));
    // The program's own metrics are there too.
    assert.ok(byName.has('http.server.request.duration'));
  });

  it('OTEL_NODE_DISABLED_INSTRUMENTATIONS=runtime-node leaves only the program metrics', async () => {
    const r = await launcher(['node', app('serve-and-exit.cjs'), '3', 'natural'], {
      env: cleanEnv({ OTEL_METRICS_EXPORTER: 'console', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'runtime-node' }),
    });
    assert.equal(r.code, 0, r.stderr);
    const names = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('{"metric"'))
      .map((l) => (JSON.parse(l) as ConsoleMetric).metric);
    assert.ok(names.includes('http.server.request.duration'), names.join());
    assert.deepEqual(
      names.filter((n) => /^(nodejs|v8js|process)\./.test(n)),
      [],
    );
  });
});
