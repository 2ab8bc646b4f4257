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
 * Express 4 and 5 (both installed as dev dependencies: `express4` is Express 4 under another name),
 * patched through the registry together with http, serving real requests on 127.0.0.1.
 */

const engine = testEngine();
const { memory } = engine;
const registry = new Registry(
  CATALOG.filter((e) => e.id === 'http' || e.id === 'express'),
  engine.config,
  diag,
  engine.services,
);
registry.onModule('http', http, undefined, 'commonjs');
after(() => {
  registry.disable('express');
  registry.disable('http');
});
beforeEach(() => memory.clear());

// Express's own error handler logs to stderr outside production; keep the test output readable.
process.env.NODE_ENV = 'test';
const originalError = console.error;
console.error = () => {};
after(() => {
  console.error = originalError;
});

/** Loads an Express copy and hands it to the registry as the require hook would. */
function load(name: string): any { // eslint-disable-line @typescript-eslint/no-explicit-any
  const exports = require(name);
  const baseDir = dirname(require.resolve(join(name, 'package.json')));
  return registry.onModule('express', exports, baseDir, 'commonjs');
}

async function serve(app: http.RequestListener, paths: string[]): Promise<number[]> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const statuses: number[] = [];
  for (const path of paths) {
    statuses.push(
      await new Promise<number>((resolve, reject) => {
        http
          .get(`${base}${path}`, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          })
          .on('error', reject);
      }),
    );
  }
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return statuses;
}

const serverSpan = (path: string): ReadableSpan => {
  const span = memory.spans.find((s) => s.kind === 1 && s.attributes['url.path'] === path);
  assert.ok(span, `a server span for ${path}`);
  return span;
};

for (const [name, major] of [
  ['express4', 4],
  ['express', 5],
] as const) {
  describe(`Express ${major}`, () => {
    const express = load(name);

    function app() {
      const a = express();
      const api = express.Router();
      const users = express.Router({ mergeParams: true });
      users.get('/:id', (req: any, res: any) => res.json({ id: req.params.id })); // eslint-disable-line @typescript-eslint/no-explicit-any
      api.use('/users', users);
      api.get('/boom', () => {
        throw new TypeError('thrown in a handler');
      });
      api.get('/next-error', (_req: unknown, _res: unknown, next: (e: unknown) => void) => next(new RangeError('passed to next')));
      a.use('/api', api);
      a.get('/handled', () => {
        throw new SyntaxError('handled by the program');
      });
      a.get('/skip', (_req: unknown, _res: unknown, next: (e: unknown) => void) => next('route'));
      a.get('/skip', (_req: unknown, res: any) => res.send('second')); // eslint-disable-line @typescript-eslint/no-explicit-any
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      a.use((err: any, req: any, res: any, next: any) => {
        if (req.path === '/handled') res.status(422).send('handled');
        else next(err);
      });
      return a;
    }

    it('the matched route, through nested routers, names the span and sets http.route', async () => {
      assert.deepEqual(await serve(app(), ['/api/users/42', '/api/users/7']), [200, 200]);
      for (const path of ['/api/users/42', '/api/users/7']) {
        const span = serverSpan(path);
        assert.equal(span.name, 'GET /api/users/:id');
        assert.equal(span.attributes['http.route'], '/api/users/:id');
      }
      assert.ok(memory.spans.every((s) => !s.name.includes('42')), 'parameter values never in a name');
    });

    it('an error thrown in a handler: exception event, error.type, ERROR; Express still answers 500', async () => {
      assert.deepEqual(await serve(app(), ['/api/boom']), [500]);
      const span = serverSpan('/api/boom');
      assert.equal(span.name, 'GET /api/boom');
      assert.equal(span.attributes['error.type'], 'TypeError');
      assert.equal(span.status.code, 2);
      assert.equal(span.events[0]?.name, 'exception');
      assert.equal(span.events[0]?.attributes['exception.message'], 'thrown in a handler');
      assert.equal(span.attributes['http.response.status_code'], 500);
    });

    it('an error passed to next() is recorded once', async () => {
      assert.deepEqual(await serve(app(), ['/api/next-error']), [500]);
      const span = serverSpan('/api/next-error');
      assert.equal(span.attributes['error.type'], 'RangeError');
      assert.equal(span.events.filter((e) => e.name === 'exception').length, 1);
    });

    it('an error the program handles: recorded, and the program’s own answer goes out unchanged', async () => {
      assert.deepEqual(await serve(app(), ['/handled']), [422]);
      const span = serverSpan('/handled');
      assert.equal(span.attributes['error.type'], 'SyntaxError');
      assert.equal(span.attributes['http.response.status_code'], 422);
    });

    it("next('route') is not an error; the route that answers names the span", async () => {
      assert.deepEqual(await serve(app(), ['/skip']), [200]);
      const span = serverSpan('/skip');
      assert.equal(span.name, 'GET /skip');
      assert.equal(span.events.length, 0);
      assert.equal(span.status.code, 0);
    });

    it('no route matched (404): the span keeps its method-only name', async () => {
      assert.deepEqual(await serve(app(), ['/nothing/here']), [404]);
      const span = serverSpan('/nothing/here');
      assert.equal(span.name, 'GET');
      assert.equal(span.attributes['http.route'], undefined);
    });

    if (major === 5) {
      it('a rejected async handler (Express 5) is recorded', async () => {
        const a = express();
        a.get('/async/:id', async () => {
          throw new URIError('rejected');
        });
        assert.deepEqual(await serve(a, ['/async/1']), [500]);
        const span = serverSpan('/async/1');
        assert.equal(span.name, 'GET /async/:id');
        assert.equal(span.attributes['error.type'], 'URIError');
      });
    }
  });
}

describe('enable → disable → enable', () => {
  it('no route names while disabled, again after', async () => {
    const express = load('express');
    const make = () => {
      const a = express();
      a.get('/items/:id', (_req: unknown, res: any) => res.send('ok')); // eslint-disable-line @typescript-eslint/no-explicit-any
      return a;
    };
    registry.disable('express');
    await serve(make(), ['/items/1']);
    assert.equal(serverSpan('/items/1').name, 'GET');
    memory.clear();
    registry.enable('express');
    await serve(make(), ['/items/2']);
    assert.equal(serverSpan('/items/2').name, 'GET /items/:id');
  });
});
