import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { handOffAtExit, OUTCOME, type ExitRequest } from '../../../../src/exporters/otlp/exit-handoff';
import { run } from '../../../helpers/run';

const MODULE = resolve(__dirname, '..', '..', '..', '..', 'src', 'exporters', 'otlp', 'exit-handoff.js');
const GRPC_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

interface ChildReport {
  outcomes: number[];
  took: number;
}

/**
 * Runs a child process that exits with `exitCode` via process.exit() and hands `requests` off from
 * its 'exit' handler, as the agent does.
 */
async function handOffInChild(requests: ExitRequest[], deadlineMs: number, exitCode = 0) {
  const serialized = requests.map((r) => ({ ...r, body: Buffer.from(r.body).toString('base64') }));
  const program = `
    const { handOffAtExit } = require(${JSON.stringify(MODULE)});
    // each body a view into a larger buffer, as the encoders' output is
    const view = (b64) => {
      const bytes = Buffer.from(b64, 'base64');
      const big = new Uint8Array(bytes.length + 64).fill(0xee);
      big.set(bytes, 32);
      return big.subarray(32, 32 + bytes.length);
    };
    const requests = ${JSON.stringify(serialized)}.map((r) => ({ ...r, body: view(r.body) }));
    process.on('exit', () => {
      const started = Date.now();
      const outcomes = handOffAtExit(requests, ${deadlineMs});
      process.stdout.write(JSON.stringify({ outcomes, took: Date.now() - started }) + '\\n');
    });
    setTimeout(() => process.exit(${exitCode}), 1);
  `;
  const started = Date.now();
  const r = await run(process.execPath, ['-e', program], { timeoutMs: 20_000 });
  const wall = Date.now() - started;
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  let report: ChildReport;
  try {
    report = JSON.parse(line);
  } catch {
    assert.fail(`no report from the child (code ${r.code}, signal ${r.signal}):\n${r.stdout}\n${r.stderr}`);
  }
  return { ...r, report, wall };
}

function request(url: string, extra: Partial<ExitRequest> = {}): ExitRequest {
  return {
    protocol: 'http/protobuf',
    url,
    headers: {},
    contentType: 'application/x-protobuf',
    gzip: false,
    body: new Uint8Array([0x0a, 0x02, 0x08, 0x01, 0x00, 0xff]),
    count: 1,
    noun: 'span',
    ...extra,
  };
}

interface Received {
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

describe('handOffAtExit over HTTP', () => {
  const received: Received[] = [];
  let status = 200;
  let server: http.Server;
  let base = '';
  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ url: req.url!, headers: req.headers, body: Buffer.concat(chunks) });
        res.statusCode = status;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  after(() => new Promise((r) => server.close(r)));

  it('protobuf with gzip: the body arrives, the outcome is SENT, the exit code is unchanged', async () => {
    status = 200;
    const body = new Uint8Array(Buffer.alloc(5000, 'span-bytes'));
    const { report, code } = await handOffInChild(
      [request(`${base}/v1/traces?k=v`, { gzip: true, body, headers: { authorization: 'Bearer t', 'x-a': 'b' } })],
      5000,
      3,
    );
    assert.deepEqual(report.outcomes, [OUTCOME.SENT]);
    assert.equal(code, 3);
    const r = received.at(-1)!;
    assert.equal(r.url, '/v1/traces?k=v');
    assert.equal(r.headers['content-type'], 'application/x-protobuf');
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.equal(r.headers['authorization'], 'Bearer t');
    assert.equal(r.headers['x-a'], 'b');
    assert.deepEqual(gunzipSync(r.body), Buffer.from(body));
  });

  it('JSON without gzip', async () => {
    status = 200;
    const json = Buffer.from('{"resourceSpans":[{"scopeSpans":[]}]}');
    const { report, code } = await handOffInChild(
      [request(`${base}/v1/traces`, { protocol: 'http/json', contentType: 'application/json', body: new Uint8Array(json) })],
      5000,
    );
    assert.deepEqual(report.outcomes, [OUTCOME.SENT]);
    assert.equal(code, 0);
    const r = received.at(-1)!;
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers['content-encoding'], undefined);
    assert.deepEqual(r.body, json);
  });

  it('a body that is a view into a larger buffer sends only the view', async () => {
    status = 200;
    const { report } = await handOffInChild([request(`${base}/v1/traces`)], 5000);
    assert.deepEqual(report.outcomes, [OUTCOME.SENT]);
    assert.deepEqual(received.at(-1)!.body, Buffer.from([0x0a, 0x02, 0x08, 0x01, 0x00, 0xff]));
  });

  it('an error status is FAILED', async () => {
    status = 503;
    const { report } = await handOffInChild([request(`${base}/v1/traces`)], 5000);
    assert.deepEqual(report.outcomes, [OUTCOME.FAILED]);
    status = 200;
  });

  it('connection refused is FAILED quickly', async () => {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise((r) => s.close(r));
    const { report, code } = await handOffInChild([request(`http://127.0.0.1:${port}/v1/traces`)], 10_000, 5);
    assert.deepEqual(report.outcomes, [OUTCOME.FAILED]);
    assert.ok(report.took < 5000, `waited ${report.took} ms`);
    assert.equal(code, 5);
  });

  it('a black-holed server is PENDING once the deadline passes, and the process still ends', async () => {
    const sockets: net.Socket[] = [];
    const hole = net.createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => hole.listen(0, '127.0.0.1', r));
    const port = (hole.address() as net.AddressInfo).port;
    try {
      const { report, code, wall } = await handOffInChild([request(`http://127.0.0.1:${port}/v1/traces`)], 300, 4);
      assert.deepEqual(report.outcomes, [OUTCOME.PENDING]);
      assert.ok(report.took >= 250, `returned after ${report.took} ms`);
      assert.ok(wall < 5000, `the child took ${wall} ms`);
      assert.equal(code, 4);
      assert.ok(sockets.length >= 1, 'the request reached the server');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => hole.close(r));
    }
  });

  it('several requests: each has its own outcome', async () => {
    status = 200;
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const refused = (s.address() as net.AddressInfo).port;
    await new Promise((r) => s.close(r));
    const { report } = await handOffInChild(
      [request(`${base}/v1/traces`), request(`http://127.0.0.1:${refused}/v1/traces`), request(`${base}/v1/logs`)],
      5000,
    );
    assert.deepEqual(report.outcomes, [OUTCOME.SENT, OUTCOME.FAILED, OUTCOME.SENT]);
  });
});

