import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { HttpTransport, parseRetryAfter } from '../../../../src/exporters/otlp/http-transport';
import type { OtlpOptions } from '../../../../src/exporters/otlp/options';
import { VERSION } from '../../../../src/version';
import { run } from '../../../helpers/run';

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void;

/** A local HTTP(S) server on 127.0.0.1 whose answer each test sets. */
async function startServer(options?: https.ServerOptions) {
  const received: Received[] = [];
  let handler: Handler = (_req, res) => res.end();
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      handler(req, res, body);
    });
  };
  const server = options ? https.createServer(options, listener) : http.createServer(listener);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    server,
    port,
    received,
    answer(h: Handler) {
      handler = h;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

function options(url: string, extra: Partial<OtlpOptions> = {}): OtlpOptions {
  return {
    signal: 'traces',
    protocol: 'http/protobuf',
    url,
    headers: {},
    timeoutMs: 5000,
    compression: 'none',
    insecure: false,
    ...extra,
  };
}

const BODY = Buffer.from([0x0a, 0x03, 0x61, 0x62, 0x63, 0x00, 0xff]);

describe('HttpTransport against a local server', () => {
  let srv: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    srv = await startServer();
  });
  after(() => srv.close());

  it('POSTs the body to the path with Content-Type, User-Agent and the configured headers', async () => {
    srv.answer((_req, res) => res.end());
    const t = new HttpTransport(
      options(`http://127.0.0.1:${srv.port}/otlp/v1/traces?tenant=a`, { headers: { authorization: 'Bearer abc', 'X-Custom': 'v1' } }),
      'application/x-protobuf',
    );
    const result = await t.send(BODY, 5000);
    t.close();
    assert.equal(result.ok, true);
    assert.equal(result.status, 200);
    const r = srv.received.at(-1)!;
    assert.equal(r.method, 'POST');
    assert.equal(r.url, '/otlp/v1/traces?tenant=a');
    assert.equal(r.headers['content-type'], 'application/x-protobuf');
    assert.equal(r.headers['user-agent'], `ts-otel-run/${VERSION}`);
    assert.match(VERSION, /^\d+\.\d+\.\d+/);
    assert.equal(r.headers['authorization'], 'Bearer abc');
    assert.equal(r.headers['x-custom'], 'v1');
    assert.equal(r.headers['content-length'], String(BODY.length));
    assert.equal(r.headers['content-encoding'], undefined);
    assert.deepEqual(r.body, BODY);
  });

  it('sends the JSON content type it is given', async () => {
    srv.answer((_req, res) => res.end());
    const t = new HttpTransport(options(`http://127.0.0.1:${srv.port}/v1/traces`, { protocol: 'http/json' }), 'application/json');
    await t.send(Buffer.from('{"resourceSpans":[]}'), 5000);
    t.close();
    assert.equal(srv.received.at(-1)!.headers['content-type'], 'application/json');
    assert.equal(srv.received.at(-1)!.body.toString(), '{"resourceSpans":[]}');
  });

  it('gzip: compresses the body and says so with Content-Encoding', async () => {
    srv.answer((_req, res) => res.end());
    const big = Buffer.alloc(10_000, 'abcdefgh');
    const t = new HttpTransport(options(`http://127.0.0.1:${srv.port}/v1/traces`, { compression: 'gzip' }), 'application/x-protobuf');
    const result = await t.send(big, 5000);
    t.close();
    assert.equal(result.ok, true);
    const r = srv.received.at(-1)!;
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.ok(r.body.length < big.length / 10, `${r.body.length} bytes`);
    assert.equal(r.headers['content-length'], String(r.body.length));
    assert.deepEqual(gunzipSync(r.body), big);
  });

  it('gives the status and body of every answer; 2xx is ok; 429, 502, 503, 504 are retryable', async () => {
    const t = new HttpTransport(options(`http://127.0.0.1:${srv.port}/v1/traces`), 'application/x-protobuf');
    for (const status of [200, 202, 204, 400, 401, 404, 413, 429, 500, 501, 502, 503, 504]) {
      srv.answer((_req, res) => {
        res.statusCode = status;
        res.end(status === 204 ? undefined : `body ${status}`);
      });
      const r = await t.send(BODY, 5000);
      assert.equal(r.status, status);
      assert.equal(r.ok, status >= 200 && status < 300, `ok for ${status}`);
      assert.equal(r.retryable, [429, 502, 503, 504].includes(status), `retryable for ${status}`);
      assert.equal(r.body?.toString(), status === 204 ? '' : `body ${status}`);
      assert.equal(r.error, undefined);
      assert.equal(r.retryAfterMs, undefined);
    }
    t.close();
  });

  it('reads Retry-After in seconds and as an HTTP date', async () => {
    const t = new HttpTransport(options(`http://127.0.0.1:${srv.port}/v1/traces`), 'application/x-protobuf');
    srv.answer((_req, res) => res.writeHead(503, { 'Retry-After': '7' }).end());
    assert.equal((await t.send(BODY, 5000)).retryAfterMs, 7000);
    srv.answer((_req, res) => res.writeHead(429, { 'Retry-After': new Date(Date.now() + 30_000).toUTCString() }).end());
    const r = await t.send(BODY, 5000);
    assert.ok(r.retryAfterMs! > 25_000 && r.retryAfterMs! <= 30_000, String(r.retryAfterMs));
    srv.answer((_req, res) => res.writeHead(503, { 'Retry-After': 'soon' }).end());
    assert.equal((await t.send(BODY, 5000)).retryAfterMs, undefined);
    t.close();
  });

  it('reuses the connection for the next send (keep-alive)', async () => {
    const sockets = new Set<unknown>();
    srv.answer((req, res) => {
      sockets.add(req.socket);
      res.end();
    });
    const t = new HttpTransport(options(`http://127.0.0.1:${srv.port}/v1/traces`), 'application/x-protobuf');
    for (let i = 0; i < 3; i++) assert.equal((await t.send(BODY, 5000)).ok, true);
    t.close();
    assert.equal(sockets.size, 1);
  });

  it('a server that never answers: a retryable failure without status after the timeout', async () => {
    srv.answer(() => {});
    const t = new HttpTransport(options(`http://127.0.0.1:${srv.port}/v1/traces`), 'application/x-protobuf');
    const keepAlive = setInterval(() => {}, 1000); // the transport's timer and socket are unref'd
    const started = Date.now();
    const r = await t.send(BODY, 200);
    clearInterval(keepAlive);
    t.close();
    const took = Date.now() - started;
    assert.equal(r.ok, false);
    assert.equal(r.retryable, true);
    assert.equal(r.status, undefined);
    assert.match(r.error!.message, /no answer within 200 ms/);
    assert.ok(took >= 150 && took < 3000, `took ${took} ms`);
  });

  it('a server that sends headers and never ends the body: a failure after the timeout', async () => {
    srv.answer((_req, res) => {
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('partial');
    });
    const t = new HttpTransport(options(`http://127.0.0.1:${srv.port}/v1/traces`), 'application/x-protobuf');
    const keepAlive = setInterval(() => {}, 1000);
    const r = await t.send(BODY, 200);
    clearInterval(keepAlive);
    t.close();
    assert.equal(r.ok, false);
    assert.equal(r.retryable, true);
  });

  it('a header Node refuses is a non-retryable failure that names the header, never its value', async () => {
    const t = new HttpTransport(
      options(`http://127.0.0.1:${srv.port}/v1/traces`, { headers: { authorization: 'Bearer SECRET\r\nx-injected: 1' } }),
      'application/x-protobuf',
    );
    const r = await t.send(BODY, 1000);
    t.close();
    assert.equal(r.ok, false);
    assert.equal(r.retryable, false);
    assert.ok(r.error);
    assert.ok(!r.error.message.includes('SECRET'), r.error.message);
  });
});

