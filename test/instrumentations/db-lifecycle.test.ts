import { strict as assert } from 'node:assert';
import { dirname, join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { diag } from '../../src/diag';
import { CATALOG } from '../../src/instrumentation/catalog';
import { Registry, type Services } from '../../src/instrumentation/registry';
import type { ReadableSpan } from '../../src/trace/types';
import { testEngine } from '../helpers/engine';
import { serviceSkip } from '../helpers/services';

/**
 * The life cycle of the database instrumentations (pg, mysql2, node-redis, ioredis), each on its
 * oldest and newest supported version, against the local servers: enable → disable → enable, a refused login, and a connection lost while a query
 * is in flight. In every case the program must get exactly what it would get without us, and no
 * span may be left unended.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */

const PG = { host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres' };
const MYSQL = { host: '127.0.0.1', port: 3306, database: 'test', user: 'root' };
const REDIS_URL = 'redis://127.0.0.1:6379';
const PASSWORD = 'wrong-password';

const engine = testEngine();
const { memory } = engine;

// Every span the instrumentations start, ended or not: the memory processor only sees ended ones.
const started: any[] = [];
const provider = engine.services.tracerProvider as any;
const services: Services = {
  ...engine.services,
  tracerProvider: {
    getTracer(name: string, version?: string, options?: { schemaUrl?: string }) {
      const tracer = provider.getTracer(name, version, options);
      return new Proxy(tracer, {
        get(target, key) {
          if (key !== 'startSpan') return Reflect.get(target, key);
          return (...args: unknown[]) => {
            const span = target.startSpan(...args);
            started.push(span);
            return span;
          };
        },
      });
    },
  } as any,
};

const IDS = ['pg', 'mysql2', 'redis', 'ioredis'];
const registry = new Registry(
  CATALOG.filter((e) => IDS.includes(e.id)),
  engine.config,
  diag,
  services,
);
after(() => IDS.forEach((id) => registry.disable(id)));
beforeEach(() => {
  memory.clear();
  started.length = 0;
});

// Clients a test opened, closed after it even when it failed.
const open: (() => unknown)[] = [];
const track = <T>(client: T, close: (c: T) => unknown): T => (open.push(() => close(client)), client);
// Best effort: pg 8.0 never settles end() on a client that is ended, refused or cut off.
afterEach(async () => {
  for (const close of open.splice(0)) {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([close(), new Promise((resolve) => (timer = setTimeout(resolve, 1000)))]);
    } catch {
      // already closed
    } finally {
      clearTimeout(timer);
    }
  }
});

const spansOf = (system: string): ReadableSpan[] => memory.spans.filter((s) => s.attributes['db.system.name'] === system);
const assertAllEnded = () => {
  const open = started.filter((s) => !s.isEnded);
  assert.deepEqual(open.map((s) => s.name), [], 'no span left unended');
};
/** What the program sees of an error: its class, code, and message. */
const shape = (e: any) => ({ class: e?.constructor?.name, name: e?.name, code: e?.code, errno: e?.errno, message: e?.message });
/** Runs fn with the instrumentation off, then turns it back on. */
async function disabled<T>(id: string, fn: () => Promise<T>): Promise<T> {
  assert.ok(registry.disable(id), `${id} was enabled`);
  try {
    return await fn();
  } finally {
    assert.ok(registry.enable(id), `${id} was disabled`);
  }
}
/** Polls until check() is true (the server shows the query running); not a timing assertion. */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never saw ${what}`);
}
const callback = <T>(fn: (cb: (err: unknown, result?: T) => void) => void): Promise<T> =>
  new Promise<T>((resolve, reject) => fn((err, result) => (err ? reject(err) : resolve(result as T))));
const settle = <T>(p: Promise<T>): Promise<{ value?: T; error?: unknown }> =>
  p.then(
    (value) => ({ value }),
    (error) => ({ error }),
  );

/** The three phases: spans while enabled, none while disabled, spans again; the same results. */
async function lifecycle(id: string, system: string, program: () => Promise<unknown>): Promise<void> {
  const phase = async () => {
    memory.clear();
    const result = await program();
    return { result, spans: spansOf(system).map((s) => `${s.name}|${s.attributes['db.query.text']}|${s.status.code}`) };
  };
  const first = await phase();
  assert.ok(first.spans.length > 0, 'spans while enabled');
  assert.ok(registry.disable(id));
  let second;
  try {
    second = await phase();
  } finally {
    assert.ok(registry.enable(id));
  }
  assert.deepEqual(second.spans, [], 'no span while disabled');
  const third = await phase();
  assert.deepEqual(third.spans, first.spans, 'the same spans once enabled again');
  assert.deepEqual(second.result, first.result, 'the same results disabled');
  assert.deepEqual(third.result, first.result, 'the same results re-enabled');
  assertAllEnded();
}

const skips: Record<string, string | false> = {};
before(async () => {
  skips.pg = await serviceSkip('PostgreSQL', 5432);
  skips.mysql = await serviceSkip('MariaDB', 3306);
  skips.redis = await serviceSkip('Redis', 6379);
});

for (const name of ['pg-oldest', 'pg']) describe(`${name} (${require(`${name}/package.json`).version})`, () => {
  let pg: any;
  before(() => {
    pg = registry.onModule('pg', require(name), dirname(require.resolve(`${name}/package.json`)), 'commonjs');
  });
  const client = (options: object = PG) => {
    const c = track(new pg.Client(options), (x: any) => (x._ending || x.connection?.stream?.destroyed ? undefined : x.end()));
    c.on('error', () => {});
    return c;
  };

  it('enable → disable → enable: spans, none, spans again; the same results', async (t) => {
    if (skips.pg) return t.skip(skips.pg);
    await lifecycle('pg', 'postgresql', async () => {
      const c = client();
      await c.connect();
      const a = (await c.query('SELECT $1::int + 1 AS n', [41])).rows;
      const b = await callback<any>((cb) => c.query("SELECT 'x' AS s", cb));
      const e = await settle(c.query('SELECT * FROM no_such_table_here'));
      await c.end();
      return { a, b: b.rows, e: shape(e.error) };
    });
  });

  it('a user that does not exist: the connect error reaches the program unchanged; no span left unended', async (t) => {
    if (skips.pg) return t.skip(skips.pg);
    const attempt = async () => {
      const c = client({ ...PG, user: 'no_such_user_x' });
      const connect = await settle(c.connect());
      // A query on the refused client fails too: its span, if any, must end.
      const query = await settle(c.query('SELECT 1'));
      return { connect: shape(connect.error), query: shape(query.error) };
    };
    const without = await disabled('pg', attempt);
    memory.clear();
    started.length = 0;
    const withUs = await attempt();
    assert.equal(withUs.connect.code, '28000', JSON.stringify(withUs.connect));
    assert.deepEqual(withUs, without);
    assertAllEnded();
    const spans = spansOf('postgresql');
    assert.deepEqual(spans.map((s) => [s.name, s.status.code]), [['SELECT', 2]], 'the refused query: one span, ERROR');
  });

  it('a connection terminated while a query runs: the program gets its error, the span ends with ERROR and error.type', async (t) => {
    if (skips.pg) return t.skip(skips.pg);
    const killer = client();
    await killer.connect();
    const attempt = async () => {
      const victim = client();
      await victim.connect();
      const pid = (await victim.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      const sleeping = settle(victim.query('SELECT pg_sleep(5)'));
      await until(
        async () =>
          (await killer.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND state = 'active' AND query LIKE '%pg_sleep%'", [pid])).rowCount === 1,
        'pg_sleep running',
      );
      await killer.query('SELECT pg_terminate_backend($1)', [pid]);
      return shape((await sleeping).error);
    };
    const without = await disabled('pg', attempt);
    memory.clear();
    started.length = 0;
    const withUs = await attempt();
    assert.equal(withUs.code, '57P01', JSON.stringify(withUs));
    assert.deepEqual(withUs, without);
    const span = spansOf('postgresql').find((s) => s.attributes['db.query.text'] === 'SELECT pg_sleep(?)');
    assert.ok(span, 'the pg_sleep span');
    assert.equal(span.status.code, 2);
    assert.equal(span.attributes['error.type'], '57P01');
    assertAllEnded();
  });
});

for (const name of ['mysql2-oldest', 'mysql2']) describe(`${name} (${require(join(dirname(require.resolve(name)), 'package.json')).version})`, () => {
  let mysql: any;
  before(() => {
    mysql = registry.onModule('mysql2', require(name), dirname(require.resolve(name)), 'commonjs');
  });
  const connection = (options: object = MYSQL) => {
    const c = track(mysql.createConnection(options), (x: any) => x.destroy());
    c.on('error', () => {});
    return c;
  };
  const end = (c: any) => callback<void>((cb) => c.end(cb));

  it('enable → disable → enable: spans, none, spans again; the same results', async (t) => {
    if (skips.mysql) return t.skip(skips.mysql);
    await lifecycle('mysql2', 'mariadb', async () => {
      const c = connection();
      const a = await callback<any>((cb) => c.query('SELECT ? + 1 AS n', [41], cb));
      const b = await callback<any>((cb) => c.execute('SELECT ? AS s', ['x'], cb));
      const e = await settle(callback<any>((cb) => c.query('SELECT * FROM no_such_table_here', cb)));
      await end(c);
      return { a, b, e: shape(e.error) };
    });
  });

  it('a wrong user and password: ER_ACCESS_DENIED reaches the program unchanged; no span left unended', async (t) => {
    if (skips.mysql) return t.skip(skips.mysql);
    const attempt = async () => {
      const c = connection({ ...MYSQL, user: 'no_such_user_x', password: 'wrong' });
      // A query issued at once waits for the handshake and gets its error (mysql2 calls back no
      // later query on a connection that failed, instrumented or not).
      const query = await settle(callback<any>((cb) => c.query('SELECT 1', cb)));
      return { connect: shape(query.error) };
    };
    const without = await disabled('mysql2', attempt);
    memory.clear();
    started.length = 0;
    const withUs = await attempt();
    assert.equal(withUs.connect.code, 'ER_ACCESS_DENIED_ERROR', JSON.stringify(withUs.connect));
    assert.deepEqual(withUs, without);
    assertAllEnded();
    // The handshake failed, so the server never said it is MariaDB: the system stays `mysql`.
    const spans = [...spansOf('mysql'), ...spansOf('mariadb')];
    assert.deepEqual(spans.map((s) => [s.name, s.status.code]), [['SELECT', 2]], 'the refused query: one span, ERROR');
    assert.equal(spans[0]!.attributes['error.type'], '1045', 'a server error: its errno');
  });

  it('a connection killed while a query runs: the program gets its error, the span ends with ERROR and error.type', async (t) => {
    if (skips.mysql) return t.skip(skips.mysql);
    const killer = connection();
    const attempt = async () => {
      const victim = connection();
      await callback<void>((cb) => victim.connect(cb));
      const id = victim.threadId;
      const sleeping = settle(callback<any>((cb) => victim.query('SELECT SLEEP(5)', cb)));
      await until(
        async () =>
          (await callback<any[]>((cb) => killer.query("SELECT 1 FROM information_schema.processlist WHERE id = ? AND info LIKE 'SELECT SLEEP%'", [id], cb))).length === 1,
        'SLEEP running',
      );
      await callback((cb) => killer.query(`KILL ${Number(id)}`, cb));
      const { error, value } = await sleeping;
      assert.ok(error, `the query failed, got ${JSON.stringify(value)}`);
      return shape(error);
    };
    const without = await disabled('mysql2', attempt);
    memory.clear();
    started.length = 0;
    const withUs = await attempt();
    assert.deepEqual(withUs, without);
    const span = spansOf('mariadb').find((s) => s.attributes['db.query.text'] === 'SELECT SLEEP(?)');
    assert.ok(span, `the SLEEP span among ${spansOf('mariadb').map((s) => s.attributes['db.query.text'])}`);
    assert.equal(span.status.code, 2);
    assert.ok(span.attributes['error.type'], 'error.type');
    assertAllEnded();
  });
});

const noPassword = (spans: ReadableSpan[]) => {
  for (const span of spans) {
    const text = JSON.stringify({ a: span.attributes, e: span.events, s: span.status });
    assert.ok(!text.includes(PASSWORD), `no password in ${text}`);
  }
};

for (const name of ['redis-oldest', 'redis']) {
  const pkgDir = dirname(require.resolve(`${name}/package.json`));
  const clientDir = dirname(require.resolve('@redis/client/package.json', { paths: [pkgDir] }));
  describe(`${name} (${require(join(pkgDir, 'package.json')).version}, @redis/client ${require(join(clientDir, 'package.json')).version})`, () => {
    const key = `ts-otel-run-test:lifecycle:${name}:${process.pid}`;
    let redis: any;
    before(() => {
      registry.onModule('@redis/client', require(clientDir), clientDir, 'commonjs');
      redis = require(pkgDir);
    });
    const client = async (options: object = {}) => {
      const c = track(redis.createClient({ url: REDIS_URL, ...options }), (x: any) => (x.destroy ?? x.disconnect).call(x));
      c.on('error', () => {});
      await c.connect();
      return c;
    };

    it('enable → disable → enable: spans, none, spans again; the same results', async (t) => {
      if (skips.redis) return t.skip(skips.redis);
      await lifecycle('redis', 'redis', async () => {
        const c = await client();
        const set = await c.set(`${key}:s`, 'v');
        const get = await c.get(`${key}:s`);
        const multi = await c.multi().incr(`${key}:n`).del(`${key}:n`).exec();
        const e = await settle(c.hGet(`${key}:s`, 'f'));
        await c.del(`${key}:s`);
        await c.quit();
        return { set, get, multi, e: shape(e.error) };
      });
    });

    it('AUTH with a wrong password: the error reaches the program, its span has ERROR, the password appears nowhere', async (t) => {
      if (skips.redis) return t.skip(skips.redis);
      const attempt = async () => {
        const c = await client();
        const e = await settle(c.sendCommand(['AUTH', PASSWORD]));
        await c.quit();
        return shape(e.error);
      };
      const without = await disabled('redis', attempt);
      memory.clear();
      const withUs = await attempt();
      assert.match(String(withUs.message), /^ERR /);
      assert.deepEqual(withUs, without);
      const auth = spansOf('redis').filter((s) => s.name === 'AUTH');
      assert.equal(auth.length, 1);
      assert.equal(auth[0]!.status.code, 2);
      noPassword(memory.spans);
      assertAllEnded();
    });

    it('a connection killed during BLPOP: the program gets its error, the span ends with ERROR and error.type', async (t) => {
      if (skips.redis) return t.skip(skips.redis);
      const killer = await client();
      const attempt = async () => {
        // No reconnection: a client reconnecting after the kill would outlive the test. (An
        // Error stops it in every version; `false` only from redis 4.6.)
        const victim = await client({ socket: { reconnectStrategy: () => new Error('no reconnection') } });
        const id = await victim.sendCommand(['CLIENT', 'ID']);
        const blocked = settle(victim.blPop(`${key}:list`, 5));
        await until(async () => /\bcmd=blpop\b/.test(await killer.sendCommand(['CLIENT', 'LIST', 'ID', String(id)])), 'BLPOP blocked');
        await killer.sendCommand(['CLIENT', 'KILL', 'ID', String(id)]);
        const { error, value } = await blocked;
        assert.ok(error, `BLPOP failed, got ${JSON.stringify(value)}`);
        // redis 4.1 reconnects whatever the strategy says (it only governs failed connects), and
        // is still connecting here: closed before it is ready, it would open a socket afterwards.
        if (victim.isOpen) await new Promise((resolve) => victim.once('ready', resolve));
        return shape(error);
      };
      const without = await disabled('redis', attempt);
      memory.clear();
      started.length = 0;
      const withUs = await attempt();
      assert.deepEqual(withUs, without);
      const span = spansOf('redis').find((s) => s.name === 'BLPOP');
      assert.ok(span, 'the BLPOP span');
      assert.equal(span.status.code, 2);
      assert.ok(span.attributes['error.type'], 'error.type');
      assertAllEnded();
    });
  });
}

for (const name of ['ioredis-oldest', 'ioredis']) describe(`${name} (${require(`${name}/package.json`).version})`, () => {
  const key = `ts-otel-run-test:lifecycle-io:${name}:${process.pid}`;
  let Redis: any;
  before(() => {
    Redis = registry.onModule('ioredis', require(name), dirname(require.resolve(`${name}/package.json`)), 'commonjs');
  });
  const client = async (options: object = {}) => {
    const c = track(new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, ...options }), (x: any) => x.disconnect());
    c.on('error', () => {});
    await c.connect();
    return c;
  };

  it('enable → disable → enable: spans, none, spans again; the same results', async (t) => {
    if (skips.redis) return t.skip(skips.redis);
    await lifecycle('ioredis', 'redis', async () => {
      const c = await client();
      const set = await c.set(`${key}:s`, 'v');
      const get = await c.get(`${key}:s`);
      const multi = await c.multi().incr(`${key}:n`).del(`${key}:n`).exec();
      const e = await settle(c.hget(`${key}:s`, 'f'));
      await c.del(`${key}:s`);
      await c.quit();
      return { set, get, multi, e: shape(e.error) };
    });
  });

  it('AUTH with a wrong password: the error reaches the program, its span has ERROR, the password appears nowhere', async (t) => {
    if (skips.redis) return t.skip(skips.redis);
    const attempt = async () => {
      const c = await client();
      const e = await settle(c.auth(PASSWORD));
      await c.quit();
      return shape(e.error);
    };
    const without = await disabled('ioredis', attempt);
    memory.clear();
    const withUs = await attempt();
    assert.match(String(withUs.message), /^ERR /);
    assert.deepEqual(withUs, without);
    const auth = spansOf('redis').filter((s) => s.name === 'AUTH');
    assert.equal(auth.length, 1);
    assert.equal(auth[0]!.status.code, 2);
    noPassword(memory.spans);
    assertAllEnded();
  });

  it('a connection killed during BLPOP: the program gets its error, the span ends with ERROR and error.type', async (t) => {
    if (skips.redis) return t.skip(skips.redis);
    const killer = await client();
    const attempt = async () => {
      // No reconnection: otherwise ioredis sends the BLPOP again and the program sees no error.
      const victim = await client({ retryStrategy: () => null });
      const id = await victim.call('CLIENT', 'ID');
      const blocked = settle(victim.blpop(`${key}:list`, 5));
      await until(async () => /\bcmd=blpop\b/.test(await killer.call('CLIENT', 'LIST', 'ID', String(id))), 'BLPOP blocked');
      await killer.call('CLIENT', 'KILL', 'ID', String(id));
      const { error, value } = await blocked;
      assert.ok(error, `BLPOP failed, got ${JSON.stringify(value)}`);
      return shape(error);
    };
    const without = await disabled('ioredis', attempt);
    memory.clear();
    started.length = 0;
    const withUs = await attempt();
    assert.deepEqual(withUs, without);
    const span = spansOf('redis').find((s) => s.name === 'BLPOP');
    assert.ok(span, 'the BLPOP span');
    assert.equal(span.status.code, 2);
    assert.ok(span.attributes['error.type'], 'error.type');
    assertAllEnded();
  });
});
