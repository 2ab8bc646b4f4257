import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { Writer } from 'protobufjs/minimal';
import { GRPC_PATHS, GrpcTransport } from '../../../../src/exporters/otlp/grpc-transport';
import type { OtlpOptions } from '../../../../src/exporters/otlp/options';
import { VERSION } from '../../../../src/version';

const PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const raw = (b: Buffer) => b;

type Handler = (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => void;

/** A gRPC server with the OTLP trace service as a generic service on raw bytes. */
async function startServer() {
  const received: Array<{ body: Buffer; metadata: grpc.Metadata }> = [];
  let handler: Handler = (_call, cb) => cb(null, Buffer.alloc(0));
  const server = new grpc.Server();
  server.addService(
    {
      Export: {
        path: PATH,
        requestStream: false,
        responseStream: false,
        requestSerialize: raw,
        requestDeserialize: raw,
        responseSerialize: raw,
        responseDeserialize: raw,
      },
    },
    {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        received.push({ body: call.request, metadata: call.metadata });
        handler(call, cb);
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return {
    port,
    received,
    answer(h: Handler) {
      handler = h;
    },
    close: () => new Promise<void>((r) => server.tryShutdown(() => r())),
    forceClose: () => server.forceShutdown(),
  };
}

function options(url: string, extra: Partial<OtlpOptions> = {}): OtlpOptions {
  return { signal: 'traces', protocol: 'grpc', url, headers: {}, timeoutMs: 5000, compression: 'none', insecure: false, ...extra };
}

/** google.rpc.Status with a google.rpc.RetryInfo detail, as grpc-status-details-bin carries it. */
function statusWithRetryInfo(code: number, seconds: number, nanos: number): Buffer {
  const duration = Writer.create().uint32(0x08).int64(seconds).uint32(0x10).int32(nanos).finish();
  const retryInfo = Writer.create().uint32(0x0a).bytes(duration).finish();
  const any = Writer.create().uint32(0x0a).string('type.googleapis.com/google.rpc.RetryInfo').uint32(0x12).bytes(retryInfo).finish();
  return Buffer.from(Writer.create().uint32(0x08).int32(code).uint32(0x12).string('slow down').uint32(0x1a).bytes(any).finish());
}

const BODY = Buffer.from([0x0a, 0x00, 0x01, 0x02, 0xfe, 0xff, 0x00, 0x7f]);

describe('GrpcTransport against a local gRPC server', () => {
  let srv: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    srv = await startServer();
  });
  after(() => srv.forceClose());

  it('uses the OTLP service paths', () => {
    assert.equal(GRPC_PATHS.traces, PATH);
    assert.equal(GRPC_PATHS.metrics, '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export');
    assert.equal(GRPC_PATHS.logs, '/opentelemetry.proto.collector.logs.v1.LogsService/Export');
  });

  it('the body arrives byte for byte, with the headers as metadata; the answer is a success', async () => {
    srv.answer((_call, cb) => cb(null, Buffer.from([0x0a, 0x00])));
    const t = new GrpcTransport(options(`http://127.0.0.1:${srv.port}`, { headers: { Authorization: 'Bearer abc', 'x-tenant': 't1' } }), 'traces');
    const r = await t.send(BODY, 5000);
    t.close();
    assert.equal(r.ok, true, String(r.error));
    assert.equal(r.status, 0);
    assert.deepEqual(r.body, Buffer.from([0x0a, 0x00]));
    const got = srv.received.at(-1)!;
    assert.deepEqual(got.body, BODY);
    assert.deepEqual(got.metadata.get('authorization'), ['Bearer abc']);
    assert.deepEqual(got.metadata.get('x-tenant'), ['t1']);
    assert.match(String(got.metadata.get('user-agent')[0]), new RegExp(`^ts-otel-run/${VERSION.replace(/\./g, '\\.')}`));
  });

  it('gzip compression: the server still gets the same bytes', async () => {
    srv.answer((_call, cb) => cb(null, Buffer.alloc(0)));
    const big = Buffer.alloc(20_000, 'otlp');
    const t = new GrpcTransport(options(`http://127.0.0.1:${srv.port}`, { compression: 'gzip' }), 'traces');
    const r = await t.send(big, 5000);
    t.close();
    assert.equal(r.ok, true, String(r.error));
    assert.deepEqual(srv.received.at(-1)!.body, big);
  });

  it('gzip compression: what goes on the wire is a compressed message', async () => {
    // a bare HTTP/2 server, to see the frames as they are sent
    const seen: Array<{ encoding: unknown; flag: number; length: number }> = [];
    const h2 = http2.createServer();
    h2.on('stream', (stream, headers) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const frame = Buffer.concat(chunks);
        seen.push({ encoding: headers['grpc-encoding'], flag: frame[0]!, length: frame.readUInt32BE(1) });
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(Buffer.from([0, 0, 0, 0, 0]));
      });
    });
    await new Promise<void>((r) => h2.listen(0, '127.0.0.1', r));
    try {
      const port = (h2.address() as net.AddressInfo).port;
      const t = new GrpcTransport(options(`http://127.0.0.1:${port}`, { compression: 'gzip' }), 'traces');
      const r = await t.send(Buffer.alloc(20_000, 'otlp'), 5000);
      t.close();
      assert.equal(r.ok, true, String(r.error));
      assert.equal(seen.length, 1);
      assert.equal(seen[0]!.encoding, 'gzip');
      assert.equal(seen[0]!.flag, 1, 'the compressed-flag byte');
      assert.ok(seen[0]!.length < 1000, `${seen[0]!.length} bytes`);
    } finally {
      await new Promise((r) => h2.close(r));
    }
  });

  // The OTLP specification's list: retryable CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE,
  // UNAVAILABLE, DATA_LOSS; RESOURCE_EXHAUSTED only with RetryInfo; the others are not.
  const RETRYABLE = new Set([1, 4, 10, 11, 14, 15]);
  for (let code = 1; code <= 16; code++) {
    it(`status ${grpc.status[code]} (${code}) is ${RETRYABLE.has(code) ? '' : 'not '}retryable`, async () => {
      srv.answer((_call, cb) => cb({ code, details: `failed with ${code}` }));
      const t = new GrpcTransport(options(`http://127.0.0.1:${srv.port}`), 'traces');
      const r = await t.send(BODY, 5000);
      t.close();
      assert.equal(r.ok, false);
      assert.equal(r.retryable, RETRYABLE.has(code));
      // UNAVAILABLE counts as a network error (no status): not retried while shutting down
      assert.equal(r.status, code === 14 ? undefined : code);
      assert.equal(r.retryAfterMs, undefined);
      assert.equal(r.error!.message, `gRPC ${grpc.status[code]}: failed with ${code}`);
    });
  }

  it('RESOURCE_EXHAUSTED with RetryInfo in grpc-status-details-bin is retryable after the delay given', async () => {
    srv.answer((_call, cb) => {
      const metadata = new grpc.Metadata();
      metadata.set('grpc-status-details-bin', statusWithRetryInfo(8, 2, 500_000_000));
      cb({ code: 8, details: 'quota', metadata });
    });
    const t = new GrpcTransport(options(`http://127.0.0.1:${srv.port}`), 'traces');
    const r = await t.send(BODY, 5000);
    t.close();
    assert.equal(r.ok, false);
    assert.equal(r.retryable, true);
    assert.equal(r.status, 8);
    assert.equal(r.retryAfterMs, 2500);
  });

  it('UNAVAILABLE with RetryInfo gives the delay too', async () => {
    srv.answer((_call, cb) => {
      const metadata = new grpc.Metadata();
      metadata.set('grpc-status-details-bin', statusWithRetryInfo(14, 1, 0));
      cb({ code: 14, details: 'overloaded', metadata });
    });
    const t = new GrpcTransport(options(`http://127.0.0.1:${srv.port}`), 'traces');
    const r = await t.send(BODY, 5000);
    t.close();
    assert.equal(r.retryable, true);
    assert.equal(r.retryAfterMs, 1000);
  });

  it('respects the deadline: a server that never answers gives DEADLINE_EXCEEDED, retryable', async () => {
    srv.answer(() => {});
    const t = new GrpcTransport(options(`http://127.0.0.1:${srv.port}`), 'traces');
    const started = Date.now();
    const r = await t.send(BODY, 300);
    const took = Date.now() - started;
    t.close();
    assert.equal(r.ok, false);
    assert.equal(r.status, 4);
    assert.equal(r.retryable, true);
    assert.ok(took >= 250 && took < 3000, `took ${took} ms`);
  });

  it('reuses its channel for later sends', async () => {
    srv.answer((_call, cb) => cb(null, Buffer.alloc(0)));
    const t = new GrpcTransport(options(`http://127.0.0.1:${srv.port}`), 'traces');
    for (let i = 0; i < 3; i++) assert.equal((await t.send(Buffer.from([i]), 5000)).ok, true);
    t.close();
    assert.deepEqual(srv.received.slice(-3).map((r) => r.body[0]), [0, 1, 2]);
  });

  it('a send after close() is a non-retryable failure, not a rejection', async () => {
    srv.answer((_call, cb) => cb(null, Buffer.alloc(0)));
    const t = new GrpcTransport(options(`http://127.0.0.1:${srv.port}`), 'traces');
    assert.equal((await t.send(BODY, 5000)).ok, true);
    t.close();
    const r = await t.send(BODY, 1000);
    assert.equal(r.ok, false);
    assert.equal(r.retryable, false);
    assert.match(r.error!.message, /shut down/);
  });

  it('a header grpc-js refuses is a non-retryable failure naming the key, never the value', async () => {
    for (const headers of [{ 'x-token-bin': 'SECRET-VALUE' }, { authorization: 'Bearer SECRET-VALUE\nx: y' }] as Record<string, string>[]) {
      const t = new GrpcTransport(options(`http://127.0.0.1:${srv.port}`, { headers }), 'traces');
      const r = await t.send(BODY, 1000);
      t.close();
      assert.equal(r.ok, false);
      assert.equal(r.retryable, false);
      assert.ok(r.error);
      assert.ok(!r.error.message.includes('SECRET'), r.error.message);
      assert.ok(r.error.message.includes(Object.keys(headers)[0]!), r.error.message);
    }
  });
});

