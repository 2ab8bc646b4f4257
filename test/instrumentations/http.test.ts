import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { join, resolve } from 'node:path';
import * as tls from 'node:tls';
import { after, afterEach, describe, it } from 'node:test';
import { diag } from '../../src/diag';
import { CATALOG } from '../../src/instrumentation/catalog';
import { Registry } from '../../src/instrumentation/registry';
import { isWrapped } from '../../src/instrumentation/shimmer';
import {
  createBaggage,
  createPropagator,
  getBaggage,
  headerPropagation,
  setBaggage,
} from '../../src/propagation';
import { ORIGINAL } from '../../src/symbols';
import type { ReadableSpan } from '../../src/trace/types';
import { testEngine } from '../helpers/engine';
import { freePort } from '../helpers/run';

/**
 * The http/https instrumentation in this process: the real builtin modules are patched through a
 * Registry, as the require hook would do, and real servers and clients talk over 127.0.0.1.
 * Every span lands in `memory`. Tests in this file share the process and the patched modules.
 */

// ---------------------------------------------------------------------------------------------
// The engine and the patched modules
// ---------------------------------------------------------------------------------------------

const propagator = createPropagator(['tracecontext', 'baggage']);
const propagation = headerPropagation(propagator);
const engine = testEngine({}, propagation);
const { memory, contextManager, trace } = engine;
const tracer = engine.tracerProvider.getTracer('http-test');
const registry = new Registry(
  CATALOG.filter((e) => e.id === 'http'),
  engine.config,
  diag,
  engine.services,
);
registry.onModule('http', http, undefined, 'commonjs');
registry.onModule('https', https, undefined, 'commonjs');
after(() => registry.disable('http'));

const FIXTURES = resolve(__dirname, '..', '..', '..', 'test', 'instrumentations', 'fixtures');
const CERT = readFileSync(join(FIXTURES, 'localhost-cert.pem'));
const KEY = readFileSync(join(FIXTURES, 'localhost-key.pem'));

const SERVER = 1;
const CLIENT = 2;
const UNSET = 0;
const ERROR = 2;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** Every test gets a generous time limit: a span that never ends shows as a timeout. */
const test = (name: string, fn: (t: { skip(message?: string): void }) => Promise<void> | void) =>
  it(name, { timeout: 15_000 }, fn);

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const open = new Set<http.Server | https.Server>();
afterEach(() => {
  for (const server of open) {
    server.closeAllConnections();
    server.close();
  }
  open.clear();
  memory.clear();
});

interface Listening {
  server: http.Server;
  port: number;
  origin: string;
}

