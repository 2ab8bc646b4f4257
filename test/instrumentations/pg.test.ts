import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { diag } from '../../src/diag';
import { CATALOG } from '../../src/instrumentation/catalog';
import { Registry } from '../../src/instrumentation/registry';
import type { ReadableSpan } from '../../src/trace/types';
import { testEngine } from '../helpers/engine';
import { serviceSkip } from '../helpers/services';

/**
 * pg against the PostgreSQL server on 127.0.0.1:5432 (database `test`, trust auth), on the oldest
 * and the newest pg 8 (`pg-oldest` is pg 8.0.3 under another name).
 */

/* eslint-disable @typescript-eslint/no-explicit-any */

const CONNECTION = { host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres' };
const engine = testEngine();
const { memory } = engine;
const tracer = engine.tracerProvider.getTracer('app');
const registry = new Registry(
  CATALOG.filter((e) => e.id === 'pg' || e.id === 'http'),
  engine.config,
  diag,
  engine.services,
);
registry.onModule('http', http, undefined, 'commonjs');
after(() => {
  registry.disable('pg');
  registry.disable('http');
});
beforeEach(() => memory.clear());

let skip: string | false = false;
before(async () => {
  skip = await serviceSkip('PostgreSQL', 5432);
});

const dbSpans = (): ReadableSpan[] => memory.spans.filter((s) => s.attributes['db.system.name'] === 'postgresql');
const onlyDb = (): ReadableSpan => {
  const spans = dbSpans();
  assert.equal(spans.length, 1, `one db span, got ${spans.map((s) => s.name).join(', ')}`);
  return spans[0]!;
};

for (const name of ['pg-oldest', 'pg']) {
  describe(`${name} (${require(`${name}/package.json`).version})`, () => {
    let pg: any;
    before(() => {
      pg = registry.onModule('pg', require(name), dirname(require.resolve(join(name, 'package.json'))), 'commonjs');
    });

    it('a promise query: one CLIENT span, sanitized text, summary as the name, the stable attributes', async (t) => {
      if (skip) return t.skip(skip);
      const client = new pg.Client(CONNECTION);
      await client.connect();
      try {
        const res = await client.query("SELECT $1::int AS n, 'secret literal' AS s, 42 AS k FROM pg_class WHERE relname = 'pg_type' LIMIT 1", [7]);
        assert.equal(res.rows[0].n, 7);
      } finally {
        await client.end();
      }
      const span = onlyDb();
      assert.equal(span.kind, 2);
      assert.equal(span.name, 'SELECT pg_class');
      assert.equal(span.attributes['db.query.text'], 'SELECT $1::int AS n, ? AS s, ? AS k FROM pg_class WHERE relname = ? LIMIT ?');
      assert.equal(span.attributes['db.query.summary'], 'SELECT pg_class');
      assert.equal(span.attributes['db.operation.name'], 'SELECT');
      assert.equal(span.attributes['db.collection.name'], 'pg_class');
      assert.equal(span.attributes['db.namespace'], 'test');
      assert.equal(span.attributes['server.address'], '127.0.0.1');
      assert.equal(span.attributes['server.port'], 5432);
      const text = JSON.stringify(span.attributes);
      assert.ok(!text.includes('secret literal') && !text.includes('"7"'), 'no literal and no bound value');
    });

    it('callbacks, config objects and prepared statements', async (t) => {
      if (skip) return t.skip(skip);
      const client = new pg.Client(CONNECTION);
      await client.connect();
      await new Promise<void>((resolve, reject) =>
        client.query('SELECT 1 AS one', (err: unknown) => (err ? reject(err) : resolve())),
      );
      await client.query({ text: 'SELECT $1::text AS v', values: ['x'], name: 'named-statement' });
      await client.query({ text: 'SELECT $1::text AS v', values: ['y'], name: 'named-statement' });
      await client.end();
      const texts = dbSpans().map((s) => s.attributes['db.query.text']);
      assert.deepEqual(texts, ['SELECT ? AS one', 'SELECT $1::text AS v', 'SELECT $1::text AS v']);
      assert.ok(dbSpans().every((s) => s.endTime[0] > 0));
    });

    it('an error: db.response.status_code is the SQLSTATE, error.type too, status ERROR; the program gets its error', async (t) => {
      if (skip) return t.skip(skip);
      const client = new pg.Client(CONNECTION);
      await client.connect();
      await assert.rejects(client.query('SELECT * FROM no_such_table_here'), /does not exist/);
      await client.end();
      const span = onlyDb();
      assert.equal(span.attributes['db.response.status_code'], '42P01');
      assert.equal(span.attributes['error.type'], '42P01');
      assert.equal(span.status.code, 2);
    });

    it('inside a request: queries are children of the request span, through a pool whose clients are busy', async (t) => {
      if (skip) return t.skip(skip);
      const pool = new pg.Pool({ ...CONNECTION, max: 1 });
      // Warm the pool from outside any request, so that its one client was created elsewhere.
      await pool.query('SELECT 1');
      memory.clear();
      const server = http.createServer(async (_req, res) => {
        await Promise.all([pool.query('SELECT pg_sleep(0.02)'), pool.query('SELECT 2 AS two')]);
        pool.query('SELECT 3 AS three', () => res.end('ok'));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as AddressInfo).port;
      await Promise.all(
        ['/a', '/b'].map(
          (path) =>
            new Promise<void>((resolve, reject) =>
              http.get({ host: '127.0.0.1', port, path }, (res) => res.resume().on('end', resolve)).on('error', reject),
            ),
        ),
      );
      server.close();
      await pool.end();
      //   SERVER GET (/a, /b)
      //   ├── SELECT          (pg_sleep)
      //   ├── SELECT          (2)
      //   └── SELECT          (3)
      for (const path of ['/a', '/b']) {
        const request = memory.spans.find((s) => s.kind === 1 && s.attributes['url.path'] === path)!;
        const children = dbSpans().filter((s) => s.parentSpanId === request.spanContext().spanId);
        assert.equal(children.length, 3, `${path}: its three queries, none lost to another request`);
      }
    });

    it('a manual span around queries is their parent', async (t) => {
      if (skip) return t.skip(skip);
      const client = new pg.Client(CONNECTION);
      await client.connect();
      await tracer.startActiveSpan('work', async (span: any) => {
        await client.query('SELECT 1');
        span.end();
      });
      await client.end();
      const work = memory.spans.find((s) => s.name === 'work')!;
      assert.equal(onlyDb().parentSpanId, work.spanContext().spanId);
    });

    it('TS_OTEL_RUN_DB_FULL_STATEMENTS=true keeps the text as written (bound values are never recorded)', () => {
      const { sqlSpan, POSTGRES } = require('../../instrumentations/db-common');
      const text = "SELECT 'x', $1 FROM t WHERE n = 5";
      const full = testEngine({ TS_OTEL_RUN_DB_FULL_STATEMENTS: 'true' }).config;
      assert.equal(sqlSpan(full, { system: 'postgresql', text, dialect: POSTGRES }).attributes['db.query.text'], text);
      assert.equal(
        sqlSpan(engine.config, { system: 'postgresql', text, dialect: POSTGRES }).attributes['db.query.text'],
        'SELECT ?, $1 FROM t WHERE n = ?',
      );
    });
  });
}
