import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { diag } from '../../src/diag';
import { CATALOG } from '../../src/instrumentation/catalog';
import { Registry } from '../../src/instrumentation/registry';
import type { ReadableSpan } from '../../src/trace/types';
import { testEngine } from '../helpers/engine';

/**
 * Fastify 4 and 5, Koa 2 and 3 with @koa/router (each installed as a dev dependency; `fastify4`
 * and `koa2` are the older majors under other names), patched through the registry with http.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */

const engine = testEngine();
const { memory } = engine;
const registry = new Registry(
  CATALOG.filter((e) => ['http', 'fastify', 'koa'].includes(e.id)),
  engine.config,
  diag,
  engine.services,
);
registry.onModule('http', http, undefined, 'commonjs');
after(() => {
  for (const id of ['fastify', 'koa', 'http']) registry.disable(id);
});
beforeEach(() => memory.clear());

function load(module: string, name: string): any {
  const exports = require(name);
  const baseDir = dirname(require.resolve(join(name, 'package.json')));
  return registry.onModule(module, exports, baseDir, 'commonjs');
}

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

const serverSpan = (path: string): ReadableSpan => {
  const span = memory.spans.find((s) => s.kind === 1 && s.attributes['url.path'] === path);
  assert.ok(span, `a server span for ${path}`);
  return span;
};

for (const [name, major] of [
  ['fastify4', 4],
  ['fastify', 5],
] as const) {
  describe(`Fastify ${major}`, () => {
    const fastify = load('fastify', name);
    let port = 0;
    let app: any;
    const start = async () => {
      app = fastify();
      app.get('/users/:id', async (req: any) => ({ id: req.params.id }));
      app.get('/boom', async () => {
        throw new TypeError('thrown in a handler');
      });
      app.register(
        async (child: any) => {
          child.get('/items/:itemId', async () => 'item');
        },
        { prefix: '/v1' },
      );
      await app.listen({ port: 0, host: '127.0.0.1' });
      port = (app.server.address() as AddressInfo).port;
    };
    after(() => app?.close());

    it('the route, prefixes included, names the span', async () => {
      await start();
      assert.equal(await get(port, '/users/42'), 200);
      assert.equal(await get(port, '/v1/items/9'), 200);
      assert.equal(serverSpan('/users/42').name, 'GET /users/:id');
      assert.equal(serverSpan('/users/42').attributes['http.route'], '/users/:id');
      assert.equal(serverSpan('/v1/items/9').name, 'GET /v1/items/:itemId');
    });

    it('a handler error: recorded, and Fastify answers 500 as it always does', async () => {
      assert.equal(await get(port, '/boom'), 500);
      const span = serverSpan('/boom');
      assert.equal(span.name, 'GET /boom');
      assert.equal(span.attributes['error.type'], 'TypeError');
      assert.equal(span.events[0]?.attributes['exception.message'], 'thrown in a handler');
    });

    it('the factory is still reachable as .fastify and .default', () => {
      assert.equal(typeof fastify.fastify, 'function');
      assert.equal(fastify.default, fastify);
    });
  });
}

for (const [name, major] of [
  ['koa2', 2],
  ['koa', 3],
] as const) {
  describe(`Koa ${major} with @koa/router`, () => {
    const Koa = load('koa', name);
    const { Router } = require('@koa/router');
    let server: http.Server;
    let port = 0;
    const start = async () => {
      const app = new Koa();
      app.use(async (ctx: any, next: () => Promise<void>) => {
        try {
          await next();
        } catch (err: any) {
          ctx.status = 418;
          ctx.body = `caught ${err.message}`;
        }
      });
      const router = new Router({ prefix: '/api' });
      router.get('/users/:id', (ctx: any) => {
        ctx.body = { id: ctx.params.id };
      });
      router.get('/boom', () => {
        throw new RangeError('thrown in a route');
      });
      app.use(router.routes());
      server = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      port = (server.address() as AddressInfo).port;
    };
    after(() => server?.close());

    it('the matched route, router prefix included, names the span', async () => {
      await start();
      assert.equal(await get(port, '/api/users/42'), 200);
      const span = serverSpan('/api/users/42');
      assert.equal(span.name, 'GET /api/users/:id');
      assert.equal(span.attributes['http.route'], '/api/users/:id');
    });

    it('an error the program’s own middleware catches is still recorded; its answer goes out', async () => {
      assert.equal(await get(port, '/api/boom'), 418);
      const span = serverSpan('/api/boom');
      assert.equal(span.attributes['error.type'], 'RangeError');
      assert.equal(span.events.filter((e) => e.name === 'exception').length, 1);
    });

    it('no route matched: the span keeps its method-only name', async () => {
      assert.equal(await get(port, '/nowhere'), 404);
      assert.equal(serverSpan('/nowhere').name, 'GET');
    });
  });
}
