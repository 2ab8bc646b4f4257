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
 * node-redis against the Redis server on 127.0.0.1:6379: redis 5 (@redis/client 5.x), `redis-oldest`
 * (redis 4.1.0, @redis/client 1.1.0, the first to ship it) and
 * `redis4` (redis 4.7, @redis/client 1.x). The instrumentation patches @redis/client, which
 * `redis` re-exports.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */

const SECRET = 'tOp-SeCrEt-vAlUe-42';
const engine = testEngine();
const { memory } = engine;
const registry = new Registry(
  CATALOG.filter((e) => e.id === 'redis' || e.id === 'http'),
  engine.config,
  diag,
  engine.services,
);
registry.onModule('http', http, undefined, 'commonjs');
after(() => {
  registry.disable('redis');
  registry.disable('http');
});
beforeEach(() => memory.clear());

let skip: string | false = false;
before(async () => {
  skip = await serviceSkip('Redis', 6379);
});

const redisSpans = (): ReadableSpan[] => memory.spans.filter((s) => s.attributes['db.system.name'] === 'redis');
const noSecret = (span: ReadableSpan) =>
  assert.ok(!JSON.stringify(span.attributes).includes(SECRET), `no value in ${JSON.stringify(span.attributes)}`);

for (const name of ['redis-oldest', 'redis4', 'redis']) {
  const pkgDir = dirname(require.resolve(join(name, 'package.json')));
  const clientDir = dirname(require.resolve('@redis/client/package.json', { paths: [pkgDir] }));
  const clientVersion = require(join(clientDir, 'package.json')).version;
  describe(`${name} (${require(join(pkgDir, 'package.json')).version}, @redis/client ${clientVersion})`, () => {
    const prefix = `ts-otel-run-test:${name}:${process.pid}:`;
    let client: any;
    before(async () => {
      if (skip) return;
      registry.onModule('@redis/client', require(clientDir), clientDir, 'commonjs');
      client = require(pkgDir).createClient({ url: 'redis://127.0.0.1:6379' });
      await client.connect();
    });
    after(async () => {
      if (!client) return;
      const keys = await client.keys(`${prefix}*`);
      if (keys.length) await client.del(keys);
      await client.quit();
    });

    it('SET, GET, HSET: one CLIENT span each, the command and the key, never a value', async (t) => {
      if (skip) return t.skip(skip);
      memory.clear();
      assert.equal(await client.set(`${prefix}user:1`, SECRET), 'OK');
      assert.equal(await client.get(`${prefix}user:1`), SECRET);
      assert.equal(await client.hSet(`${prefix}h`, 'field', SECRET), 1);
      const spans = redisSpans();
      assert.deepEqual(spans.map((s) => s.name), ['SET', 'GET', 'HSET']);
      assert.deepEqual(spans.map((s) => s.attributes['db.query.text']), [
        `SET ${prefix}user:1 ?`,
        `GET ${prefix}user:1`,
        `HSET ${prefix}h ? ?`,
      ]);
      for (const span of spans) {
        assert.equal(span.kind, 2);
        assert.equal(span.attributes['db.operation.name'], span.name);
        assert.equal(span.attributes['db.namespace'], '0');
        assert.equal(span.attributes['server.address'], '127.0.0.1');
        assert.equal(span.attributes['server.port'], 6379);
        assert.equal(span.status.code, 0);
        noSecret(span);
      }
    });

    it('sendCommand (raw arguments) is traced too; AUTH-like arguments are never recorded', async (t) => {
      if (skip) return t.skip(skip);
      memory.clear();
      assert.equal(await client.sendCommand(['SET', `${prefix}raw`, SECRET]), 'OK');
      await assert.rejects(client.sendCommand(['AUTH', SECRET]));
      const spans = redisSpans();
      assert.deepEqual(spans.map((s) => s.attributes['db.query.text']), [`SET ${prefix}raw ?`, 'AUTH ?']);
      spans.forEach(noSecret);
    });

    it('multi/exec: one MULTI span with the batch size; the program gets its replies', async (t) => {
      if (skip) return t.skip(skip);
      memory.clear();
      const replies = await client.multi().set(`${prefix}m1`, SECRET).incr(`${prefix}m2`).get(`${prefix}m1`).exec();
      assert.deepEqual(replies, ['OK', 1, SECRET]);
      const spans = redisSpans();
      assert.equal(spans.length, 1, spans.map((s) => s.name).join(', '));
      assert.equal(spans[0]!.name, 'MULTI');
      assert.equal(spans[0]!.attributes['db.operation.name'], 'MULTI');
      assert.equal(spans[0]!.attributes['db.operation.batch.size'], 3);
      assert.equal(spans[0]!.attributes['db.query.text'], `SET ${prefix}m1 ?; INCR ${prefix}m2; GET ${prefix}m1`);
      noSecret(spans[0]!);
    });

    it('a pipeline: one PIPELINE span with the batch size', async (t) => {
      if (skip) return t.skip(skip);
      memory.clear();
      const replies = await client.multi().set(`${prefix}p1`, SECRET).get(`${prefix}p1`).execAsPipeline();
      assert.deepEqual(replies, ['OK', SECRET]);
      const spans = redisSpans();
      assert.equal(spans.length, 1, spans.map((s) => s.name).join(', '));
      assert.equal(spans[0]!.name, 'PIPELINE');
      assert.equal(spans[0]!.attributes['db.operation.name'], 'PIPELINE');
      assert.equal(spans[0]!.attributes['db.operation.batch.size'], 2);
      noSecret(spans[0]!);
    });

    it('a server error (WRONGTYPE): status ERROR, db.response.status_code and error.type; the program gets its error', async (t) => {
      if (skip) return t.skip(skip);
      await client.set(`${prefix}str`, SECRET);
      memory.clear();
      await assert.rejects(client.hGet(`${prefix}str`, 'f'), /^.*WRONGTYPE/);
      const spans = redisSpans();
      assert.equal(spans.length, 1);
      assert.equal(spans[0]!.name, 'HGET');
      assert.equal(spans[0]!.status.code, 2);
      assert.equal(spans[0]!.attributes['db.response.status_code'], 'WRONGTYPE');
      assert.equal(spans[0]!.attributes['error.type'], 'WRONGTYPE');
    });

    it('inside a request: commands are children of the request span', async (t) => {
      if (skip) return t.skip(skip);
      const server = http.createServer(async (req, res) => {
        await client.set(`${prefix}req${req.url}`, SECRET);
        const value = await client.get(`${prefix}req${req.url}`);
        await client.multi().get(`${prefix}req${req.url}`).incr(`${prefix}n`).exec();
        res.end(value);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as AddressInfo).port;
      memory.clear();
      const bodies = await Promise.all(
        ['/a', '/b'].map(
          (path) =>
            new Promise<string>((resolve, reject) =>
              http
                .get({ host: '127.0.0.1', port, path }, (res) => {
                  let body = '';
                  res.on('data', (c) => (body += c)).on('end', () => resolve(body));
                })
                .on('error', reject),
            ),
        ),
      );
      server.close();
      assert.deepEqual(bodies, [SECRET, SECRET]);
      for (const path of ['/a', '/b']) {
        const request = memory.spans.find((s) => s.kind === 1 && s.attributes['url.path'] === path)!;
        assert.ok(request, `the server span of ${path}`);
        const children = redisSpans().filter((s) => s.parentSpanId === request.spanContext().spanId);
        assert.deepEqual(children.map((s) => s.name).sort(), ['GET', 'MULTI', 'SET'], path);
      }
    });

    it('scripts of the client (scripts option): EVALSHA spans, every argument as ?', async (t) => {
      if (skip) return t.skip(skip);
      const { defineScript } = require(clientDir);
      const scripted = require(pkgDir).createClient({
        url: 'redis://127.0.0.1:6379',
        scripts: {
          // (redis 5 builds a command with parseCommand, redis 4 with transformArguments.)
          setAndGet: defineScript({
            NUMBER_OF_KEYS: 1,
            SCRIPT: "redis.call('SET', KEYS[1], ARGV[1]); return redis.call('GET', KEYS[1])",
            transformArguments: (key: string, value: string) => [key, value],
            parseCommand: (parser: any, key: string, value: string) => (parser.pushKey(key), parser.push(value)),
            transformReply: (reply: unknown) => reply,
          }),
        },
      });
      await scripted.connect();
      try {
        await scripted.sendCommand(['SCRIPT', 'FLUSH']); // so that the first call falls back to EVAL
        memory.clear();
        assert.equal(await scripted.setAndGet(`${prefix}script`, SECRET), SECRET);
        assert.equal(await scripted.setAndGet(`${prefix}script`, SECRET), SECRET);
      } finally {
        await scripted.quit();
      }
      const spans = redisSpans().filter((s) => s.name !== 'QUIT');
      if (name === 'redis') {
        // redis 5 sends every command through the public sendCommand: a span per command sent,
        // the failed EVALSHA (NOSCRIPT) and its EVAL retry included.
        assert.deepEqual(spans.map((s) => s.name), ['EVALSHA', 'EVAL', 'EVALSHA']);
        assert.equal(spans[0]!.attributes['error.type'], 'NOSCRIPT');
        assert.ok(spans.slice(1).every((s) => s.status.code === 0));
      } else {
        // redis 4: a span per script call, the NOSCRIPT retry with EVAL inside the first.
        assert.deepEqual(spans.map((s) => s.name), ['EVALSHA', 'EVALSHA']);
        assert.ok(spans.every((s) => s.status.code === 0));
      }
      for (const span of spans) assert.match(String(span.attributes['db.query.text']), /^EVAL(SHA)? \?( \?)+$/);
      spans.forEach(noSecret);
    });

    if (name !== 'redis') {
      it('legacy mode (redis 4): callback commands, HGETALL, client.v4 and a legacy multi are traced; errors reach callbacks', async (t) => {
        if (skip) return t.skip(skip);
        const legacy = require(pkgDir).createClient({ url: 'redis://127.0.0.1:6379', legacyMode: true });
        await legacy.connect();
        const call = (fn: (cb: (err: unknown, reply?: unknown) => void) => void) =>
          new Promise<unknown>((resolve, reject) => fn((err, reply) => (err ? reject(err) : resolve(reply))));
        let active: unknown = 'unset';
        const tracer = engine.tracerProvider.getTracer('app');
        try {
          memory.clear();
          await tracer.startActiveSpan('work', async (work: any) => {
            assert.equal(await call((cb) => legacy.set(`${prefix}legacy`, SECRET, cb)), 'OK');
            assert.equal(
              await call((cb) =>
                legacy.get(`${prefix}legacy`, (err: unknown, reply: unknown) => {
                  active = engine.services.trace.getSpan(engine.services.trace.contextManager.active());
                  cb(err, reply);
                }),
              ),
              SECRET,
            );
            await call((cb) => legacy.hSet(`${prefix}lh`, 'f', SECRET, cb));
            // (An object from 4.7, the raw array before: the library's own legacy transform.)
            assert.ok(JSON.stringify(await call((cb) => legacy.hGetAll(`${prefix}lh`, cb))).includes(SECRET));
            await assert.rejects(call((cb) => legacy.hGet(`${prefix}legacy`, 'f', cb)), /WRONGTYPE/);
            assert.equal(await legacy.v4.get(`${prefix}legacy`), SECRET);
            assert.equal(await legacy.v4.sendCommand(['GET', `${prefix}legacy`]), SECRET);
            const replies = await call((cb) => legacy.multi().set(`${prefix}lm`, SECRET).get(`${prefix}lm`).exec(cb));
            assert.deepEqual(replies, ['OK', SECRET]);
            work.end();
          });
          assert.equal(active, memory.spans.find((s) => s.name === 'work'), 'the callback runs in the caller context');
          // No callback: the error goes to the client's 'error' event, as without the launcher.
          const emitted = new Promise<unknown>((resolve) => legacy.once('error', resolve));
          legacy.hGet(`${prefix}legacy`, 'f');
          assert.match(String(await emitted), /WRONGTYPE/);
        } finally {
          await legacy.v4.quit();
        }
        const work = memory.spans.find((s) => s.name === 'work')!;
        const spans = redisSpans().filter((s) => s.parentSpanId === work.spanContext().spanId);
        assert.deepEqual(spans.map((s) => s.name), ['SET', 'GET', 'HSET', 'HGETALL', 'HGET', 'GET', 'GET', 'MULTI']);
        assert.equal(spans[4]!.attributes['error.type'], 'WRONGTYPE');
        assert.equal(spans[0]!.attributes['db.query.text'], `SET ${prefix}legacy ?`);
        assert.equal(redisSpans().filter((s) => s.name === 'HGET').length, 2, 'the call without a callback too');
        spans.forEach(noSecret);
      });
    }

    it('SELECT: db.namespace follows the database in use', async (t) => {
      if (skip) return t.skip(skip);
      const other = client.duplicate();
      await other.connect();
      try {
        await other.select(1);
        memory.clear();
        await other.get(`${prefix}db1`);
      } finally {
        await other.quit();
      }
      const get = redisSpans().find((s) => s.name === 'GET')!;
      assert.equal(get.attributes['db.namespace'], '1');
    });
  });
}