async function serve(handler: Handler, options: { tls?: boolean; host?: string } = {}): Promise<Listening> {
  const server = options.tls ? https.createServer({ key: KEY, cert: CERT }, handler) : http.createServer(handler);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((done) => server.listen(0, host, done));
  open.add(server);
  const { port } = server.address() as net.AddressInfo;
  const origin = `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return { server, port, origin };
}

/** Answers with what it received: method, url, headers and body, as JSON. */
const echo: Handler = (req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }));
  });
};

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface Reply {
  status: number;
  message: string | undefined;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function read(res: http.IncomingMessage): Promise<Reply> {
  return new Promise((resolvePromise, reject) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (body += chunk));
    res.on('end', () => resolvePromise({ status: res.statusCode!, message: res.statusMessage, headers: res.headers, body }));
    res.on('error', reject);
  });
}

/** `start` makes a request with the callback it is given (and ends it if it must). */
function call(start: (callback: (res: http.IncomingMessage) => void) => http.ClientRequest): Promise<Reply> {
  return new Promise((resolvePromise, reject) => {
    const req = start((res) => read(res).then(resolvePromise, reject));
    req.on('error', reject);
  });
}

const seenBy = (reply: Reply) => JSON.parse(reply.body) as Seen;

/** Waits until `check` gives something truthy. A condition that never comes true fails by the test's timeout. */
async function until<T>(check: () => T | undefined | null | false | 0): Promise<T> {
  for (;;) {
    const value = check();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 2));
  }
}

const ofKind = (kind: number) => memory.spans.filter((s) => s.kind === kind);

/** Waits for at least that many server and client spans, and returns all of them. */
async function spans(servers: number, clients: number): Promise<{ server: ReadableSpan[]; client: ReadableSpan[] }> {
  await until(() => ofKind(SERVER).length >= servers && ofKind(CLIENT).length >= clients);
  return { server: ofKind(SERVER), client: ofKind(CLIENT) };
}

const attrs = (span: ReadableSpan) => ({ ...span.attributes });
const activeSpanId = () => trace.getSpan(contextManager.active())?.spanContext().spanId;
const traceparentOf = (span: ReadableSpan) => `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`;

/** A port on 127.0.0.1 that nobody listens on. */

async function canListen(host: string): Promise<boolean> {
  const probe = net.createServer();
  return new Promise((done) => {
    probe.once('error', () => done(false));
    probe.listen(0, host, () => probe.close(() => done(true)));
  });
}

/** Writes `text` on a raw connection and resolves with everything the server answers. */
function raw(port: number, text: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => resolvePromise(answer));
    socket.on('error', reject);
    socket.write(text);
  });
}

/** Runs `fn` with tracing suppressed, as the exporters run their own requests. */
const suppressed = <R>(fn: () => R): R => contextManager.with(trace.suppressTracing(contextManager.active()), fn);

/** Runs `fn` with `span` active. */
const within = <R>(span: Parameters<typeof trace.setSpan>[1], fn: () => R): R =>
  contextManager.with(trace.setSpan(contextManager.active(), span), fn);

type AnyRequest = (...args: unknown[]) => http.ClientRequest;
const anyGet = (...args: unknown[]) => (http.get as unknown as AnyRequest)(...args);
const anyRequest = (...args: unknown[]) => (http.request as unknown as AnyRequest)(...args);

/** An agent whose every connection goes to `port` on 127.0.0.1, whatever the request's port. */
class RedirectingAgent extends http.Agent {
  constructor(private readonly to: number) {
    super();
  }
  override createConnection(): net.Socket {
    return net.connect(this.to, '127.0.0.1');
  }
}

class RedirectingTlsAgent extends https.Agent {
  constructor(private readonly to: number) {
    super();
  }
  override createConnection(): net.Socket {
    return tls.connect({ port: this.to, host: '127.0.0.1', ca: CERT });
  }
}

// =============================================================================================
// Server spans
// =============================================================================================

describe('server spans', () => {
  test('a GET: name, kind, and the stable HTTP attributes', async () => {
    const { port, origin } = await serve((_req, res) => res.end('ok'));
    let clientPort = 0;
    const reply = await call((cb) =>
      http.get(`${origin}/a/b?x=1&y=two`, { headers: { 'user-agent': 'probe/1.0' } }, (res) => {
        clientPort = res.socket.localPort!;
        cb(res);
      }),
    );
    assert.equal(reply.body, 'ok');
    const { server } = await spans(1, 1);
    assert.equal(server.length, 1);
    const span = server[0]!;
    assert.equal(span.name, 'GET');
    assert.equal(span.kind, SERVER);
    assert.equal(span.instrumentationScope.name, 'http');
    assert.deepEqual(span.status, { code: UNSET });
    assert.deepEqual(attrs(span), {
      'http.request.method': 'GET',
      'url.path': '/a/b',
      'url.query': 'x=1&y=two',
      'url.scheme': 'http',
      'network.protocol.version': '1.1',
      'server.address': '127.0.0.1',
      'server.port': port,
      'network.peer.address': '127.0.0.1',
      'network.peer.port': clientPort,
      'client.address': '127.0.0.1',
      'user_agent.original': 'probe/1.0',
      'http.response.status_code': 200,
    });
  });

  test('a path without a query has no url.query', async () => {
    const { origin } = await serve((_req, res) => res.end());
    await call((cb) => http.get(`${origin}/plain`, cb));
    const { server } = await spans(1, 1);
    assert.equal(server[0]!.attributes['url.path'], '/plain');
    assert.equal('url.query' in server[0]!.attributes, false);
  });

  test('an unknown method: span name HTTP, http.request.method _OTHER and the original', async () => {
    const { port } = await serve(echo);
    const reply = await call((cb) => http.request({ host: '127.0.0.1', port, method: 'PURGE', path: '/cache' }, cb).end());
    assert.equal(seenBy(reply).method, 'PURGE');
    const { server, client } = await spans(1, 1);
    for (const span of [server[0]!, client[0]!]) {
      assert.equal(span.name, 'HTTP');
      assert.equal(span.attributes['http.request.method'], '_OTHER');
      assert.equal(span.attributes['http.request.method_original'], 'PURGE');
    }
  });

  test('a method the program wrote in lower case is sent upper-case: no method_original', async () => {
    const { port } = await serve(echo);
    const reply = await call((cb) => http.request({ host: '127.0.0.1', port, method: 'post', path: '/lower' }, cb).end('x'));
    assert.equal(seenBy(reply).method, 'POST');
    const { server, client } = await spans(1, 1);
    for (const span of [server[0]!, client[0]!]) {
      assert.equal(span.name, 'POST');
      assert.equal(span.attributes['http.request.method'], 'POST');
      assert.equal('http.request.method_original' in span.attributes, false, `${span.kind}`);
    }
  });

  test('server.address and server.port come from the Host header, [IPv6]:port included', async () => {
    const { port } = await serve((_req, res) => res.end());
    const hosts: [string, string, number][] = [
      ['example.com:8080', 'example.com', 8080],
      ['example.com', 'example.com', 80],
      ['[2001:db8::1]:8443', '2001:db8::1', 8443],
      ['[::1]', '::1', 80],
    ];
    // Suppressed: no client spans and no trace headers, only what the test sends.
    for (const [host] of hosts) {
      await suppressed(() => call((cb) => http.get({ host: '127.0.0.1', port, path: `/${host}`, headers: { host } }, cb)));
    }
    const { server } = await spans(hosts.length, 0);
    for (const [host, address, hostPort] of hosts) {
      const span = server.find((s) => s.attributes['url.path'] === `/${host}`)!;
      assert.equal(span.attributes['server.address'], address, host);
      assert.equal(span.attributes['server.port'], hostPort, host);
    }
    assert.equal(ofKind(CLIENT).length, 0);
  });

  test('a Host header with a port that is not a number gives no NaN port', async () => {
    const { port } = await serve((_req, res) => res.end());
    for (const host of ['[::1]:junk', 'example.com:junk']) {
      await raw(port, `GET /h HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    }
    const { server } = await spans(2, 0);
    for (const span of server) {
      const p = span.attributes['server.port'];
      assert.ok(p === undefined || Number.isInteger(p), `server.port ${String(p)} for ${span.attributes['server.address']}`);
    }
    assert.deepEqual(server.map((s) => s.attributes['server.address']).sort(), ['::1', 'example.com']);
  });

  test('a request target in absolute form: url.path and url.query are those of its URL', async () => {
    const { port } = await serve((req, res) => res.end(req.url));
    const answer = await raw(port, 'GET http://example.com:8080/p/q?x=1 HTTP/1.1\r\nHost: example.com:8080\r\nConnection: close\r\n\r\n');
    assert.match(answer, /http:\/\/example\.com:8080\/p\/q\?x=1$/); // the program still sees req.url as sent
    const { server } = await spans(1, 0);
    const a = attrs(server[0]!);
    assert.equal(a['url.path'], '/p/q');
    assert.equal(a['url.query'], 'x=1');
    assert.equal(a['server.address'], 'example.com');
    assert.equal(a['server.port'], 8080);

    memory.clear();
    await raw(port, 'GET https://secure.example/s HTTP/1.1\r\nHost: secure.example\r\nConnection: close\r\n\r\n');
    const second = await spans(1, 0);
    assert.equal(second.server[0]!.attributes['url.path'], '/s');
    assert.equal(second.server[0]!.attributes['server.address'], 'secure.example');
    assert.equal(second.server[0]!.attributes['server.port'], 443);
  });

  test('IPv6: a real request over ::1, on both sides', async (t) => {
    if (!(await canListen('::1'))) return t.skip('no IPv6 loopback here');
    const { port, origin } = await serve((_req, res) => res.end('six'), { host: '::1' });
    assert.equal(origin, `http://[::1]:${port}`);
    await call((cb) => http.get(`${origin}/v6`, cb));
    await call((cb) => http.get({ hostname: '::1', port, path: '/v6-options' }, cb));
    const { server, client } = await spans(2, 2);
    for (const span of server) {
      assert.equal(span.attributes['server.address'], '::1');
      assert.equal(span.attributes['server.port'], port);
      assert.equal(span.attributes['network.peer.address'], '::1');
      assert.equal(span.attributes['client.address'], '::1');
    }
    assert.deepEqual(client.map((s) => s.attributes['url.full']).sort(), [`${origin}/v6`, `${origin}/v6-options`]);
    for (const span of client) {
      assert.equal(span.attributes['server.address'], '::1');
      assert.equal(span.attributes['server.port'], port);
    }
  });

  test('client.address is the first X-Forwarded-For entry; network.peer.* stay the peer', async () => {
    const { port } = await serve((_req, res) => res.end());
    await call((cb) =>
      http.get({ host: '127.0.0.1', port, path: '/fwd', headers: { 'x-forwarded-for': '203.0.113.7, 198.51.100.2' } }, cb),
    );
    const { server } = await spans(1, 1);
    assert.equal(server[0]!.attributes['client.address'], '203.0.113.7');
    assert.equal(server[0]!.attributes['network.peer.address'], '127.0.0.1');
  });

  test('status codes: 5xx is ERROR with error.type; 4xx is not an error for a server, but is for a client', async () => {
    const { origin } = await serve((req, res) => {
      res.statusCode = Number(req.url!.slice(1));
      res.end('status');
    });
    for (const code of [200, 302, 404, 503]) await call((cb) => http.get(`${origin}/${code}`, cb));
    const { server, client } = await spans(4, 4);
    const byCode = (list: ReadableSpan[], code: number) => list.find((s) => s.attributes['http.response.status_code'] === code)!;
    for (const code of [200, 302, 404]) {
      const s = byCode(server, code);
      assert.deepEqual(s.status, { code: UNSET }, `server ${code}`);
      assert.equal('error.type' in s.attributes, false, `server ${code}`);
    }
    assert.equal(byCode(server, 503).status.code, ERROR);
    assert.equal(byCode(server, 503).attributes['error.type'], '503');
    for (const code of [200, 302]) {
      assert.deepEqual(byCode(client, code).status, { code: UNSET }, `client ${code}`);
      assert.equal('error.type' in byCode(client, code).attributes, false, `client ${code}`);
    }
    for (const code of [404, 503]) {
      assert.equal(byCode(client, code).status.code, ERROR, `client ${code}`);
      assert.equal(byCode(client, code).attributes['error.type'], String(code));
    }
  });

  test('a handler that throws synchronously: the span records the exception and ends; the error goes on', () => {
    // server.emit is called here, as Node's parser would, so that the throw lands in this test.
    const failure = new TypeError('handler exploded');
    const server = http.createServer(() => {
      throw failure;
    });
    const socket = new net.Socket();
    const req = new http.IncomingMessage(socket);
    req.method = 'GET';
    req.url = '/explode?now=1';
    req.httpVersion = '1.1';
    req.headers = { host: 'app.test:3000' };
    const res = new http.ServerResponse(req);
    assert.throws(() => server.emit('request', req, res), (e) => e === failure);
    assert.equal(memory.spans.length, 1);
    const span = memory.spans[0]!;
    assert.equal(span.kind, SERVER);
    assert.deepEqual(span.status, { code: ERROR, message: 'handler exploded' });
    assert.equal(span.attributes['error.type'], 'TypeError');
    assert.equal(span.attributes['url.path'], '/explode');
    assert.equal(span.attributes['server.address'], 'app.test');
    const event = span.events.find((e) => e.name === 'exception')!;
    assert.equal(event.attributes['exception.type'], 'TypeError');
    assert.equal(event.attributes['exception.message'], 'handler exploded');
    // The response's own end later does not end the span a second time.
    res.emit('close');
    assert.equal(memory.spans.length, 1);
    socket.destroy();
  });

  test('a client that disconnects in the middle of the response: ERROR, error.type _OTHER, the status that was sent', async () => {
    const { origin } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial'); // and never ends
    });
    await new Promise<void>((done) => {
      const req = http.get(`${origin}/cut`, (res) => res.once('data', () => (req.destroy(), done())));
      req.on('error', () => {});
    });
    const { server, client } = await spans(1, 1);
    assert.equal(server.length, 1);
    assert.equal(server[0]!.status.code, ERROR);
    assert.equal(server[0]!.attributes['error.type'], '_OTHER');
    assert.equal(server[0]!.attributes['http.response.status_code'], 200);
    // The client's side of it: the response it got was cut off.
    assert.equal(client[0]!.status.code, ERROR);
    assert.equal(client[0]!.attributes['http.response.status_code'], 200);
    assert.equal(client[0]!.attributes['error.type'], '_OTHER');
  });

  test('a client that disconnects before any response: ERROR, _OTHER, and no status code (none was sent)', async () => {
    let arrived!: () => void;
    const gotRequest = new Promise<void>((r) => (arrived = r));
    const { port } = await serve(() => arrived()); // never answers
    const req = http.get({ host: '127.0.0.1', port, path: '/gone' });
    req.on('error', () => {});
    await gotRequest;
    req.destroy();
    const { server } = await spans(1, 1);
    assert.equal(server[0]!.status.code, ERROR);
    assert.equal(server[0]!.attributes['error.type'], '_OTHER');
    assert.equal('http.response.status_code' in server[0]!.attributes, false);
  });
});

