import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { diag } from '../../src/diag';
import { CATALOG } from '../../src/instrumentation/catalog';
import { Registry } from '../../src/instrumentation/registry';
import type { ReadableSpan } from '../../src/trace/types';
import { testEngine } from '../helpers/engine';
import { serviceSkip } from '../helpers/services';

/**
 * mysql2 against the MariaDB server on 127.0.0.1:3306 (user root, no password, database `test`),
 * on the oldest and the newest mysql2 3 (`mysql2-oldest` is mysql2 3.0.0 under another name).
 */

/* eslint-disable @typescript-eslint/no-explicit-any */

const CONNECTION = { host: '127.0.0.1', port: 3306, database: 'test', user: 'root' };
const engine = testEngine();
const { memory } = engine;
const tracer = engine.tracerProvider.getTracer('app');
const registry = new Registry(
  CATALOG.filter((e) => e.id === 'mysql2' || e.id === 'http'),
  engine.config,
  diag,
  engine.services,
);
registry.onModule('http', http, undefined, 'commonjs');
after(() => {
  registry.disable('mysql2');
  registry.disable('http');
});
beforeEach(() => memory.clear());
// Connections and pools a failed test left open, closed so that the run still ends.
const open: any[] = [];
const track = <T>(c: T): T => (open.push(c), c);
afterEach(() => {
  for (const c of open.splice(0)) (c.destroy ?? c.end)?.call(c, () => {});
});

let skip: string | false = false;
before(async () => {
  skip = await serviceSkip('MariaDB', 3306);
});

const dbSpans = (): ReadableSpan[] => memory.spans.filter((s) => s.attributes['db.system.name'] !== undefined);
const onlyDb = (): ReadableSpan => {
  const spans = dbSpans();
  assert.equal(spans.length, 1, `one db span, got ${spans.map((s) => s.name).join(', ')}`);
  return spans[0]!;
};
const callback = <T>(fn: (cb: (err: unknown, result?: T) => void) => void): Promise<T> =>
  new Promise<T>((resolve, reject) => fn((err, result) => (err ? reject(err) : resolve(result as T))));

