import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { diag } from '../../src/diag';
import { CATALOG } from '../../src/instrumentation/catalog';
import { Registry } from '../../src/instrumentation/registry';
import { isWrapped, originalOf } from '../../src/instrumentation/shimmer';
import { createPropagator, headerPropagation } from '../../src/propagation';
import type { ReadableSpan } from '../../src/trace/types';
import type { HistogramDataPoint } from '../../src/metrics/types';
import { metricOf, testEngine } from '../helpers/engine';

/**
 * fetch and the undici package, in this process: the catalog entry's trigger on the global fetch,
 * undici's diagnostics channels, a real server on 127.0.0.1. The http instrumentation is not
 * loaded here, so every span in `memory` comes from the undici instrumentation.
 */

const propagator = createPropagator(['tracecontext', 'baggage']);
const propagation = headerPropagation(propagator);
const engine = testEngine({}, propagation);
const { memory, contextManager, trace } = engine;
const originalFetch = globalThis.fetch;
const registry = new Registry(
  CATALOG.filter((e) => e.id === 'undici'),
  engine.config,
  diag,
  engine.services,
);

const CLIENT = 2;
const ERROR = 2;

let server: http.Server;
let base: string;
const seenHeaders: http.IncomingHttpHeaders[] = [];

before(async () => {
  server = http.createServer((req, res) => {
    seenHeaders.push(req.headers);
    if (req.url?.startsWith('/redirect/')) {
      const left = Number(req.url.slice('/redirect/'.length));
      res.writeHead(302, { location: left > 1 ? `/redirect/${left - 1}` : '/landed' });
      res.end('moved');
      return;
    }
    res.statusCode = req.url === '/missing' ? 404 : req.url === '/broken' ? 503 : 200;
    res.end(`answer to ${req.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  registry.disable('undici');
  globalThis.fetch = originalFetch;
  server.close();
});
beforeEach(() => {
  memory.clear();
  seenHeaders.length = 0;
});

const clientSpans = () => memory.spans.filter((s) => s.kind === CLIENT);
const only = (): ReadableSpan => {
  const spans = clientSpans();
  assert.equal(spans.length, 1, `one client span, got ${spans.map((s) => s.name).join(', ')}`);
  return spans[0]!;
};

describe('loading on the first call of the global fetch', () => {
  it('fetch is the original until startEager, a trigger after it, the instrumentation’s after one call', async () => {
    assert.equal(globalThis.fetch, originalFetch);
    registry.startEager();
    assert.notEqual(globalThis.fetch, originalFetch);
    assert.equal(globalThis.fetch.name, 'fetch');
    const res = await fetch(`${base}/first`);
    assert.equal(await res.text(), 'answer to /first');
    // The trigger is gone; what stays marks fetch calls for redirects, and is undone with the rest.
    assert.ok(isWrapped(globalThis.fetch));
    assert.equal(originalOf(globalThis.fetch), originalFetch);
    // The first call is traced already: the channels were subscribed before it ran.
    assert.equal(only().attributes['url.full'], `${base}/first`);
  });
});

describe('fetch', () => {
  it('one CLIENT span with the stable HTTP attributes', async () => {
    const res = await fetch(`${base}/users/42?q=1`);
    await res.text();
    const span = only();
    assert.equal(span.name, 'GET');
    assert.equal(span.instrumentationScope.name, 'undici');
    assert.equal(span.attributes['http.request.method'], 'GET');
    assert.equal(span.attributes['url.full'], `${base}/users/42?q=1`);
    assert.equal(span.attributes['server.address'], '127.0.0.1');
    assert.equal(span.attributes['server.port'], Number(new URL(base).port));
    assert.equal(span.attributes['http.response.status_code'], 200);
    assert.equal(span.status.code, 0);
  });

  it('a child of the active span, and the server gets its traceparent', async () => {
    const parent = engine.tracerProvider.getTracer('t').startSpan('parent');
    await contextManager.with(trace.setSpan(contextManager.active(), parent), async () => {
      await (await fetch(`${base}/child`)).text();
    });
    parent.end();
    const span = only();
    assert.equal(span.parentSpanId, parent.spanContext().spanId);
    assert.equal(span.spanContext().traceId, parent.spanContext().traceId);
    assert.equal(seenHeaders[0]!.traceparent, `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
  });

  it('4xx and 5xx mark the span as an error with error.type', async () => {
    for (const [path, status] of [['/missing', 404], ['/broken', 503]] as const) {
      memory.clear();
      await (await fetch(`${base}${path}`)).text();
      const span = only();
      assert.equal(span.attributes['http.response.status_code'], status);
      assert.equal(span.attributes['error.type'], String(status));
      assert.equal(span.status.code, ERROR);
    }
  });

  it('http.client.request.duration: one measurement per fetch (its redirects included), by status', async () => {
    const counts = async () => {
      const m = metricOf(await engine.collectMetrics(), 'http.client.request.duration');
      const out = new Map<string, number>();
      for (const p of (m?.points ?? []) as HistogramDataPoint[]) {
        const key = `${p.attributes['http.response.status_code']}|${p.attributes['error.type'] ?? ''}|${p.attributes['url.scheme']}|${p.attributes['server.address']}`;
        out.set(key, (out.get(key) ?? 0) + p.count);
      }
      return out;
    };
    const before = await counts();
    await (await fetch(`${base}/ok`)).text();
    await (await fetch(`${base}/redirect/2`)).text();
    await (await fetch(`${base}/missing`)).text();
    const after = await counts();
    const delta = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
    assert.equal(delta('200||http|127.0.0.1'), 2, 'the redirected fetch is one measurement');
    assert.equal(delta('404|404|http|127.0.0.1'), 1);
  });

  it('a refused connection: an ERROR span with the error code, and fetch still rejects as it would', async () => {
    const refused = http.createServer();
    await new Promise<void>((resolve) => refused.listen(0, '127.0.0.1', resolve));
    const port = (refused.address() as AddressInfo).port;
    await new Promise<void>((resolve) => refused.close(() => resolve()));
    await assert.rejects(fetch(`http://127.0.0.1:${port}/`), /fetch failed/);
    const span = only();
    assert.equal(span.status.code, ERROR);
    assert.equal(span.attributes['error.type'], 'ECONNREFUSED');
    assert.equal(span.events[0]?.name, 'exception');
  });

  it('an unknown method is _OTHER with the original kept; a lower-case one is upper-cased', async () => {
    await (await fetch(`${base}/m`, { method: 'patch' })).text();
    const span = only();
    assert.equal(span.attributes['http.request.method'], 'PATCH');
    assert.equal(span.attributes['http.request.method_original'], 'patch');
  });

  it('a traceparent the program set itself is left alone, never doubled', async () => {
    const own = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await (await fetch(`${base}/own`, { headers: { traceparent: own } })).text();
    assert.equal(seenHeaders[0]!.traceparent, own);
  });

  it('with tracing suppressed (the exporters’ own traffic) there is no span', async () => {
    await contextManager.with(trace.suppressTracing(contextManager.active()), async () => {
      await (await fetch(`${base}/quiet`)).text();
    });
    assert.equal(clientSpans().length, 0);
    assert.equal(seenHeaders[0]!.traceparent, undefined);
  });

  it('redirects followed: one span for the fetch, resend_count, and every hop carries its context', async () => {
    const res = await fetch(`${base}/redirect/2`);
    assert.equal(await res.text(), 'answer to /landed');
    assert.equal(res.redirected, true);
    const span = only();
    assert.equal(span.attributes['url.full'], `${base}/redirect/2`);
    assert.equal(span.attributes['http.response.status_code'], 200);
    assert.equal(span.attributes['http.request.resend_count'], 2);
    assert.equal(span.status.code, 0);
    assert.equal(seenHeaders.length, 3);
    const traceparent = `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`;
    for (const h of seenHeaders) assert.equal(h.traceparent, traceparent);
  });

  it("redirect: 'manual': the 3xx is the answer, and the span ends with it", async () => {
    const res = await fetch(`${base}/redirect/1`, { redirect: 'manual' });
    await res.text();
    const span = only();
    assert.equal(span.attributes['http.response.status_code'], 302);
    assert.equal(span.attributes['http.request.resend_count'], undefined);
  });

  it('keep-alive: sequential and concurrent fetches each get their own span', async () => {
    await Promise.all([fetch(`${base}/k1`), fetch(`${base}/k2`), fetch(`${base}/k3`)].map(async (p) => (await p).text()));
    await (await fetch(`${base}/k4`)).text();
    const urls = clientSpans().map((s) => String(s.attributes['url.full']).slice(base.length)).sort();
    assert.deepEqual(urls, ['/k1', '/k2', '/k3', '/k4']);
    assert.equal(new Set(clientSpans().map((s) => s.spanContext().spanId)).size, 4);
  });

  it('disable → no spans and no headers; enable → spans again', async () => {
    registry.disable('undici');
    assert.equal(globalThis.fetch, originalFetch);
    await (await fetch(`${base}/off`)).text();
    assert.equal(clientSpans().length, 0);
    assert.equal(seenHeaders[0]!.traceparent, undefined);
    registry.enable('undici');
    await (await fetch(`${base}/on`)).text();
    assert.equal(only().attributes['url.full'], `${base}/on`);
  });
});

describe('the undici package, oldest to newest supported major', () => {
  // undici5 and undici7 are undici 5 and 7 installed under other names; undici is 6.
  for (const name of ['undici5', 'undici', 'undici7']) {
    it(`${name}: request and fetch get one CLIENT span each, with the context injected`, async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const undici = require(name) as typeof import('undici');
      const baseDir = require('node:path').dirname(require.resolve(`${name}/package.json`));
      registry.onModule('undici', undici, baseDir, 'commonjs');
      const { body, statusCode } = await undici.request(`${base}/pkg-request`);
      await body.text();
      assert.equal(statusCode, 200);
      await (await undici.fetch(`${base}/pkg-fetch`)).text();
      const urls = clientSpans().map((s) => s.attributes['url.full']);
      assert.deepEqual(urls, [`${base}/pkg-request`, `${base}/pkg-fetch`]);
      assert.ok(seenHeaders.every((h) => typeof h.traceparent === 'string'));
    });
  }
});