// =============================================================================================
// Client spans
// =============================================================================================

describe('client spans', () => {
  test('a GET: kind CLIENT, url.full, server.address and port, status, protocol version', async () => {
    const { port, origin } = await serve((_req, res) => res.end('fine'));
    await call((cb) => http.get(`${origin}/c?q=1`, cb));
    const { client } = await spans(1, 1);
    assert.equal(client.length, 1);
    const span = client[0]!;
    assert.equal(span.name, 'GET');
    assert.equal(span.kind, CLIENT);
    assert.deepEqual(span.status, { code: UNSET });
    assert.deepEqual(attrs(span), {
      'http.request.method': 'GET',
      'server.address': '127.0.0.1',
      'server.port': port,
      'url.full': `${origin}/c?q=1`,
      'network.protocol.version': '1.1',
      'http.response.status_code': 200,
    });
  });

  test('credentials are never in url.full, whether in the URL or in `auth`; the server still gets them', async () => {
    const { port, origin } = await serve(echo);
    const basic = `Basic ${Buffer.from('user:s3cret').toString('base64')}`;
    const a = await call((cb) => http.get(`http://user:s3cret@127.0.0.1:${port}/creds`, cb));
    const b = await call((cb) => http.get({ host: '127.0.0.1', port, path: '/auth', auth: 'user:s3cret' }, cb));
    assert.equal(seenBy(a).headers.authorization, basic);
    assert.equal(seenBy(b).headers.authorization, basic);
    const { client } = await spans(2, 2);
    assert.deepEqual(client.map((s) => s.attributes['url.full']).sort(), [`${origin}/auth`, `${origin}/creds`]);
    for (const span of client) assert.doesNotMatch(JSON.stringify(span.attributes), /s3cret|user/);
  });

  test('default ports are left out of url.full, and kept in server.port (http 80, https 443)', async () => {
    const plain = await serve((_req, res) => res.end('p'));
    const secure = await serve((_req, res) => res.end('s'), { tls: true });
    const agent = new RedirectingAgent(plain.port);
    const tlsAgent = new RedirectingTlsAgent(secure.port);
    try {
      await call((cb) => http.get('http://127.0.0.1/dp', { agent }, cb));
      await call((cb) => http.get('http://127.0.0.1:80/explicit', { agent }, cb));
      await call((cb) => http.get({ host: '127.0.0.1', path: '/options', agent }, cb));
      await call((cb) => https.get('https://127.0.0.1/dps', { agent: tlsAgent }, cb));
      await call((cb) => https.get({ host: '127.0.0.1', path: '/options-s', agent: tlsAgent }, cb));
    } finally {
      agent.destroy();
      tlsAgent.destroy();
    }
    const { client } = await spans(5, 5);
    const full = (s: ReadableSpan) => String(s.attributes['url.full']);
    const get = (u: string) => client.find((s) => full(s) === u)!;
    for (const u of ['http://127.0.0.1/dp', 'http://127.0.0.1/explicit', 'http://127.0.0.1/options']) {
      assert.ok(get(u), `${u} in ${client.map(full).join(' ')}`);
      assert.equal(get(u).attributes['server.port'], 80);
    }
    for (const u of ['https://127.0.0.1/dps', 'https://127.0.0.1/options-s']) {
      assert.ok(get(u), `${u} in ${client.map(full).join(' ')}`);
      assert.equal(get(u).attributes['server.port'], 443);
    }
  });

  test('connection refused: ERROR, error.type ECONNREFUSED, an exception event; the program gets the error', async () => {
    const port = await freePort();
    const errors: NodeJS.ErrnoException[] = [];
    const req = http.get(`http://127.0.0.1:${port}/nobody`);
    req.on('error', (e) => errors.push(e));
    const { client } = await spans(0, 1);
    await until(() => errors.length);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.code, 'ECONNREFUSED');
    const span = client[0]!;
    assert.equal(span.status.code, ERROR);
    assert.equal(span.attributes['error.type'], 'ECONNREFUSED');
    assert.equal('http.response.status_code' in span.attributes, false);
    const event = span.events.find((e) => e.name === 'exception')!;
    assert.equal(event.attributes['exception.type'], 'ECONNREFUSED');
    assert.equal(event.attributes['exception.message'], errors[0]!.message);
  });

  test('a timeout that destroys the request: ERROR with the error the program destroyed it with', async () => {
    let arrived!: () => void;
    const gotRequest = new Promise<void>((r) => (arrived = r));
    const { port } = await serve(() => arrived()); // never answers
    const timedOut = Object.assign(new Error('took too long'), { code: 'ETIMEDOUT' });
    const errors: Error[] = [];
    const req = http.get({ host: '127.0.0.1', port, path: '/slow', timeout: 50 });
    req.on('timeout', () => req.destroy(timedOut));
    req.on('error', (e) => errors.push(e));
    await gotRequest;
    const { client } = await spans(0, 1);
    await until(() => errors.length);
    assert.deepEqual(errors, [timedOut]);
    assert.equal(client[0]!.status.code, ERROR);
    assert.equal(client[0]!.attributes['error.type'], 'ETIMEDOUT');

    // The same with a bare destroy(): Node's own 'socket hang up'.
    memory.clear();
    const second = http.get({ host: '127.0.0.1', port, path: '/slower' });
    second.setTimeout(50, () => second.destroy());
    const hangUp = await new Promise<NodeJS.ErrnoException>((r) => second.on('error', r));
    assert.equal(hangUp.code, 'ECONNRESET');
    const again = await spans(0, 1);
    assert.equal(again.client[0]!.attributes['error.type'], 'ECONNRESET');
  });

  test('req.destroy() before any response, and req.abort(): the span ends with ERROR', async () => {
    const { origin } = await serve((_req, res) => res.end('late'));
    const destroyed = http.get(`${origin}/destroyed`);
    const error = await new Promise<NodeJS.ErrnoException>((r) => {
      destroyed.on('error', r);
      destroyed.destroy();
    });
    assert.equal(error.code, 'ECONNRESET');
    const first = await spans(0, 1);
    assert.equal(first.client[0]!.status.code, ERROR);
    assert.equal(first.client[0]!.attributes['error.type'], 'ECONNRESET');

    memory.clear();
    const aborted = http.get(`${origin}/aborted`);
    await new Promise<void>((r) => {
      aborted.on('close', () => r());
      aborted.abort();
    });
    const second = await spans(0, 1);
    assert.equal(second.client[0]!.status.code, ERROR);
    assert.equal(second.client[0]!.attributes['error.type'], '_OTHER');
  });

  describe('the ways of calling http.get and http.request', () => {
    type Start = (cb: (res: http.IncomingMessage) => void) => http.ClientRequest;
    /**
     * One call form. `make` gives the call and what the caller passed (options, headers), which is
     * frozen before the call and must be unchanged after it.
     */
    interface Form {
      name: string;
      path: string;
      make: (origin: string, port: number) => { start: Start; given?: object };
      /** Headers the program sent, which the server must see. */
      sent?: Record<string, string>;
    }

    const deepFreeze = <T>(value: T): T => {
      if (value && typeof value === 'object') {
        for (const v of Object.values(value)) deepFreeze(v);
        Object.freeze(value);
      }
      return value;
    };

    /** A URL-like object of a class of its own (a polyfill's): Node takes it as a URL. */
    class UrlLike {
      constructor(private readonly url: URL) {}
      get href() {
        return this.url.href;
      }
      get protocol() {
        return this.url.protocol;
      }
      get hostname() {
        return this.url.hostname;
      }
      get port() {
        return this.url.port;
      }
      get pathname() {
        return this.url.pathname;
      }
      get search() {
        return this.url.search;
      }
      get hash() {
        return this.url.hash;
      }
      get username() {
        return this.url.username;
      }
      get password() {
        return this.url.password;
      }
    }

    const forms: Form[] = [
      { name: 'a URL string', path: '/s?a=1', make: (o) => ({ start: (cb) => http.get(`${o}/s?a=1`, cb) }) },
      { name: 'a URL object', path: '/u?b=2', make: (o) => ({ start: (cb) => http.get(new URL(`${o}/u?b=2`), cb) }) },
      {
        name: 'options with host and port',
        path: '/host-port',
        sent: { 'x-app': 'one' },
        make: (_o, port) => {
          const given = { host: '127.0.0.1', port, path: '/host-port', headers: { 'x-app': 'one' } };
          return { given, start: (cb) => http.get(given, cb) };
        },
      },
      {
        name: 'http.request with hostname, port, method and headers',
        path: '/hostname',
        sent: { 'x-mixed-case': 'two' },
        make: (_o, port) => {
          const given = { hostname: '127.0.0.1', port, path: '/hostname', method: 'GET', headers: { 'X-Mixed-Case': 'two' } };
          return { given, start: (cb) => http.request(given, cb).end() };
        },
      },
      {
        name: 'a URL string, options and a callback',
        path: '/url-options',
        sent: { 'x-app': 'three' },
        make: (o) => {
          const given = { headers: { 'x-app': 'three' } };
          return { given, start: (cb) => http.get(`${o}/url-options`, given, cb) };
        },
      },
      { name: 'a URL, undefined options and a callback', path: '/undef', make: (o) => ({ start: (cb) => anyGet(`${o}/undef`, undefined, cb) }) },
      {
        name: 'a URL object, null options and a callback',
        path: '/null',
        make: (o) => ({ start: (cb) => anyRequest(new URL(`${o}/null`), null, cb).end() }),
      },
      {
        name: 'a URL-like object of a class of its own',
        path: '/like?c=3',
        make: (o) => ({ start: (cb) => anyGet(new UrlLike(new URL(`${o}/like?c=3`)), cb) }),
      },
      {
        name: 'headers as a flat array of names and values',
        path: '/flat',
        sent: { 'x-app': 'four' },
        make: (_o, port) => {
          // With headers in an array, Node adds no Host header of its own.
          const headers = ['x-app', 'four', 'host', `127.0.0.1:${port}`];
          const given = { host: '127.0.0.1', port, path: '/flat', headers };
          return { given, start: (cb) => http.get(given as unknown as http.RequestOptions, cb) };
        },
      },
      {
        name: 'headers as an array of [name, value] pairs',
        path: '/pairs',
        sent: { 'x-app': 'five' },
        make: (_o, port) => {
          const headers = [
            ['x-app', 'five'],
            ['host', `127.0.0.1:${port}`],
          ];
          const given = { host: '127.0.0.1', port, path: '/pairs', headers };
          return { given, start: (cb) => http.get(given as unknown as http.RequestOptions, cb) };
        },
      },
    ];

    for (const f of forms) {
      test(f.name, async () => {
        const { port, origin } = await serve(echo);
        const { start, given } = f.make(origin, port);
        const before = given === undefined ? undefined : structuredClone(given);
        if (given) deepFreeze(given);
        const reply = await call(start);
        assert.equal(reply.status, 200);
        const seen = seenBy(reply);
        assert.equal(seen.url, f.path);
        const { client, server } = await spans(1, 1);
        assert.equal(client.length, 1);
        assert.equal(server.length, 1);
        assert.equal(client[0]!.attributes['url.full'], `${origin}${f.path}`);
        assert.equal(client[0]!.attributes['server.address'], '127.0.0.1');
        assert.equal(client[0]!.attributes['server.port'], port);
        assert.equal(seen.headers.traceparent, traceparentOf(client[0]!));
        for (const [k, v] of Object.entries(f.sent ?? {})) assert.equal(seen.headers[k], v, k);
        if (given !== undefined) assert.deepEqual(given, before);
      });
    }
  });

  test('a header object the program reuses is never given trace headers', async () => {
    const { port } = await serve(echo);
    const headers: http.OutgoingHttpHeaders = { 'x-app': 'reused' };
    const options = { host: '127.0.0.1', port, headers };
    const first = await call((cb) => http.get(options, cb));
    const second = await call((cb) => http.get(options, cb));
    assert.deepEqual(headers, { 'x-app': 'reused' });
    assert.deepEqual(Object.keys(options).sort(), ['headers', 'host', 'port']);
    const { client } = await spans(2, 2);
    const parents = [seenBy(first).headers.traceparent, seenBy(second).headers.traceparent];
    assert.deepEqual(parents.sort(), client.map(traceparentOf).sort());
  });

  test('exactly one client span per request: http.get, http.request, https.get, https.request', async () => {
    const plain = await serve((_req, res) => res.end('x'));
    const secure = await serve((_req, res) => res.end('y'), { tls: true });
    const cases: [string, (cb: (res: http.IncomingMessage) => void) => http.ClientRequest][] = [
      ['http.get', (cb) => http.get(`${plain.origin}/g`, cb)],
      ['http.request', (cb) => http.request(`${plain.origin}/r`, cb).end()],
      ['https.get', (cb) => https.get(`${secure.origin}/gs`, { ca: CERT }, cb)],
      ['https.request', (cb) => https.request({ host: '127.0.0.1', port: secure.port, path: '/rs', ca: CERT }, cb).end()],
    ];
    for (const [name, start] of cases) {
      memory.clear();
      await call(start);
      const { server, client } = await spans(1, 1);
      assert.equal(client.length, 1, name);
      assert.equal(server.length, 1, name);
      assert.equal(server[0]!.parentSpanId, client[0]!.spanContext().spanId, name);
    }
  });

  test('a client request that is upgraded ends its span with the 101', async () => {
    const { server, port } = await serve((_req, res) => res.end('no upgrade'));
    server.on('upgrade', (_req: http.IncomingMessage, socket: net.Socket) => {
      socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: probe\r\nConnection: Upgrade\r\n\r\n');
    });
    const status = await new Promise<number>((done, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/ws', headers: { connection: 'Upgrade', upgrade: 'probe' } });
      req.on('upgrade', (res: http.IncomingMessage, socket: net.Socket) => {
        socket.destroy();
        done(res.statusCode!);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 101);
    const { client } = await spans(0, 1);
    assert.equal(client[0]!.attributes['http.response.status_code'], 101);
    assert.deepEqual(client[0]!.status, { code: UNSET });
  });
});

// =============================================================================================
// Propagation
// =============================================================================================

describe('propagation', () => {
  test('the client injects traceparent; the server span is its child, in the caller’s trace', async () => {
    const { origin } = await serve(echo);
    const caller = tracer.startSpan('caller');
    const reply = await within(caller, () => call((cb) => http.get(`${origin}/prop`, cb)));
    caller.end();
    const { server, client } = await spans(1, 1);
    const c = client[0]!;
    const s = server[0]!;
    assert.equal(c.parentSpanId, caller.spanContext().spanId);
    assert.equal(c.spanContext().traceId, caller.spanContext().traceId);
    assert.equal(seenBy(reply).headers.traceparent, traceparentOf(c));
    assert.equal(s.parentSpanId, c.spanContext().spanId);
    assert.equal(s.parentIsRemote, true);
    assert.equal(s.spanContext().traceId, c.spanContext().traceId);
  });

  test('baggage goes through, and is in the server’s context', async () => {
    let inHandler: string | undefined;
    const { origin } = await serve((req, res) => {
      inHandler = getBaggage(contextManager.active())?.getEntry('tenant')?.value;
      echo(req, res);
    });
    const context = setBaggage(contextManager.active(), createBaggage({ tenant: { value: 'acme' } }));
    const reply = await contextManager.with(context, () => call((cb) => http.get(`${origin}/bag`, cb)));
    assert.equal(seenBy(reply).headers.baggage, 'tenant=acme');
    assert.equal(inHandler, 'acme');
  });

  test('an invalid incoming traceparent starts a new trace; a valid one from elsewhere is the parent', async () => {
    const { port } = await serve((_req, res) => res.end());
    const remote = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };
    await suppressed(() =>
      call((cb) => http.get({ host: '127.0.0.1', port, path: '/bad', headers: { traceparent: '00-zzzz-not-valid-01' } }, cb)),
    );
    await suppressed(() =>
      call((cb) =>
        http.get({ host: '127.0.0.1', port, path: '/good', headers: { traceparent: `00-${remote.traceId}-${remote.spanId}-01` } }, cb),
      ),
    );
    const { server } = await spans(2, 0);
    const bad = server.find((s) => s.attributes['url.path'] === '/bad')!;
    const good = server.find((s) => s.attributes['url.path'] === '/good')!;
    assert.equal(bad.parentSpanId, undefined);
    assert.notEqual(bad.spanContext().traceId, remote.traceId);
    assert.equal(good.parentSpanId, remote.spanId);
    assert.equal(good.spanContext().traceId, remote.traceId);
  });

  test('a server that started listening inside a span does not make that span the parent of its requests', async () => {
    const startup = tracer.startSpan('startup');
    const listening = await within(startup, () => serve((_req, res) => res.end()));
    startup.end();
    await suppressed(() => call((cb) => http.get(`${listening.origin}/later`, cb)));
    const { server } = await spans(1, 0);
    assert.equal(server[0]!.parentSpanId, undefined);
    assert.notEqual(server[0]!.spanContext().traceId, startup.spanContext().traceId);
  });
});

// =============================================================================================
// Context
// =============================================================================================

describe('context', () => {
  test('inside the handler, the active span is the server span', async () => {
    let active: string | undefined;
    const { origin } = await serve((_req, res) => {
      active = activeSpanId();
      res.end();
    });
    await call((cb) => http.get(`${origin}/active`, cb));
    const { server } = await spans(1, 1);
    assert.equal(active, server[0]!.spanContext().spanId);
  });

  test('listeners of req and res run in the request’s context, even when the body comes later', async () => {
    const seen: Record<string, string | undefined> = {};
    const data: (string | undefined)[] = [];
    let handled!: () => void;
    const handlerRan = new Promise<void>((r) => (handled = r));
    const { port } = await serve((req, res) => {
      seen.handler = activeSpanId();
      req.on('data', () => data.push(activeSpanId()));
      req.on('end', () => {
        seen.end = activeSpanId();
        setImmediate(() => {
          seen.later = activeSpanId();
          res.end('done');
        });
      });
      res.on('finish', () => (seen.finish = activeSpanId()));
      handled();
    });
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/upload' });
    const reply = new Promise<Reply>((done, reject) => {
      req.on('response', (res) => read(res).then(done, reject));
      req.on('error', reject);
    });
    req.flushHeaders();
    await handlerRan; // the handler has returned before any of the body is sent
    req.write('first part, ');
    await new Promise((r) => setTimeout(r, 5));
    req.end('second part');
    assert.equal((await reply).body, 'done');
    const { server } = await spans(1, 1);
    const id = server[0]!.spanContext().spanId;
    assert.ok(data.length >= 1);
    assert.deepEqual(data, data.map(() => id));
    assert.deepEqual(seen, { handler: id, end: id, later: id, finish: id });
  });

  test('the client’s response callback and its listeners run in the caller’s context, not the client span’s', async () => {
    const { origin } = await serve((_req, res) => res.end('body'));
    const caller = tracer.startSpan('caller');
    const seen: Record<string, string | undefined> = {};
    await within(caller, () =>
      new Promise<void>((done, reject) => {
        const req = http.get(`${origin}/cb`, (res) => {
          seen.callback = activeSpanId();
          res.on('data', () => (seen.data = activeSpanId()));
          res.on('end', () => {
            seen.end = activeSpanId();
            done();
          });
        });
        req.on('finish', () => (seen.finish = activeSpanId()));
        req.on('error', reject);
      }),
    );
    caller.end();
    const id = caller.spanContext().spanId;
    assert.deepEqual(seen, { callback: id, data: id, end: id, finish: id });
    const { client } = await spans(1, 1);
    assert.equal(client[0]!.parentSpanId, id);
  });

  test('a response nobody reads (no callback, no listener) is still discarded: the socket is freed', async () => {
    const paths: string[] = [];
    const { port } = await serve((req, res) => {
      paths.push(req.url!);
      res.end('x'.repeat(1000));
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      http.request({ host: '127.0.0.1', port, agent, path: '/one' }).end();
      http.request({ host: '127.0.0.1', port, agent, path: '/two' }).end();
      // With the first response left unread, the second request would wait for the socket forever.
      const { server, client } = await spans(2, 2);
      assert.deepEqual(paths, ['/one', '/two']);
      assert.equal(server.length, 2);
      assert.deepEqual(client.map((s) => s.attributes['http.response.status_code']), [200, 200]);
    } finally {
      agent.destroy();
    }
  });

  test('the program’s own error listener gets the error once, in the caller’s context', async () => {
    const port = await freePort();
    const caller = tracer.startSpan('caller');
    const errors: Error[] = [];
    let where: string | undefined;
    within(caller, () => {
      const req = http.get(`http://127.0.0.1:${port}/refused`);
      req.on('error', (e) => {
        errors.push(e);
        where = activeSpanId();
      });
    });
    await until(() => errors.length);
    await spans(0, 1);
    caller.end();
    assert.equal(errors.length, 1);
    assert.equal((errors[0] as NodeJS.ErrnoException).code, 'ECONNREFUSED');
    assert.equal(where, caller.spanContext().spanId);
  });
});

// =============================================================================================
// Suppressed tracing, https
// =============================================================================================

describe('server request and response classes', () => {
  test('classes given to createServer (subclasses): span, context of listeners, end', async () => {
    class MyRequest extends http.IncomingMessage {}
    class MyResponse extends http.ServerResponse<MyRequest> {}
    const seen: Record<string, string | undefined> = {};
    const server = http.createServer({ IncomingMessage: MyRequest, ServerResponse: MyResponse }, (req, res) => {
      seen.handler = activeSpanId();
      req.on('data', () => undefined);
      req.on('end', () => {
        seen.end = activeSpanId();
        res.end('sub');
      });
      res.on('finish', () => (seen.finish = activeSpanId()));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    open.add(server);
    const { port } = server.address() as net.AddressInfo;
    const reply = await call((cb) => http.request({ host: '127.0.0.1', port, method: 'POST', path: '/sub' }, cb).end('body'));
    assert.equal(reply.body, 'sub');
    const { server: s } = await spans(1, 1);
    const id = s[0]!.spanContext().spanId;
    assert.deepEqual(seen, { handler: id, end: id, finish: id });
  });

  test('objects that are not Node’s (a test tool’s fakes emitted as a request) get a span that ends', async () => {
    const { EventEmitter } = await import('node:events');
    const server = http.createServer((_req, res) => {
      setImmediate(() => (res as unknown as InstanceType<typeof EventEmitter>).emit('finish'));
    });
    const req = Object.assign(new EventEmitter(), { method: 'GET', url: '/fake', httpVersion: '1.1', headers: { host: 'fake.test' }, socket: {} });
    const res = Object.assign(new EventEmitter(), { statusCode: 204, headersSent: true, writableFinished: true, getHeader: () => undefined });
    server.emit('request', req, res);
    const { server: s } = await spans(1, 0);
    assert.equal(s[0]!.attributes['url.path'], '/fake');
    assert.equal(s[0]!.attributes['http.response.status_code'], 204);
    // the fakes' class (EventEmitter) is left as it was
    assert.equal(isWrapped(EventEmitter.prototype.emit), false);
  });
});

describe('suppressed tracing', () => {
  test('no client span and no trace headers while tracing is suppressed', async () => {
    const { origin } = await serve(echo);
    let untouched = false;
    const reply = await suppressed(() =>
      call((cb) => {
        const req = http.get(`${origin}/quiet`, cb);
        // Not observed at all: the exporters' requests cost the instrumentation nothing.
        untouched = !Object.prototype.hasOwnProperty.call(req, 'emit');
        return req;
      }),
    );
    assert.equal(untouched, true);
    assert.equal(seenBy(reply).headers.traceparent, undefined);
    const { server } = await spans(1, 0);
    assert.equal(server[0]!.parentSpanId, undefined);
    assert.equal(ofKind(CLIENT).length, 0);

    const secure = await serve(echo, { tls: true });
    const secureReply = await suppressed(() => call((cb) => https.get(`${secure.origin}/quiet`, { ca: CERT }, cb)));
    assert.equal(seenBy(secureReply).headers.traceparent, undefined);
    await spans(2, 0);
    assert.equal(ofKind(CLIENT).length, 0);
  });
});

describe('https', () => {
  test('a server and a client span, with url.scheme https and an https url.full', async () => {
    const { port, origin } = await serve(echo, { tls: true });
    const reply = await call((cb) => https.get(`${origin}/secure?z=9`, { ca: CERT }, cb));
    const { server, client } = await spans(1, 1);
    assert.equal(server.length, 1);
    assert.equal(client.length, 1);
    const s = attrs(server[0]!);
    assert.equal(s['url.scheme'], 'https');
    assert.equal(s['url.path'], '/secure');
    assert.equal(s['url.query'], 'z=9');
    assert.equal(s['server.port'], port);
    assert.equal(s['http.response.status_code'], 200);
    const c = attrs(client[0]!);
    assert.equal(c['url.full'], `https://127.0.0.1:${port}/secure?z=9`);
    assert.equal(c['server.port'], port);
    assert.equal(c['http.response.status_code'], 200);
    assert.equal(seenBy(reply).headers.traceparent, traceparentOf(client[0]!));
    assert.equal(server[0]!.parentSpanId, client[0]!.spanContext().spanId);
  });

  test('https.request(url, undefined, callback): Node ignores the callback, and still does', async () => {
    const { origin } = await serve((_req, res) => res.end('answer'), { tls: true });
    // That form has no room for a ca: the global agent gets it for the time of the test.
    // (The agent's options win over a request's: afterwards the property must be gone, not undefined.)
    const agentOptions = https.globalAgent.options;
    const had = Object.prototype.hasOwnProperty.call(agentOptions, 'ca');
    const ca = agentOptions.ca;
    agentOptions.ca = CERT;
    try {
      let called = false;
      const req = (https.request as unknown as AnyRequest)(new URL(`${origin}/cb-ignored`), undefined, () => (called = true));
      const reply = await new Promise<Reply>((done, reject) => {
        req.on('response', (res: http.IncomingMessage) => read(res).then(done, reject));
        req.on('error', reject);
        req.end();
      });
      assert.equal(reply.body, 'answer');
      // Node 20's https.request passes nothing after `undefined` options on to the request.
      assert.equal(called, false);
    } finally {
      if (had) agentOptions.ca = ca;
      else delete agentOptions.ca;
      https.globalAgent.destroy();
    }
  });

  test('https.request with an options object, and a refused https connection', async () => {
    const { port } = await serve((_req, res) => res.end(), { tls: true });
    await call((cb) => https.request({ hostname: '127.0.0.1', port, path: '/opts', method: 'DELETE', ca: CERT }, cb).end());
    const { client } = await spans(1, 1);
    assert.equal(client[0]!.attributes['url.full'], `https://127.0.0.1:${port}/opts`);
    assert.equal(client[0]!.name, 'DELETE');

    memory.clear();
    const closed = await freePort();
    const error = await new Promise<NodeJS.ErrnoException>((r) => https.get(`https://127.0.0.1:${closed}/`, { ca: CERT }).on('error', r));
    assert.equal(error.code, 'ECONNREFUSED');
    const refused = await spans(0, 1);
    assert.equal(refused.client[0]!.attributes['url.full'], `https://127.0.0.1:${closed}/`);
    assert.equal(refused.client[0]!.attributes['error.type'], 'ECONNREFUSED');
  });
});

// =============================================================================================
// Enable, disable, enable
// =============================================================================================

describe('enable and disable', () => {
  test('no spans while disabled, spans again once enabled, and never wrapped twice', async () => {
    const wrapped = () => [
      isWrapped(http.request),
      isWrapped(http.get),
      isWrapped(https.request),
      isWrapped(https.get),
      Object.prototype.hasOwnProperty.call(http.Server.prototype, 'emit'),
      Object.prototype.hasOwnProperty.call(https.Server.prototype, 'emit'),
    ];
    const exchange = async (origin: string) => seenBy(await call((cb) => http.get(`${origin}/toggle`, cb)));
    assert.deepEqual(wrapped(), [true, true, true, true, true, true]);
    try {
      assert.equal(registry.disable('http'), true);
      assert.deepEqual(wrapped(), [false, false, false, false, false, false]);
      let serverFinished = false;
      const off = await serve((req, res) => {
        res.on('finish', () => (serverFinished = true));
        echo(req, res);
      });
      const seen = await exchange(off.origin);
      await until(() => serverFinished);
      assert.equal(seen.headers.traceparent, undefined);
      assert.equal(memory.spans.length, 0);
    } finally {
      registry.enable('http');
    }
    assert.deepEqual(wrapped(), [true, true, true, true, true, true]);
    // One layer only: what the wrapper wraps is Node's own function.
    assert.equal(isWrapped((http.request as unknown as Record<symbol, unknown>)[ORIGINAL]), false);
    assert.equal(isWrapped((http.Server.prototype.emit as unknown as Record<symbol, unknown>)[ORIGINAL]), false);
    // The same module reached again (as node:http) is not patched again.
    registry.onModule('node:http', http, undefined, 'commonjs');
    const { origin } = await serve(echo);
    const seen = await exchange(origin);
    const { server, client } = await spans(1, 1);
    assert.equal(server.length, 1);
    assert.equal(client.length, 1);
    assert.equal(seen.headers.traceparent, traceparentOf(client[0]!));
  });
});

// =============================================================================================
// The program's behaviour is the same with and without the instrumentation
// =============================================================================================

describe('the program behaves the same with and without the instrumentation', () => {
  /** Runs a set of exchanges and returns everything the program could observe, ports masked. */
  async function observe(): Promise<unknown> {
    const out: Record<string, unknown> = {};
    const seenByServer: unknown[] = [];
    const { server, port, origin } = await serve((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        const headers = { ...req.headers };
        delete headers.traceparent;
        delete headers.tracestate;
        delete headers.baggage;
        seenByServer.push({ method: req.method, url: req.url, headers, body, version: req.httpVersion });
        const path = req.url!.split('?')[0]!;
        if (path === '/status/404') return void res.writeHead(404, 'Nope', { 'x-why': 'missing' }).end('not here');
        if (path === '/status/500') return void res.writeHead(500).end('broken');
        if (path === '/chunked') {
          res.setHeader('x-chunks', '3');
          res.write('a');
          res.write('b');
          return void res.end('c');
        }
        res.writeHead(201, 'Made', { 'x-custom': 'yes', 'set-cookie': ['a=1', 'b=2'] });
        res.end(`got ${req.method} ${req.url} ${body}`);
      });
    });
    const strip = (r: Reply) => {
      const headers = { ...r.headers };
      delete headers.date;
      return { ...r, headers };
    };
    const errorOf = (e: unknown) => {
      const x = e as NodeJS.ErrnoException;
      return { name: x.name, code: x.code, message: x.message, syscall: x.syscall, ctor: x.constructor.name };
    };

    out.get = strip(await call((cb) => http.get(`${origin}/plain?q=1`, { headers: { 'x-one': '1' } }, cb)));
    out.post = strip(
      await call((cb) => {
        const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/post', headers: { 'content-type': 'text/plain' } }, cb);
        req.write('part one, ');
        req.end('part two');
        return req;
      }),
    );
    out.notFound = strip(await call((cb) => http.get(`${origin}/status/404`, cb)));
    out.broken = strip(await call((cb) => http.get(`${origin}/status/500`, cb)));
    out.chunked = strip(await call((cb) => http.get(`${origin}/chunked`, cb)));
    out.head = strip(await call((cb) => http.request(`${origin}/head`, { method: 'HEAD' }, cb).end()));
    out.undefinedOptions = strip(await call((cb) => anyGet(`${origin}/undef`, undefined, cb)));
    out.pairs = strip(
      await call((cb) =>
        http.get({ host: '127.0.0.1', port, path: '/pairs', headers: [['x-pair', 'p'], ['host', `127.0.0.1:${port}`]] as unknown as http.OutgoingHttpHeaders }, cb),
      ),
    );
    out.auth = strip(await call((cb) => http.get(`http://u:p@127.0.0.1:${port}/auth`, cb)));
    {
      const req = http.request({ host: '127.0.0.1', port, path: '/props?x=1', method: 'put' });
      out.props = { isClientRequest: req instanceof http.ClientRequest, method: req.method, path: req.path, host: req.host, protocol: req.protocol };
      out.put = strip(await new Promise<Reply>((done, reject) => req.on('response', (res) => read(res).then(done, reject)).on('error', reject).end()));
    }
    {
      const closed = await freePort();
      out.refused = errorOf(await new Promise((r) => http.get(`http://127.0.0.1:${closed}/`).on('error', r)));
    }
    {
      const req = http.get(`${origin}/destroyed`);
      out.destroyed = errorOf(await new Promise((r) => (req.on('error', r), req.destroy())));
    }
    out.invalidUrl = (() => {
      try {
        http.get('not a url');
        return 'no throw';
      } catch (e) {
        return errorOf(e);
      }
    })();
    out.invalidMethod = (() => {
      try {
        http.request({ host: '127.0.0.1', port, method: 'BAD METHOD' });
        return 'no throw';
      } catch (e) {
        return errorOf(e);
      }
    })();
    {
      // server.emit's own return value: true with a listener, false without one.
      const bare = http.createServer();
      const socket = new net.Socket();
      const req = new http.IncomingMessage(socket);
      req.method = 'GET';
      req.url = '/';
      req.headers = {};
      out.emitWithout = bare.emit('request', req, new http.ServerResponse(req));
      bare.on('request', (_q: unknown, r: http.ServerResponse) => r.destroy());
      out.emitWith = bare.emit('request', req, new http.ServerResponse(req));
      socket.destroy();
    }
    out.server = seenByServer;
    server.closeAllConnections();
    return JSON.parse(JSON.stringify(out).replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT'));
  }

  test('responses, status codes, headers, errors and what the server receives are the same', async () => {
    let plain: unknown;
    registry.disable('http');
    try {
      plain = await observe();
    } finally {
      registry.enable('http');
    }
    assert.equal(memory.spans.length, 0);
    const traced = await observe();
    assert.ok(ofKind(CLIENT).length >= 10, 'the second run was traced');
    assert.deepEqual(traced, plain);
  });
});
