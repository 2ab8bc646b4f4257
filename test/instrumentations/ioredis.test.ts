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
 * ioredis against the Redis server on 127.0.0.1:6379, on the oldest and the newest ioredis 5
 * (`ioredis-oldest` is ioredis 5.0.0 under another name).
 */

/* eslint-disable @typescript-eslint/no-explicit-any */

const SECRET = 'tOp-SeCrEt-vAlUe-42';
const engine = testEngine();
const { memory } = engine;
const registry = new Registry(
  CATALOG.filter((e) => e.id === 'ioredis' || e.id === 'http'),
  engine.config,
  diag,
  engine.services,
);
registry.onModule('http', http, undefined, 'commonjs');
after(() => {
  registry.disable('ioredis');
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

for (const name of ['ioredis-oldest', 'ioredis']) {
  describe(`${name} (${require(`${name}/package.json`).version})`, () => {
    const prefix = `ts-otel-run-test:${name}:${process.pid}:`;
    let Redis: any;
    let client: any;
    before(async () => {
      if (skip) return;
      Redis = registry.onModule('ioredis', require(name), dirname(require.resolve(join(name, 'package.json'))), 'commonjs');
      client = new Redis({ host: '127.0.0.1', port: 6379 });
      await client.ping();
    });
    after(async () => {
      if (!client) return;
      const keys = await client.keys(`${prefix}*`);
      if (keys.length) await client.del(...keys);
      await client.quit();
    });

    it('SET, GET, HSET: one CLIENT span each, the command and the key, never a value', async (t) => {
      if (skip) return t.skip(skip);
      memory.clear();
      assert.equal(await client.set(`${prefix}user:1`, SECRET), 'OK');
      assert.equal(await client.get(`${prefix}user:1`), SECRET);
      assert.equal(await client.hset(`${prefix}h`, 'field', SECRET), 1);
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

    it('callbacks: the span, and the callback gets its result', async (t) => {
      if (skip) return t.skip(skip);
      memory.clear();
      const value = await new Promise((resolve, reject) =>
        client.set(`${prefix}cb`, SECRET, (err: unknown) =>
          err ? reject(err) : client.get(`${prefix}cb`, (e: unknown, v: unknown) => (e ? reject(e) : resolve(v))),
        ),
      );
      assert.equal(value, SECRET);
      assert.deepEqual(redisSpans().map((s) => s.attributes['db.query.text']), [`SET ${prefix}cb ?`, `GET ${prefix}cb`]);
    });

    it('multi/exec: one MULTI span with the batch size; the program gets its replies', async (t) => {
      if (skip) return t.skip(skip);
      memory.clear();
      const replies = await client.multi().set(`${prefix}m1`, SECRET).incr(`${prefix}m2`).get(`${prefix}m1`).exec();
      assert.deepEqual(replies, [[null, 'OK'], [null, 1], [null, SECRET]]);
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
      const replies = await client.pipeline().set(`${prefix}p1`, SECRET).get(`${prefix}p1`).exec();
      assert.deepEqual(replies, [[null, 'OK'], [null, SECRET]]);
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
      await assert.rejects(client.hget(`${prefix}str`, 'f'), /WRONGTYPE/);
      const spans = redisSpans();
      assert.equal(spans.length, 1);
      assert.equal(spans[0]!.name, 'HGET');
      assert.equal(spans[0]!.status.code, 2);
      assert.equal(spans[0]!.attributes['db.response.status_code'], 'WRONGTYPE');
      assert.equal(spans[0]!.attributes['error.type'], 'WRONGTYPE');
    });

    it('inside a request: commands (promises, callbacks, a pipeline) are children of the request span', async (t) => {
      if (skip) return t.skip(skip);
      const server = http.createServer(async (req, res) => {
        await client.set(`${prefix}req${req.url}`, SECRET);
        await client.pipeline().get(`${prefix}req${req.url}`).incr(`${prefix}n`).exec();
        client.get(`${prefix}req${req.url}`, (_err: unknown, value: string) => res.end(value));
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
        assert.deepEqual(children.map((s) => s.name).sort(), ['GET', 'PIPELINE', 'SET'], path);
      }
    });

    it('commands queued before the connection is ready: traced once, db.namespace from the db option', async (t) => {
      if (skip) return t.skip(skip);
      const other = new Redis({ host: '127.0.0.1', port: 6379, db: 1 });
      memory.clear();
      try {
        assert.equal(await other.get(`${prefix}early`), null);
      } finally {
        await other.quit();
      }
      const gets = redisSpans().filter((s) => s.name === 'GET');
      assert.equal(gets.length, 1);
      assert.equal(gets[0]!.attributes['db.namespace'], '1');
    });
  });
}
