import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { diag } from '../../src/diag';
import { CATALOG } from '../../src/instrumentation/catalog';
import { Registry } from '../../src/instrumentation/registry';
import { createPropagator, headerPropagation } from '../../src/propagation';
import type { ReadableSpan } from '../../src/trace/types';
import { testEngine } from '../helpers/engine';

/**
 * Excluded URLs, header capture and redaction, for http (server and client) and fetch, with the
 * settings as a user would give them in the environment.
 */

const propagator = createPropagator(['tracecontext']);
const propagation = headerPropagation(propagator);
const engine = testEngine(
  {
    TS_OTEL_RUN_EXCLUDED_URLS: '/health$,/metrics',
    OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST: 'X-Request-Id,authorization,x-api-key,x-multi',
    OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_RESPONSE: 'content-type,set-cookie',
    OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_CLIENT_REQUEST: 'x-request-id,cookie',
    OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_CLIENT_RESPONSE: 'content-type,x-served-by',
    OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SANITIZE_FIELDS: 'X-Api-Key',
    TS_OTEL_RUN_REDACTED_QUERY_PARAMS: 'token',
  },
  propagation,
);
const { memory } = engine;
const registry = new Registry(
  CATALOG.filter((e) => e.id === 'http' || e.id === 'undici'),
  engine.config,
  diag,
  engine.services,
);
registry.onModule('http', http, undefined, 'commonjs');
registry.startEager();

let server: http.Server;
let port: number;
before(async () => {
  server = http.createServer((req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.setHeader('set-cookie', ['a=1', 'b=2']);
    res.setHeader('x-served-by', 'test');
    res.end(`answer to ${req.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => {
  server.close();
  registry.disable('http');
  registry.disable('undici');
});
beforeEach(() => memory.clear());

function get(path: string, headers: Record<string, string | string[]> = {}, auth?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, headers, ...(auth ? { auth } : {}) }, (res) => {
        res.resume();
        res.on('end', resolve);
      })
      .on('error', reject);
  });
}

const byKind = (kind: number): ReadableSpan[] => memory.spans.filter((s) => s.kind === kind);
const server1 = () => {
  const spans = byKind(1);
  assert.equal(spans.length, 1);
  return spans[0]!;
};
const client1 = () => {
  const spans = byKind(2);
  assert.equal(spans.length, 1);
  return spans[0]!;
};

describe('excluded URLs', () => {
  it('a matching request has no server span and no client span (http and fetch)', async () => {
    await get('/health');
    await get('/metrics?format=prom');
    await (await fetch(`http://127.0.0.1:${port}/health`)).text();
    assert.deepEqual(memory.spans, []);
  });

  it('anything else is traced as usual', async () => {
    await get('/health/details');
    assert.equal(server1().attributes['url.path'], '/health/details');
    assert.equal(client1().attributes['url.full'], `http://127.0.0.1:${port}/health/details`);
  });
});

describe('header capture', () => {
  it('server request and response headers, names lower-cased, values as lists, secrets REDACTED', async () => {
    await get('/h', { 'x-request-id': 'abc-123', authorization: 'Bearer s3cret', 'x-api-key': 'k3y', 'x-multi': ['one', 'two'] });
    const a = server1().attributes;
    assert.deepEqual(a['http.request.header.x-request-id'], ['abc-123']);
    assert.deepEqual(a['http.request.header.authorization'], ['REDACTED']);
    assert.deepEqual(a['http.request.header.x-api-key'], ['REDACTED']);
    assert.deepEqual(a['http.request.header.x-multi'], ['one', 'two']);
    assert.deepEqual(a['http.response.header.content-type'], ['text/plain']);
    assert.deepEqual(a['http.response.header.set-cookie'], ['REDACTED', 'REDACTED']);
    assert.equal(JSON.stringify(memory.spans.map((s) => s.attributes)).includes('s3cret'), false);
  });

  it('http client request and response headers', async () => {
    await get('/c', { 'x-request-id': 'r-1', cookie: 'session=abc' });
    const a = client1().attributes;
    assert.deepEqual(a['http.request.header.x-request-id'], ['r-1']);
    assert.deepEqual(a['http.request.header.cookie'], ['REDACTED']);
    assert.deepEqual(a['http.response.header.content-type'], ['text/plain']);
    assert.deepEqual(a['http.response.header.x-served-by'], ['test']);
  });

  it('fetch request and response headers', async () => {
    await (await fetch(`http://127.0.0.1:${port}/f`, { headers: { 'x-request-id': 'f-1', cookie: 'session=abc' } })).text();
    const a = client1().attributes;
    assert.equal(client1().instrumentationScope.name, 'undici');
    assert.deepEqual(a['http.request.header.x-request-id'], ['f-1']);
    assert.deepEqual(a['http.request.header.cookie'], ['REDACTED']);
    assert.deepEqual(a['http.response.header.x-served-by'], ['test']);
  });

  it('headers not listed are not recorded', async () => {
    await get('/n', { 'x-other': 'no' });
    assert.equal(Object.keys(server1().attributes).some((k) => k.includes('x-other')), false);
  });
});

describe('redaction', () => {
  it('the conventions’ signed-URL parameters and the configured ones are REDACTED in url.full and url.query', async () => {
    const query = 'AWSAccessKeyId=AKIA&Signature=abc&sig=s&X-Goog-Signature=g&token=t0k&page=2';
    await get(`/r?${query}`);
    const redacted = 'AWSAccessKeyId=REDACTED&Signature=REDACTED&sig=REDACTED&X-Goog-Signature=REDACTED&token=REDACTED&page=2';
    assert.equal(server1().attributes['url.query'], redacted);
    assert.equal(client1().attributes['url.full'], `http://127.0.0.1:${port}/r?${redacted}`);
    memory.clear();
    await (await fetch(`http://127.0.0.1:${port}/r?${query}`)).text();
    assert.equal(client1().attributes['url.full'], `http://127.0.0.1:${port}/r?${redacted}`);
  });

  it('user and password never appear in url.full', async () => {
    await get('/private', {}, 'alice:pa55word');
    assert.equal(client1().attributes['url.full'], `http://127.0.0.1:${port}/private`);
    assert.equal(JSON.stringify(memory.spans.map((s) => s.attributes)).includes('pa55word'), false);
  });
});