describe('HttpTransport without a server', () => {
  it('connection refused: retryable, no status', async () => {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise((r) => s.close(r));
    const t = new HttpTransport(options(`http://127.0.0.1:${port}/v1/traces`), 'application/x-protobuf');
    const started = Date.now();
    const r = await t.send(BODY, 5000);
    t.close();
    assert.equal(r.ok, false);
    assert.equal(r.retryable, true);
    assert.equal(r.status, undefined);
    assert.match(r.error!.message, /ECONNREFUSED/);
    assert.ok(Date.now() - started < 3000);
  });

  it('an unreadable certificate file: a non-retryable failure', async () => {
    const t = new HttpTransport(options('https://127.0.0.1:1/v1/traces', { certificate: '/nonexistent/ca.pem' }), 'application/x-protobuf');
    const r = await t.send(BODY, 1000);
    assert.equal(r.ok, false);
    assert.equal(r.retryable, false);
    assert.match(r.error!.message, /ENOENT/);
  });
});

describe('parseRetryAfter', () => {
  it('delay-seconds', () => {
    assert.equal(parseRetryAfter('0'), 0);
    assert.equal(parseRetryAfter('5'), 5000);
    assert.equal(parseRetryAfter(' 120 '), 120_000);
  });

  it('an HTTP date, relative to now, never negative', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now), 0);
    // the obsolete forms HTTP still allows: RFC 850 and asctime
    assert.equal(parseRetryAfter('Wednesday, 21-Oct-15 07:28:10 GMT', now), 10_000);
    assert.equal(parseRetryAfter('Wed Oct 21 07:28:20 2015', now + new Date(now).getTimezoneOffset() * 60_000), 20_000); // read as local time
  });

  it('nothing for what is neither', () => {
    // "1.5" and "-5" are no delay-seconds, and no dates either (Date.parse alone takes them for dates in 2001)
    for (const v of [undefined, '', 'soon', '-5', '1.5', '2.5', '1.5e3x', '0x10']) assert.equal(parseRetryAfter(v), undefined, String(v));
  });
});

