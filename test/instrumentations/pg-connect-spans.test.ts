import { strict as assert } from 'node:assert';
import { dirname, join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { diag } from '../../src/diag';
import { CATALOG } from '../../src/instrumentation/catalog';
import { Registry } from '../../src/instrumentation/registry';
import { testEngine } from '../helpers/engine';
import { serviceSkip } from '../helpers/services';

/**
 * TS_OTEL_RUN_DB_CONNECT_SPANS=true: pg-pool.connect and pg.connect spans, against the PostgreSQL
 * server on 127.0.0.1:5432 (a file of its own: the setting is read when pg is patched).
 */

/* eslint-disable @typescript-eslint/no-explicit-any */

const CONNECTION = { host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres' };
const engine = testEngine({ TS_OTEL_RUN_DB_CONNECT_SPANS: 'true' });
const { memory } = engine;
const tracer = engine.tracerProvider.getTracer('app');
const registry = new Registry(
  CATALOG.filter((e) => e.id === 'pg'),
  engine.config,
  diag,
  engine.services,
);
after(() => registry.disable('pg'));
beforeEach(() => memory.clear());

let skip: string | false = false;
before(async () => {
  skip = await serviceSkip('PostgreSQL', 5432);
});

const byId = (id: string | undefined) => memory.spans.find((s) => s.spanContext().spanId === id);

for (const name of ['pg-oldest', 'pg']) {
  describe(`${name} (${require(`${name}/package.json`).version})`, () => {
    let pg: any;
    before(() => {
      pg = registry.onModule('pg', require(name), dirname(require.resolve(join(name, 'package.json'))), 'commonjs');
    });

    it('pool.query: pg-pool.connect (with pg.connect under it for a new client) beside the query, both under the caller', async (t) => {
      if (skip) return t.skip(skip);
      const pool = new pg.Pool({ ...CONNECTION, max: 1 });
      await tracer.startActiveSpan('request', async (request: any) => {
        await pool.query('SELECT 1');
        await pool.query('SELECT 2');
        request.end();
      });
      await pool.end();
      const request = memory.spans.find((s) => s.name === 'request')!;
      const poolConnects = memory.spans.filter((s) => s.name === 'pg-pool.connect');
      const connects = memory.spans.filter((s) => s.name === 'pg.connect');
      const queries = memory.spans.filter((s) => s.name === 'SELECT');
      assert.equal(poolConnects.length, 2, 'one checkout per query');
      assert.equal(connects.length, 1, 'one new connection: the second checkout reuses the client');
      assert.equal(queries.length, 2);
      for (const s of [...poolConnects, ...queries]) assert.equal(s.parentSpanId, request.spanContext().spanId, s.name);
      assert.equal(byId(connects[0]!.parentSpanId)?.name, 'pg-pool.connect');
      for (const s of [...poolConnects, ...connects]) {
        assert.equal(s.kind, 2);
        assert.equal(s.status.code, 0);
        assert.equal(s.attributes['db.system.name'], 'postgresql');
        assert.equal(s.attributes['db.namespace'], 'test');
        assert.equal(s.attributes['server.address'], '127.0.0.1');
        assert.equal(s.attributes['server.port'], 5432);
      }
    });

    it('pool.connect() as a promise and with a callback; a refused connection ends both spans as errors', async (t) => {
      if (skip) return t.skip(skip);
      const pool = new pg.Pool({ ...CONNECTION, max: 2 });
      const client = await pool.connect();
      client.release();
      await new Promise<void>((resolve, reject) =>
        pool.connect((err: unknown, _c: unknown, done: () => void) => (err ? reject(err) : (done(), resolve()))),
      );
      await pool.end();
      assert.deepEqual(memory.spans.map((s) => s.name).sort(), ['pg-pool.connect', 'pg-pool.connect', 'pg.connect']);

      memory.clear();
      const refused = new pg.Pool({ ...CONNECTION, port: 1, max: 1 });
      await assert.rejects(refused.connect(), (e: any) => e.code === 'ECONNREFUSED');
      await refused.end();
      assert.deepEqual(memory.spans.map((s) => s.name).sort(), ['pg-pool.connect', 'pg.connect']);
      for (const s of memory.spans) {
        assert.equal(s.status.code, 2);
        assert.equal(s.attributes['error.type'], 'ECONNREFUSED');
        assert.equal(s.attributes['server.port'], 1);
      }
    });

    it('a Client of its own: pg.connect only', async (t) => {
      if (skip) return t.skip(skip);
      const client = new pg.Client(CONNECTION);
      await client.connect();
      await client.end();
      assert.deepEqual(memory.names(), ['pg.connect']);
    });
  });
}
