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

/** TS_OTEL_RUN_MIDDLEWARE_SPANS=true: a span per middleware, nested the way the framework runs them. */

/* eslint-disable @typescript-eslint/no-explicit-any */

const engine = testEngine({ TS_OTEL_RUN_MIDDLEWARE_SPANS: 'true' });
const { memory } = engine;
const tracer = engine.tracerProvider.getTracer('app');
const registry = new Registry(
  CATALOG.filter((e) => ['http', 'express', 'koa', 'fastify'].includes(e.id)),
  engine.config,
  diag,
  engine.services,
);
registry.onModule('http', http, undefined, 'commonjs');
after(() => {
  for (const id of ['express', 'koa', 'fastify', 'http']) registry.disable(id);
});
beforeEach(() => memory.clear());

function load(module: string, name: string): any {
  return registry.onModule(module, require(name), dirname(require.resolve(join(name, 'package.json'))), 'commonjs');
}

async function once(listener: http.RequestListener, path: string): Promise<number> {
  const server = http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const status = await new Promise<number>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return status;
}

const named = (name: string): ReadableSpan => {
  const span = memory.spans.find((s) => s.name === name);
  assert.ok(span, `a span named '${name}' among ${memory.spans.map((s) => s.name).join(', ')}`);
  return span;
};
const id = (s: ReadableSpan) => s.spanContext().spanId;

for (const [name, major] of [
  ['express4', 4],
  ['express', 5],
] as const) {
  describe(`Express ${major}`, () => {
    it('layers are siblings under the server span; what a handler does nests under its layer', async () => {
      const express = load('express', name);
      const app = express();
      app.use(function logger(_req: unknown, _res: unknown, next: () => void) {
        next();
      });
      app.get('/users/:id', (req: any, res: any) => {
        tracer.startActiveSpan('load user', (s: { end(): void }) => {
          s.end();
          res.json({ id: req.params.id });
        });
      });
      assert.equal(await once(app, '/users/7'), 200);
      //   SERVER GET /users/:id
      //   ├── middleware - logger
      //   └── request handler - /users/:id
      //       └── load user
      const server = named('GET /users/:id');
      const logger = named('middleware - logger');
      const handler = named('request handler - /users/:id');
      assert.equal(logger.parentSpanId, id(server));
      assert.equal(handler.parentSpanId, id(server));
      assert.equal(named('load user').parentSpanId, id(handler));
      assert.equal(logger.attributes['express.type'], 'middleware');
      assert.equal(handler.attributes['express.type'], 'request_handler');
      assert.ok(memory.spans.every((s) => s.endTime[0] > 0), 'every span ended');
    });
  });
}

for (const [name, major] of [
  ['koa2', 2],
  ['koa', 3],
] as const) {
  describe(`Koa ${major}`, () => {
    it('middleware spans nest the way Koa runs its middleware', async () => {
      const Koa = load('koa', name);
      const { Router } = require('@koa/router');
      const app = new Koa();
      app.use(async function timing(_ctx: unknown, next: () => Promise<void>) {
        await next();
      });
      const router = new Router();
      router.get('/items/:id', async (ctx: any) => {
        await tracer.startActiveSpan('load item', async (s: { end(): void }) => {
          s.end();
        });
        ctx.body = 'item';
      });
      app.use(router.routes());
      assert.equal(await once(app.callback(), '/items/3'), 200);
      //   SERVER GET /items/:id
      //   └── middleware - timing
      //       └── router - routes
      //           └── load item
      const server = named('GET /items/:id');
      const timing = named('middleware - timing');
      const dispatch = named('router - routes');
      assert.equal(dispatch.attributes['koa.type'], 'router');
      assert.equal(timing.parentSpanId, id(server));
      assert.equal(dispatch.parentSpanId, id(timing));
      assert.equal(named('load item').parentSpanId, id(dispatch));
    });
  });
}

for (const [name, major] of [
  ['fastify4', 4],
  ['fastify', 5],
] as const) {
  describe(`Fastify ${major}`, () => {
    it('the route handler gets a span under the server span; what it does nests under it', async () => {
      const fastify = load('fastify', name);
      const app = fastify();
      app.get('/orders/:id', async (req: any) => {
        await tracer.startActiveSpan('load order', async (s: { end(): void }) => {
          s.end();
        });
        return { id: req.params.id };
      });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const port = (app.server.address() as AddressInfo).port;
      await new Promise<void>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path: '/orders/5' }, (res) => {
          res.resume();
          res.on('end', () => resolve());
        }).on('error', reject);
      });
      await app.close();
      //   SERVER GET /orders/:id
      //   └── request handler - /orders/:id
      //       └── load order
      const server = named('GET /orders/:id');
      const handler = named('request handler - /orders/:id');
      assert.equal(handler.parentSpanId, id(server));
      assert.equal(named('load order').parentSpanId, id(handler));
      assert.ok(handler.endTime[0] > 0, 'the handler span ended');
    });
  });
}