describe('GrpcTransport without a server', () => {
  it('connection refused: UNAVAILABLE, retryable, no status', async () => {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise((r) => s.close(r));
    const t = new GrpcTransport(options(`http://127.0.0.1:${port}`), 'traces');
    const started = Date.now();
    const r = await t.send(BODY, 3000);
    t.close();
    assert.equal(r.ok, false);
    assert.equal(r.retryable, true);
    assert.equal(r.status, undefined);
    assert.match(r.error!.message, /^gRPC UNAVAILABLE/);
    assert.ok(Date.now() - started < 3000);
  });
});

describe('GrpcTransport and TLS', () => {
  let dir: string | undefined;
  let skip: string | false = false;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ts-otel-run-grpc-tls-'));
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
      if (process.env.CI === 'true') throw new Error(`openssl is needed for the gRPC TLS test under CI: ${(e as Error).message}`);
      skip = `openssl could not make a certificate (${(e as Error).message.split('\n')[0]})`;
    }
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('https:// uses TLS even with insecure set: the scheme decides, as the specification says', async () => {
    const srv = await startServer();
    try {
      const plain = new GrpcTransport(options(`http://127.0.0.1:${srv.port}`, { insecure: false }), 'traces');
      assert.equal((await plain.send(BODY, 3000)).ok, true, 'http:// is plaintext');
      plain.close();
      const tls = new GrpcTransport(options(`https://127.0.0.1:${srv.port}`, { insecure: true }), 'traces');
      const r = await tls.send(BODY, 3000);
      tls.close();
      assert.equal(r.ok, false, 'a TLS handshake with a plaintext server cannot succeed');
      assert.equal(srv.received.length, 1, 'nothing was sent in plaintext to the https:// endpoint');
    } finally {
      srv.forceClose();
    }
  });

  it('trusts a self-signed server with the configured certificate', async (t) => {
    if (skip) return t.skip(skip);
    const received: Buffer[] = [];
    const server = new grpc.Server();
    server.addService(
      { Export: { path: PATH, requestStream: false, responseStream: false, requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw } },
      {
        Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
          received.push(call.request);
          cb(null, Buffer.alloc(0));
        },
      },
    );
    const creds = grpc.ServerCredentials.createSsl(null, [
      { private_key: readFileSync(join(dir!, 'key.pem')), cert_chain: readFileSync(join(dir!, 'cert.pem')) },
    ]);
    const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', creds, (e, p) => (e ? rej(e) : res(p))));
    try {
      const trusted = new GrpcTransport(options(`https://127.0.0.1:${port}`, { certificate: join(dir!, 'cert.pem') }), 'traces');
      const ok = await trusted.send(BODY, 5000);
      trusted.close();
      assert.equal(ok.ok, true, String(ok.error));
      assert.deepEqual(received, [BODY]);
      const untrusted = new GrpcTransport(options(`https://127.0.0.1:${port}`), 'traces');
      const bad = await untrusted.send(BODY, 3000);
      untrusted.close();
      assert.equal(bad.ok, false);
      assert.equal(received.length, 1);
    } finally {
      server.forceShutdown();
    }
  });
});