for (const name of ['mysql2-oldest', 'mysql2']) {
  describe(`${name} (${require(join(dirname(require.resolve(name)), 'package.json')).version})`, () => {
    let mysql: any;
    let mysqlPromise: any;
    before(() => {
      mysql = registry.onModule('mysql2', require(name), dirname(require.resolve(name)), 'commonjs');
      // mysql2/promise wraps the callback classes, which the line above patched.
      mysqlPromise = require(`${name}/promise`);
    });

    it('a query with a callback, right after connecting: one CLIENT span, sanitized, mariadb, the stable attributes', async (t) => {
      if (skip) return t.skip(skip);
      const conn = track(mysql.createConnection(CONNECTION));
      let active: unknown = 'unset';
      await tracer.startActiveSpan('caller', async (caller: any) => {
        const rows = await callback<any[]>((cb) =>
          conn.query("SELECT 'secret literal' AS s, 42 AS k FROM information_schema.tables WHERE table_name = 'nope' OR 1 = 1 LIMIT 1", (err: unknown, r: any) => {
            active = engine.services.trace.getSpan(engine.services.trace.contextManager.active());
            cb(err, r);
          }),
        );
        assert.equal(rows[0].s, 'secret literal');
        caller.end();
        assert.equal(active, caller, 'the callback runs in the caller context');
      });
      conn.end();
      const span = onlyDb();
      assert.equal(span.kind, 2);
      assert.equal(span.name, 'SELECT information_schema.tables');
      assert.equal(span.attributes['db.system.name'], 'mariadb');
      assert.equal(span.attributes['db.query.text'], 'SELECT ? AS s, ? AS k FROM information_schema.tables WHERE table_name = ? OR ? = ? LIMIT ?');
      assert.equal(span.attributes['db.operation.name'], 'SELECT');
      assert.equal(span.attributes['db.collection.name'], 'information_schema.tables');
      assert.equal(span.attributes['db.namespace'], 'test');
      assert.equal(span.attributes['server.address'], '127.0.0.1');
      assert.equal(span.attributes['server.port'], 3306);
      assert.equal(span.parentSpanId, memory.spans.find((s) => s.name === 'caller')!.spanContext().spanId);
      assert.ok(!JSON.stringify(span.attributes).includes('secret'), 'no literal');
    });

    it('execute with values (a prepared statement) and query with values / a config object: no bound value anywhere', async (t) => {
      if (skip) return t.skip(skip);
      const conn = track(mysql.createConnection(CONNECTION));
      const [a] = await callback<any[]>((cb) => conn.execute('SELECT ? AS v, 7 AS seven', ['bound-secret-1'], cb));
      assert.equal(a.v, 'bound-secret-1');
      await callback((cb) => conn.execute('SELECT ? AS v', ['bound-secret-1'], cb)); // the cached statement
      const [b] = await callback<any[]>((cb) => conn.query('SELECT ? AS v', ['bound-secret-2'], cb));
      assert.equal(b.v, 'bound-secret-2');
      const [c] = await callback<any[]>((cb) => conn.query({ sql: 'SELECT ? AS v', values: ['bound-secret-3'] }, cb));
      assert.equal(c.v, 'bound-secret-3');
      conn.end();
      const spans = dbSpans();
      assert.deepEqual(
        spans.map((s) => s.attributes['db.query.text']),
        ['SELECT ? AS v, ? AS seven', 'SELECT ? AS v', 'SELECT ? AS v', 'SELECT ? AS v'],
      );
      assert.ok(spans.every((s) => s.attributes['db.system.name'] === 'mariadb' && s.endTime[0] > 0));
      assert.ok(!JSON.stringify(spans.map((s) => [s.name, s.attributes, s.events])).includes('bound-secret'), 'no bound value');
    });

    it('the promise API: one span per query and execute, children of the active span', async (t) => {
      if (skip) return t.skip(skip);
      const conn = track(await mysqlPromise.createConnection(CONNECTION));
      await tracer.startActiveSpan('work', async (work: any) => {
        const [rows] = await conn.query('SELECT 1 AS one');
        assert.equal(rows[0].one, 1);
        const [rows2] = await conn.execute('SELECT ? AS two', [2]);
        assert.equal(rows2[0].two, 2);
        work.end();
      });
      await conn.end();
      const work = memory.spans.find((s) => s.name === 'work')!;
      const spans = dbSpans();
      assert.deepEqual(spans.map((s) => s.attributes['db.query.text']), ['SELECT ? AS one', 'SELECT ? AS two']);
      assert.ok(spans.every((s) => s.parentSpanId === work.spanContext().spanId));
    });

    it('an error: db.response.status_code and error.type are the error number, status ERROR; the program gets its error', async (t) => {
      if (skip) return t.skip(skip);
      const conn = track(mysql.createConnection(CONNECTION));
      await assert.rejects(
        callback((cb) => conn.query('SELECT * FROM no_such_table_here', cb)),
        (err: any) => err.code === 'ER_NO_SUCH_TABLE' && err.errno === 1146,
      );
      conn.end();
      const span = onlyDb();
      assert.equal(span.attributes['db.response.status_code'], '1146');
      assert.equal(span.attributes['error.type'], '1146');
      assert.equal(span.status.code, 2);
      assert.equal(span.attributes['db.collection.name'], 'no_such_table_here');

      memory.clear();
      const pconn = track(await mysqlPromise.createConnection(CONNECTION));
      await assert.rejects(pconn.execute('SELECT * FROM no_such_table_here WHERE id = ?', [1]), /doesn't exist/);
      await pconn.end();
      assert.equal(onlyDb().attributes['db.response.status_code'], '1146', 'a failed prepare through the promise API');
    });

    for (const api of ['callback', 'promise'] as const) {
      it(`inside requests: a pool of one connection warmed elsewhere, ${api} API, each request has its three queries`, async (t) => {
        if (skip) return t.skip(skip);
        const core = mysql.createPool({ ...CONNECTION, connectionLimit: 1 });
        track({ end: (cb: () => void) => !core._closed && core.end(cb) });
        const pool = api === 'promise' ? core.promise() : core;
        // Warm the pool from outside any request, so that its one connection was created elsewhere.
        await callback((cb) => core.query('SELECT 1', cb));
        memory.clear();
        const server = http.createServer(async (_req, res) => {
          if (api === 'promise') {
            await Promise.all([pool.query('SELECT SLEEP(0.02)'), pool.execute('SELECT ? AS two', [2])]);
            const conn = await pool.getConnection();
            await conn.query('SELECT 3 AS three');
            conn.release();
            res.end('ok');
          } else {
            await Promise.all([
              callback((cb) => pool.query('SELECT SLEEP(0.02)', cb)),
              callback((cb) => pool.execute('SELECT ? AS two', [2], cb)),
            ]);
            pool.getConnection((err: unknown, conn: any) => {
              if (err) throw err;
              conn.query('SELECT 3 AS three', () => {
                conn.release();
                res.end('ok');
              });
            });
          }
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
        await callback((cb) => core.end(cb));
        //   SERVER GET (/a, /b)
        //   ├── SELECT   (SLEEP)
        //   ├── SELECT   (? AS two)
        //   └── SELECT   (3)
        assert.equal(dbSpans().length, 6);
        for (const path of ['/a', '/b']) {
          const request = memory.spans.find((s) => s.kind === 1 && s.attributes['url.path'] === path)!;
          const children = dbSpans().filter((s) => s.parentSpanId === request.spanContext().spanId);
          assert.deepEqual(
            children.map((s) => s.attributes['db.query.text']).sort(),
            ['SELECT ? AS three', 'SELECT ? AS two', 'SELECT SLEEP(?)'],
            `${path}: its three queries, none lost to another request`,
          );
        }
      });
    }

    it('prepare() then the statement\'s execute(), callback and promise API: a span per execute, none for the prepare, no bound value', async (t) => {
      if (skip) return t.skip(skip);
      const conn = track(mysql.createConnection(CONNECTION));
      await tracer.startActiveSpan('work', async (work: any) => {
        const statement: any = await callback((cb) => conn.prepare('SELECT ? AS v, 5 AS five', cb));
        const [a] = await callback<any[]>((cb) => statement.execute(['prepared-secret-1'], cb));
        assert.equal(a.v, 'prepared-secret-1');
        const [b] = await callback<any[]>((cb) => statement.execute(['prepared-secret-2'], cb));
        assert.equal(b.v, 'prepared-secret-2');
        statement.close();
        work.end();
      });
      conn.end();
      const pconn = track(await mysqlPromise.createConnection(CONNECTION));
      const pstatement = await pconn.prepare('SELECT ? AS w');
      const [[row]] = await pstatement.execute(['prepared-secret-3']);
      assert.equal(row.w, 'prepared-secret-3');
      await pstatement.close();
      await assert.rejects(pconn.prepare('SELECT * FROM no_such_table_here WHERE id = ?'), /doesn't exist/);
      await pconn.end();
      const work = memory.spans.find((s) => s.name === 'work')!;
      const spans = dbSpans();
      assert.deepEqual(
        spans.map((s) => s.attributes['db.query.text']),
        ['SELECT ? AS v, ? AS five', 'SELECT ? AS v, ? AS five', 'SELECT ? AS w'],
      );
      assert.ok(spans.slice(0, 2).every((s) => s.parentSpanId === work.spanContext().spanId), 'children of the active span');
      assert.ok(spans.every((s) => s.attributes['db.system.name'] === 'mariadb' && s.endTime[0] > 0 && s.status.code === 0));
      assert.ok(!JSON.stringify(spans.map((s) => [s.name, s.attributes, s.events])).includes('prepared-secret'), 'no bound value');
    });

    it('a PoolCluster: query and execute through a namespace belong to the request that issued them', async (t) => {
      if (skip) return t.skip(skip);
      const cluster = mysql.createPoolCluster();
      cluster.add('primary', { ...CONNECTION, connectionLimit: 1 });
      cluster.add('replica', { ...CONNECTION, connectionLimit: 1 });
      track({ end: (cb: () => void) => cluster.end(cb) });
      await tracer.startActiveSpan('request', async (request: any) => {
        const replicas = cluster.of('*');
        await Promise.all([
          callback((cb) => replicas.query('SELECT SLEEP(0.01)', cb)),
          callback((cb) => replicas.query("SELECT 'cluster-secret' AS s", cb)),
          callback((cb) => replicas.execute('SELECT ? AS v', ['cluster-secret'], cb)),
          callback((cb) => cluster.of('primary').query('SELECT 4 AS four', cb)),
        ]);
        request.end();
      });
      await callback((cb) => cluster.end(cb));
      const request = memory.spans.find((s) => s.name === 'request')!;
      const spans = dbSpans();
      assert.deepEqual(
        spans.map((s) => s.attributes['db.query.text']).sort(),
        ['SELECT ? AS four', 'SELECT ? AS s', 'SELECT ? AS v', 'SELECT SLEEP(?)'],
      );
      assert.ok(spans.every((s) => s.parentSpanId === request.spanContext().spanId), 'each a child of the request, queued or not');
      assert.ok(!JSON.stringify(spans.map((s) => s.attributes)).includes('cluster-secret'));
    });

    it('event-emitter mode (no callback): the span ends on the command end', async (t) => {
      if (skip) return t.skip(skip);
      const conn = track(mysql.createConnection(CONNECTION));
      const rows: unknown[] = [];
      await new Promise<void>((resolve, reject) =>
        conn.query('SELECT 1 AS one').on('result', (r: unknown) => rows.push(r)).on('error', reject).on('end', resolve),
      );
      conn.end();
      assert.equal(rows.length, 1);
      const span = onlyDb();
      assert.ok(span.endTime[0] > 0);
      assert.equal(span.status.code, 0);
    });
  });
}

it('a client (network) error has error.type from its code and no db.response.status_code', () => {
  const { mysqlErrorAttributes } = require('../../instrumentations/mysql2');
  assert.deepEqual(mysqlErrorAttributes(Object.assign(new Error('x'), { code: 'ECONNREFUSED', errno: -111 })), {
    'error.type': 'ECONNREFUSED',
  });
  assert.deepEqual(mysqlErrorAttributes(Object.assign(new Error('x'), { code: 'ER_DUP_ENTRY', errno: 1062, sqlState: '23000' })), {
    'db.response.status_code': '1062',
    'error.type': '1062',
  });
});