describe('HttpTransport over https with a self-signed certificate', () => {
  let dir: string | undefined;
  let skip: string | false = false;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ts-otel-run-tls-'));
    try {
      execFileSync(
        'openssl',
        [
          'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
          '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2',
          '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
        ],
        { stdio: 'pipe' },
      );
    } catch (e) {
      if (process.env.CI === 'true') throw new Error(`openssl is needed for the https test under CI: ${(e as Error).message}`);
      skip = `openssl could not make a certificate (${(e as Error).message.split('\n')[0]})`;
    }
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('trusts the server with OTEL_EXPORTER_OTLP_CERTIFICATE, and refuses it without', async (t) => {
    if (skip) return t.skip(skip);
    const srv = await startServer({ key: readFileSync(join(dir!, 'key.pem')), cert: readFileSync(join(dir!, 'cert.pem')) });
    try {
      srv.answer((_req, res) => res.end());
      const url = `https://127.0.0.1:${srv.port}/v1/traces`;
      const trusted = new HttpTransport(options(url, { certificate: join(dir!, 'cert.pem'), compression: 'gzip' }), 'application/x-protobuf');
      const ok = await trusted.send(BODY, 5000);
      trusted.close();
      assert.equal(ok.ok, true, String(ok.error));
      assert.deepEqual(gunzipSync(srv.received.at(-1)!.body), BODY);

      const untrusted = new HttpTransport(options(url), 'application/x-protobuf');
      const bad = await untrusted.send(BODY, 5000);
      untrusted.close();
      assert.equal(bad.ok, false);
      assert.equal(bad.status, undefined);
      assert.match(bad.error!.message, /self[- ]signed|certificate/i);
      assert.equal(srv.received.length, 1, 'nothing reached the server over the untrusted connection');
    } finally {
      await srv.close();
    }
  });
});

describe('HttpTransport never keeps a program alive', () => {
  it('a program that starts a send to a black-holed server and does nothing else exits promptly', async () => {
    // accepts connections and never answers
    const sockets: net.Socket[] = [];
    const hole = net.createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => hole.listen(0, '127.0.0.1', r));
    const port = (hole.address() as net.AddressInfo).port;
    const transport = resolve(__dirname, '..', '..', '..', '..', 'src', 'exporters', 'otlp', 'http-transport.js');
    const program = `
      const { HttpTransport } = require(${JSON.stringify(transport)});
      const t = new HttpTransport({ signal: 'traces', protocol: 'http/protobuf', url: 'http://127.0.0.1:${port}/v1/traces',
        headers: {}, timeoutMs: 60000, compression: 'gzip', insecure: false }, 'application/x-protobuf');
      t.send(Buffer.from('hello'), 60000).then((r) => console.log('settled', JSON.stringify(r)));
      process.stdout.write('sending\\n');
    `;
    try {
      const started = Date.now();
      const r = await run(process.execPath, ['-e', program], { timeoutMs: 20_000 });
      const took = Date.now() - started;
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /sending/);
      assert.doesNotMatch(r.stdout, /settled/, 'the program ended before any answer');
      assert.ok(took < 5000, `took ${took} ms`);
      assert.ok(sockets.length >= 1, 'the request did reach the server');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => hole.close(r));
    }
  });
});