describe('handOffAtExit over gRPC', () => {
  it('to a grpc-js server: the body arrives byte for byte with the headers, SENT', async () => {
    const received: Array<{ body: Buffer; metadata: grpc.Metadata }> = [];
    const server = new grpc.Server();
    const raw = (b: Buffer) => b;
    server.addService(
      { Export: { path: GRPC_PATH, requestStream: false, responseStream: false, requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw } },
      {
        Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
          received.push({ body: call.request, metadata: call.metadata });
          cb(null, Buffer.alloc(0));
        },
      },
    );
    const port = await new Promise<number>((res, rej) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))),
    );
    try {
      const body = new Uint8Array([1, 2, 3, 0, 255, 254, 10]);
      const { report, code } = await handOffInChild(
        [request(`http://127.0.0.1:${port}`, { protocol: 'grpc', grpcPath: GRPC_PATH, body, headers: { Authorization: 'Bearer g', 'x-tenant': 't' } })],
        5000,
        2,
      );
      assert.deepEqual(report.outcomes, [OUTCOME.SENT]);
      assert.equal(code, 2);
      assert.equal(received.length, 1);
      assert.deepEqual(received[0]!.body, Buffer.from(body));
      assert.deepEqual(received[0]!.metadata.get('authorization'), ['Bearer g']);
      assert.deepEqual(received[0]!.metadata.get('x-tenant'), ['t']);
    } finally {
      server.forceShutdown();
    }
  });

  describe('to a bare HTTP/2 server', () => {
    const seen: Array<{ headers: http2.IncomingHttpHeaders; frame: Buffer }> = [];
    let grpcStatus = '0';
    let inHeaders = false;
    let server: http2.Http2Server;
    let url = '';
    before(async () => {
      server = http2.createServer();
      server.on('stream', (stream, headers) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          seen.push({ headers, frame: Buffer.concat(chunks) });
          if (inHeaders) {
            // a trailers-only answer: grpc-status in the headers
            stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': grpcStatus }, { endStream: true });
            return;
          }
          stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
          stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': grpcStatus }));
          stream.end(Buffer.from([0, 0, 0, 0, 0]));
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    });
    after(() => new Promise((r) => server.close(r)));

    it('sends one length-prefixed gRPC message to the path; grpc-status 0 in the trailers is SENT', async () => {
      grpcStatus = '0';
      inHeaders = false;
      const body = new Uint8Array(Buffer.from('protobuf bytes'));
      const { report } = await handOffInChild([request(url, { protocol: 'grpc', grpcPath: GRPC_PATH, body })], 5000);
      assert.deepEqual(report.outcomes, [OUTCOME.SENT]);
      const { headers, frame } = seen.at(-1)!;
      assert.equal(headers[':method'], 'POST');
      assert.equal(headers[':path'], GRPC_PATH);
      assert.equal(headers['content-type'], 'application/grpc');
      assert.equal(headers['te'], 'trailers');
      assert.equal(frame[0], 0, 'not compressed');
      assert.equal(frame.readUInt32BE(1), body.length);
      assert.deepEqual(frame.subarray(5), Buffer.from(body));
    });

    it('a failing grpc-status is FAILED, in the trailers or in trailers-only headers', async () => {
      for (const only of [false, true]) {
        grpcStatus = '14';
        inHeaders = only;
        const { report } = await handOffInChild([request(url, { protocol: 'grpc', grpcPath: GRPC_PATH })], 5000);
        assert.deepEqual(report.outcomes, [OUTCOME.FAILED], `trailers-only: ${only}`);
      }
      grpcStatus = '0';
      inHeaders = true;
      const { report } = await handOffInChild([request(url, { protocol: 'grpc', grpcPath: GRPC_PATH })], 5000);
      assert.deepEqual(report.outcomes, [OUTCOME.SENT], 'trailers-only success');
      inHeaders = false;
    });

    it('gRPC connection refused is FAILED quickly', async () => {
      const s = net.createServer();
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
      const port = (s.address() as net.AddressInfo).port;
      await new Promise((r) => s.close(r));
      const { report } = await handOffInChild([request(`http://127.0.0.1:${port}`, { protocol: 'grpc', grpcPath: GRPC_PATH })], 10_000);
      assert.deepEqual(report.outcomes, [OUTCOME.FAILED]);
      assert.ok(report.took < 5000, `waited ${report.took} ms`);
    });
  });
});

describe('handOffAtExit in this process', () => {
  it('with nothing to send, returns at once without a worker', () => {
    const started = Date.now();
    assert.deepEqual(handOffAtExit([], 5000), []);
    assert.ok(Date.now() - started < 100);
  });
});
