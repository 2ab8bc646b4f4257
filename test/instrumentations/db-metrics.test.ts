import { strict as assert } from 'node:assert';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { diag } from '../../src/diag';
import { CATALOG } from '../../src/instrumentation/catalog';
import { Registry } from '../../src/instrumentation/registry';
import type { HistogramDataPoint } from '../../src/metrics/types';
import { testEngine } from '../helpers/engine';
import { serviceSkip } from '../helpers/services';

/**
 * db.client.operation.duration from pg, mysql2, node-redis and ioredis against the local servers:
 * one series per operation and outcome, with the conventions' attributes, never the query text;
 * recorded whether or not the span was sampled.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */

// Nothing sampled: the metric must not depend on the span being recorded.
const engine = testEngine({ OTEL_TRACES_SAMPLER: 'always_off' });
const registry = new Registry(
  CATALOG.filter((e) => ['pg', 'mysql2', 'redis', 'ioredis'].includes(e.id)),
  engine.config,
  diag,
  engine.services,
);
after(() => ['pg', 'mysql2', 'redis', 'ioredis'].forEach((id) => registry.disable(id)));

/** The points of every instrumentation's db.client.operation.duration (one per scope) for `system`. */
async function points(system: string): Promise<HistogramDataPoint[]> {
  const batch = await engine.collectMetrics();
  const metrics = batch.scopeMetrics.flatMap((s) => s.metrics).filter((m) => m.descriptor.name === 'db.client.operation.duration');
  assert.ok(metrics.length > 0 && metrics.every((m) => m.kind === 'histogram' && m.descriptor.unit === 's'), 'histograms in seconds');
  return metrics.flatMap((m) => m.points as HistogramDataPoint[]).filter((p) => p.attributes['db.system.name'] === system);
}

function assertNoText(ps: HistogramDataPoint[]) {
  for (const p of ps) {
    assert.ok(!('db.query.text' in p.attributes), 'never the query text');
    assert.deepEqual(p.boundaries, [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10]);
  }
}

describe('db.client.operation.duration', () => {
  const skips: Record<string, string | false> = {};
  before(async () => {
    skips.pg = await serviceSkip('PostgreSQL', 5432);
    skips.mysql = await serviceSkip('MariaDB', 3306);
    skips.redis = await serviceSkip('Redis', 6379);
  });

  it('pg: a series per operation and outcome; the error series has error.type and the SQLSTATE', async (t) => {
    if (skips.pg) return t.skip(skips.pg);
    const pg: any = registry.onModule('pg', require('pg'), dirname(require.resolve('pg/package.json')), 'commonjs');
    const client = new pg.Client({ host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres' });
    await client.connect();
    await client.query('SELECT 1');
    await client.query('SELECT 2');
    await client.query('SELECT * FROM no_such_table_metrics').catch(() => {});
    await client.end();
    const ps = await points('postgresql');
    assertNoText(ps);
    const ok = ps.find((p) => p.attributes['db.operation.name'] === 'SELECT' && !p.attributes['error.type'] && !p.attributes['db.collection.name'])!;
    assert.equal(ok.count, 2);
    assert.equal(ok.attributes['db.namespace'], 'test');
    assert.equal(ok.attributes['server.address'], '127.0.0.1');
    assert.equal(ok.attributes['server.port'], 5432);
    const failed = ps.find((p) => p.attributes['error.type'] === '42P01')!;
    assert.equal(failed.count, 1);
    assert.equal(failed.attributes['db.response.status_code'], '42P01');
    assert.equal(failed.attributes['db.collection.name'], 'no_such_table_metrics');
    assert.equal(engine.memory.spans.length, 0, 'no span was sampled');
  });

  it('mysql2: mariadb by the handshake, the error number on failure', async (t) => {
    if (skips.mysql) return t.skip(skips.mysql);
    const mysql: any = registry.onModule('mysql2', require('mysql2'), dirname(require.resolve('mysql2')), 'commonjs');
    const conn = mysql.createConnection({ host: '127.0.0.1', port: 3306, database: 'test', user: 'root' });
    await new Promise((resolve, reject) => conn.query('SELECT 1', (e: unknown) => (e ? reject(e) : resolve(undefined))));
    await new Promise((resolve) => conn.query('SELECT * FROM no_such_table_metrics', resolve));
    conn.end();
    const ps = await points('mariadb');
    assertNoText(ps);
    assert.equal(ps.find((p) => !p.attributes['error.type'])!.count, 1);
    assert.equal(ps.find((p) => p.attributes['error.type'] === '1146')!.count, 1);
  });

  for (const name of ['redis', 'ioredis'] as const) {
    it(`${name}: a series per command`, async (t) => {
      if (skips.redis) return t.skip(skips.redis);
      const key = `ts-otel-run-test:metrics:${name}:${process.pid}`;
      if (name === 'redis') {
        const pkgDir = dirname(require.resolve('redis/package.json'));
        const clientDir = dirname(require.resolve('@redis/client/package.json', { paths: [pkgDir] }));
        registry.onModule('@redis/client', require(clientDir), clientDir, 'commonjs');
        const client = require(pkgDir).createClient({ url: 'redis://127.0.0.1:6379' });
        await client.connect();
        await client.set(key, 'v');
        await client.get(key);
        await client.get(key);
        await client.del(key);
        await client.quit();
      } else {
        const Redis: any = registry.onModule('ioredis', require('ioredis'), dirname(require.resolve(join('ioredis', 'package.json'))), 'commonjs');
        const client = new Redis({ host: '127.0.0.1', port: 6379 });
        await client.set(key, 'v');
        await client.get(key);
        await client.get(key);
        await client.del(key);
        await client.quit();
      }
      const ps = (await points('redis')).filter((p) => p.attributes['server.port'] === 6379);
      assertNoText(ps);
      const gets = ps.filter((p) => p.attributes['db.operation.name'] === 'GET');
      assert.ok(gets.reduce((n, p) => n + p.count, 0) >= 2);
    });
  }
});
