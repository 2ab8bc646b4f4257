import { strict as assert } from 'node:assert';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { app, cleanEnv, lastJson, launcher, ROOT } from '../helpers/run';
import { consoleSpans, type ConsoleSpan } from '../helpers/console-spans';

/** Spans a program makes through @opentelemetry/api join the instrumented traces. */


const spans = consoleSpans;

function checkTree(all: ConsoleSpan[], seen: Record<string, string | null>) {
  //   CLIENT GET /work ─► SERVER GET /work ─► work (manual) ─► CLIENT GET /leaf ─► SERVER GET /leaf
  const byId = new Map(all.map((s) => [s.context.span_id, s]));
  const work = all.find((s) => s.name === 'work')!;
  assert.equal(work.kind, 'INTERNAL');
  assert.deepEqual(work.scope, { name: 'manual', version: '1.0.0' });
  assert.equal(work.attributes['work.items'], 3);
  const server = byId.get(work.parent_id!)!;
  assert.equal(server.kind, 'SERVER');
  assert.equal(server.attributes['url.path'], '/work');
  const leafClient = all.find((s) => s.kind === 'CLIENT' && String(s.attributes['url.full']).endsWith('/leaf'))!;
  assert.equal(leafClient.parent_id, work.context.span_id);
  const leafServer = all.find((s) => s.kind === 'SERVER' && s.attributes['url.path'] === '/leaf')!;
  assert.equal(leafServer.parent_id, leafClient.context.span_id);
  assert.equal(new Set(all.map((s) => s.context.trace_id)).size, 1, 'one trace');
  // The active span the program saw: the instrumented server span, then its manual span.
  assert.equal(seen.activeInHandler, server.context.span_id);
  assert.equal(seen.activeInCallback, work.context.span_id);
}

describe('the @opentelemetry/api bridge', () => {
  it('manual spans (API 1.9) nest inside and around instrumented spans', async () => {
    const r = await launcher(['--traces_exporter', 'console', 'node', app('api-manual-spans.cjs')]);
    assert.equal(r.code, 0, r.stderr);
    checkTree(spans(r.stderr), lastJson(r.stdout));
  });

  it('works with the oldest API 1.x (1.0.4) too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-otel-run-api-'));
    try {
      mkdirSync(join(dir, 'node_modules', '@opentelemetry'), { recursive: true });
      cpSync(join(ROOT, 'node_modules', 'otel-api-1-0'), join(dir, 'node_modules', '@opentelemetry', 'api'), { recursive: true });
      writeFileSync(join(dir, 'package.json'), '{"name":"old-api-app"}');
      cpSync(app('api-manual-spans.cjs'), join(dir, 'app.cjs'));
      const r = await launcher(['--traces_exporter', 'console', 'node', join(dir, 'app.cjs')], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      checkTree(spans(r.stderr), lastJson(r.stdout));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a program that registers its own SDK wins, and a warning says so', async () => {
    const r = await launcher(['--traces_exporter', 'console', 'node', app('api-own-sdk.cjs')], { env: cleanEnv({ OTEL_TRACES_EXPORTER: 'console' }) });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lastJson(r.stdout), { registered: true, received: ['mine'] });
    assert.match(r.stderr, /ts-otel-run: warn: @opentelemetry\/api: the program registered its own OpenTelemetry SDK \(tracer provider\)/);
    assert.equal(spans(r.stderr).length, 0);
  });

  it('instruments made through the metrics API are exported with the rest (OTEL_METRICS_EXPORTER=console)', async () => {
    const r = await launcher(['node', app('api-metrics.cjs')], { env: cleanEnv({ OTEL_METRICS_EXPORTER: 'console' }) });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lastJson(r.stdout), { noop: false });
    const metrics = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('{"metric"'))
      .map((l) => JSON.parse(l));
    const orders = metrics.find((m) => m.metric === 'shop.orders');
    assert.ok(orders, r.stderr);
    assert.equal(orders.kind, 'sum');
    assert.equal(orders.monotonic, true);
    assert.equal(orders.unit, '{order}');
    assert.equal(orders.description, 'Orders placed');
    assert.deepEqual(orders.scope, { name: 'shop', version: '2.0.0' });
    assert.equal(orders.data_points.length, 1);
    assert.deepEqual(orders.data_points[0].attributes, { plan: 'pro' });
    assert.equal(orders.data_points[0].value, 3);
    const open = metrics.find((m) => m.metric === 'shop.open');
    assert.equal(open?.kind, 'gauge', r.stderr);
    assert.equal(open.data_points[0].value, 4);
  });

  it('without a metrics exporter, the metrics API is left as the program found it', async () => {
    const r = await launcher(['node', app('api-metrics.cjs')], { env: cleanEnv() });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lastJson(r.stdout), { noop: true });
    assert.equal(r.stderr, '');
  });
});
