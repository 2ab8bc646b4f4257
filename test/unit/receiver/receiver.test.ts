import { strict as assert } from 'node:assert';
import * as grpc from '@grpc/grpc-js';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { after, describe, it } from 'node:test';
import {
  int64ToBigInt,
  type OtlpRequest,
  type Receiver,
  type RequestMeta,
  type Signal,
  startReceiver,
} from '../../../src/receiver';
import { encodeRequest, FIXTURES } from '../../helpers/otlp-official';
import { grpcExport, JSON_TYPE, post, PROTOBUF } from './transport';
import { freePort } from '../../helpers/run';

const open: Receiver[] = [];
after(() => Promise.all(open.map((r) => r.close())));

async function start(options: Parameters<typeof startReceiver>[0] = {}): Promise<Receiver> {
  const r = await startReceiver(options);
  open.push(r);
  return r;
}

/** Rejects with `message` if `promise` does not settle within `ms` (a generous bound: a hang, not a speed check). */
function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const sendTraces = (r: Receiver) =>
  post(r.endpoints.http!, '/v1/traces', encodeRequest('traces', FIXTURES.traces.official), PROTOBUF);


function occupy(): Promise<net.Server & { port: number }> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(Object.assign(s, { port: (s.address() as net.AddressInfo).port })));
  });
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

describe('startReceiver', () => {
  it('listens on 127.0.0.1 on two free ports by default', async () => {
    const r = await start();
    assert.equal(r.host, '127.0.0.1');
    assert.ok(Number.isInteger(r.grpcPort) && r.grpcPort! > 0);
    assert.ok(Number.isInteger(r.httpPort) && r.httpPort! > 0);
    assert.notEqual(r.grpcPort, r.httpPort);
    assert.deepEqual(r.endpoints, { grpc: `http://127.0.0.1:${r.grpcPort}`, http: `http://127.0.0.1:${r.httpPort}` });
    assert.equal((await sendTraces(r)).status, 200);
    assert.equal((await grpcExport(r.endpoints.grpc!, 'logs', encodeRequest('logs', FIXTURES.logs.official))).error, null);
  });

  it('starts only the servers asked for', async () => {
    const httpOnly = await start({ grpcPort: false });
    assert.equal(httpOnly.grpcPort, undefined);
    assert.equal(httpOnly.endpoints.grpc, undefined);
    assert.ok(httpOnly.httpPort! > 0);
    const grpcOnly = await start({ httpPort: false });
    assert.equal(grpcOnly.httpPort, undefined);
    assert.equal(grpcOnly.endpoints.http, undefined);
    assert.ok(grpcOnly.grpcPort! > 0);
  });

  it('listens on the ports given', async () => {
    const [g, h] = [await freePort(), await freePort()];
    const r = await start({ grpcPort: g, httpPort: h });
    assert.equal(r.grpcPort, g);
    assert.equal(r.httpPort, h);
    assert.equal((await sendTraces(r)).status, 200);
  });

  it('rejects when a port is taken, and leaves nothing listening', async () => {
    const taken = await occupy();
    try {
      await assert.rejects(
        startReceiver({ grpcPort: false, httpPort: taken.port }),
        new RegExp(`cannot start the OTLP/HTTP receiver on 127\\.0\\.0\\.1:${taken.port}: .*EADDRINUSE`),
      );
      await assert.rejects(startReceiver({ httpPort: false, grpcPort: taken.port }), /cannot start the OTLP\/gRPC receiver/);
      const grpcPort = await freePort();
      await assert.rejects(startReceiver({ grpcPort, httpPort: taken.port }), /EADDRINUSE/);
      assert.ok(await refused(grpcPort), 'the gRPC server started first was closed');
    } finally {
      taken.close();
    }
  });

  it('gives endpoints that reach it on IPv6 loopback and on a wildcard address', async (t) => {
    let v6: Receiver;
    try {
      v6 = await start({ host: '::1' });
    } catch (e) {
      return t.skip(`no IPv6 loopback here: ${(e as Error).message}`);
    }
    assert.deepEqual(v6.endpoints, { grpc: `http://[::1]:${v6.grpcPort}`, http: `http://[::1]:${v6.httpPort}` });
    assert.equal((await sendTraces(v6)).status, 200);
    assert.equal((await grpcExport(v6.endpoints.grpc!, 'logs', encodeRequest('logs', FIXTURES.logs.official))).error, null);
    const any = await start({ host: '0.0.0.0' });
    assert.deepEqual(any.endpoints, { grpc: `http://127.0.0.1:${any.grpcPort}`, http: `http://127.0.0.1:${any.httpPort}` });
    assert.equal((await sendTraces(any)).status, 200);
    assert.equal((await grpcExport(any.endpoints.grpc!, 'logs', encodeRequest('logs', FIXTURES.logs.official))).error, null);
  });

  it('rejects invalid options', async () => {
    await assert.rejects(startReceiver({ grpcPort: -1 }), TypeError);
    await assert.rejects(startReceiver({ httpPort: 1.5 }), TypeError);
    await assert.rejects(startReceiver({ httpPort: 70000 }), TypeError);
    await assert.rejects(startReceiver({ maxBodyBytes: 0 }), TypeError);
  });
});

describe('what the receiver keeps', () => {
  it('keeps requests in arrival order with their protocol and headers, whatever the protocol', async () => {
    const r = await start();
    await post(r.endpoints.http!, '/v1/traces', JSON.stringify(FIXTURES.traces.json), { ...JSON_TYPE, 'X-Id': '1' });
    await grpcExport(r.endpoints.grpc!, 'metrics', encodeRequest('metrics', FIXTURES.metrics.official), {
      metadata: { 'x-id': '2' },
    });
    await post(r.endpoints.http!, '/v1/logs', encodeRequest('logs', FIXTURES.logs.official), { ...PROTOBUF, 'X-Id': '3' });
    await post(r.endpoints.http!, '/v1/traces', encodeRequest('traces', FIXTURES.traces.official), { ...PROTOBUF, 'X-Id': '4' });
    assert.deepEqual(
      r.requests.map((q) => [q.signal, q.protocol, q.headers['x-id']]),
      [
        ['traces', 'http/json', '1'],
        ['metrics', 'grpc', '2'],
        ['logs', 'http/protobuf', '3'],
        ['traces', 'http/protobuf', '4'],
      ],
    );
    const times = r.requests.map((q) => q.receivedAt);
    assert.deepEqual([...times].sort((a, b) => a - b), times);
    assert.deepStrictEqual(r.requests[0]!.data, r.requests[3]!.data, 'the same request decodes the same from JSON and protobuf');
    const n = FIXTURES.traces.expected.length;
    assert.deepEqual(
      r.spans().map((s) => s.protocol),
      [...Array(n).fill('http/json'), ...Array(n).fill('http/protobuf')],
    );
    assert.equal(r.metrics().length, FIXTURES.metrics.expected.length);
    assert.equal(r.logRecords().length, FIXTURES.logs.expected.length);
  });

  it('keeps everything from many concurrent requests', async () => {
    const r = await start();
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < 10; i++) {
      sends.push(sendTraces(r));
      sends.push(grpcExport(r.endpoints.grpc!, 'traces', encodeRequest('traces', FIXTURES.traces.official)));
      sends.push(post(r.endpoints.http!, '/v1/traces', JSON.stringify(FIXTURES.traces.json), JSON_TYPE));
    }
    await Promise.all(sends);
    assert.equal(r.requests.length, 30);
    assert.equal(r.spans().length, 30 * FIXTURES.traces.expected.length);
  });

  it('keeps a request of 200 000 empty spans, metrics or log records: 200, not 500 (found by fuzzing)', async () => {
    const r = await start({ grpcPort: false });
    const n = 200_000;
    const items = { traces: 'spans', metrics: 'metrics', logs: 'logRecords' } as const;
    const outer = { traces: ['resourceSpans', 'scopeSpans'], metrics: ['resourceMetrics', 'scopeMetrics'], logs: ['resourceLogs', 'scopeLogs'] };
    for (const signal of ['traces', 'metrics', 'logs'] as const) {
      const [resource, scope] = outer[signal];
      const body = JSON.stringify({ [resource]: [{ [scope]: [{ [items[signal]]: Array(n).fill({}) }] }] });
      const reply = await post(r.endpoints.http!, `/v1/${signal}`, body, JSON_TYPE);
      assert.equal(reply.status, 200, reply.body.toString());
    }
    assert.equal(r.spans().length, n);
    assert.equal(r.metrics().length, n);
    assert.equal(r.logRecords().length, n);
  });

  it('gives times that int64ToBigInt turns into exact durations, numbers and strings alike', async () => {
    const r = await start();
    await sendTraces(r);
    const [first, second] = r.spans();
    assert.equal(int64ToBigInt(first!.endTimeUnixNano) - int64ToBigInt(first!.startTimeUnixNano), 864197532n);
    assert.equal(int64ToBigInt(second!.endTimeUnixNano) - int64ToBigInt(second!.startTimeUnixNano), 1000n);
  });

  it('returns copies: callers cannot change what was received', async () => {
    const r = await start();
    await sendTraces(r);
    r.spans().length = 0;
    (r.requests as unknown[]).length = 0;
    assert.equal(r.spans().length, FIXTURES.traces.expected.length);
    assert.equal(r.requests.length, 1);
  });

  it('forgets everything on clear()', async () => {
    const r = await start();
    await sendTraces(r);
    await post(r.endpoints.http!, '/v1/nope', '{}', JSON_TYPE);
    assert.equal(r.rejected.length, 1);
    r.clear();
    assert.deepEqual([r.requests, r.rejected, r.spans(), r.metrics(), r.logRecords()], [[], [], [], [], []]);
    await sendTraces(r);
    assert.equal(r.spans().length, FIXTURES.traces.expected.length);
  });
});

describe('onData', () => {
  it('is called with the signal, the decoded request and where it came from', async () => {
    const calls: [Signal, OtlpRequest, RequestMeta][] = [];
    const r = await start({ onData: (signal, data, meta) => void calls.push([signal, data, meta]) });
    await post(r.endpoints.http!, '/v1/logs', JSON.stringify(FIXTURES.logs.json), { ...JSON_TYPE, 'X-Tenant': 'a' });
    await grpcExport(r.endpoints.grpc!, 'metrics', encodeRequest('metrics', FIXTURES.metrics.official), {
      metadata: { 'x-tenant': 'b' },
    });
    assert.deepEqual(
      calls.map(([signal, , meta]) => [signal, meta.protocol, meta.headers['x-tenant']]),
      [
        ['logs', 'http/json', 'a'],
        ['metrics', 'grpc', 'b'],
      ],
    );
    assert.equal(calls[0]![1], r.requests[0]!.data);
    assert.equal(calls[1]![1], r.requests[1]!.data);
  });

  it('is awaited before the answer', async () => {
    const order: string[] = [];
    const r = await start({
      onData: async () => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        order.push('onData done');
      },
    });
    await sendTraces(r);
    order.push('HTTP answer');
    await grpcExport(r.endpoints.grpc!, 'traces', encodeRequest('traces', FIXTURES.traces.official));
    order.push('gRPC answer');
    assert.deepEqual(order, ['onData done', 'HTTP answer', 'onData done', 'gRPC answer']);
  });

  it('turns a failure into HTTP 500 or gRPC INTERNAL, and the receiver goes on', async () => {
    let fail = true;
    const r = await start({
      onData: () => {
        if (fail) throw new Error('boom');
      },
    });
    const reply = await sendTraces(r);
    assert.equal(reply.status, 500);
    const grpcReply = await grpcExport(r.endpoints.grpc!, 'traces', encodeRequest('traces', FIXTURES.traces.official));
    assert.equal(grpcReply.error?.code, grpc.status.INTERNAL);
    assert.match(grpcReply.error!.details, /onData callback failed: boom/);
    fail = false;
    assert.equal((await sendTraces(r)).status, 200);
    assert.equal(r.requests.length, 3, 'requests are kept even when onData fails');
    assert.deepEqual(
      r.rejected.map((x) => [x.transport, x.status]),
      [
        ['http', 500],
        ['grpc', grpc.status.INTERNAL],
      ],
    );
  });
});

describe('waitFor', () => {
  it('resolves with the predicate value as soon as a request makes it true, before the request is answered', async () => {
    const r = await start();
    const order: string[] = [];
    const waiting = r.waitFor((x) => x.spans().find((s) => s.name === 'root'));
    waiting.then(() => order.push('waitFor'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(order.length, 0, 'not before the data');
    await sendTraces(r);
    order.push('answer');
    const span = await waiting;
    assert.equal(span.name, 'root');
    assert.equal(span.spanId, FIXTURES.traces.expected[1]!.spanId);
    assert.deepEqual(order, ['waitFor', 'answer'], 'woken by the arrival, not by a timer');
  });

  it('resolves at once when the predicate already holds', async () => {
    const r = await start();
    await sendTraces(r);
    assert.equal(await r.waitFor((x) => x.spans().length >= 4, { timeoutMs: 1 }), true);
  });

  it('counts a predicate that throws as not yet satisfied', async () => {
    const r = await start();
    const waiting = r.waitFor((x) => x.logRecords()[0]!.severityText === 'INFO');
    await post(r.endpoints.http!, '/v1/logs', JSON.stringify(FIXTURES.logs.json), JSON_TYPE);
    assert.equal(await waiting, true);
  });

  it('rejects on timeout with what was received and rejected', async () => {
    const r = await start();
    await sendTraces(r);
    await post(r.endpoints.http!, '/v1/metrics', '{"resourceMetrics":5}', JSON_TYPE);
    await assert.rejects(
      r.waitFor((x) => x.spans().some((s) => s.name === 'never'), { timeoutMs: 50, description: 'a span named never' }),
      (e: Error) => {
        assert.match(e.message, /^waitFor for a span named never: not satisfied within 50 ms\. /);
        assert.match(e.message, /1 trace request with 4 spans \["GET \/users\/:id", "root", "odd kind", "defaults"\]/);
        assert.match(e.message, /0 metrics requests with 0 metrics/);
        assert.match(e.message, /Rejected 1 request: POST \/v1\/metrics → 400: invalid OTLP\/JSON ExportMetricsServiceRequest/);
        return true;
      },
    );
  });

  it('says what the predicate last threw', async () => {
    const r = await start();
    await assert.rejects(
      r.waitFor((x) => x.spans()[0]!.name === 'x', { timeoutMs: 20 }),
      /not satisfied within 20 ms\. Received so far: 0 trace requests with 0 spans; .* The predicate last threw: .*undefined/,
    );
  });

  it('rejects pending waits when the receiver closes, and later ones that cannot be satisfied', async () => {
    const r = await start();
    await sendTraces(r);
    const waiting = r.waitFor((x) => x.logRecords().length > 0, { timeoutMs: 60_000 });
    await r.close();
    await assert.rejects(waiting, /the receiver was closed/);
    await assert.rejects(r.waitFor((x) => x.logRecords().length > 0), /the receiver is closed/);
    assert.equal(await r.waitFor((x) => x.spans().length), 4, 'what was received stays readable');
  });
});

/** Writes raw bytes to a port; resolves with what came back once the server closed the connection. */
function rawExchange(port: number, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {});
    socket.on('close', () => resolve(Buffer.concat(chunks)));
    socket.end(bytes);
  });
}

describe('garbage on the wire', () => {
  it('is answered or dropped, and both servers keep serving', async () => {
    const r = await start();
    const garbage = [
      Buffer.from('GARBAGE\r\n\r\n'),
      Buffer.from('POST /v1/traces HTTP/1.1\r\nContent-Length: -5\r\n\r\n'),
      Buffer.from('POST /v1/traces HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n'),
      Buffer.from([0, 1, 2, 3, 255, 254, 253, 10, 13, 10, 13]),
    ];
    for (const bytes of garbage) {
      const answer = await within(rawExchange(r.httpPort!, bytes), 5000, 'the HTTP server kept a garbage connection open');
      assert.match(answer.toString('latin1'), /^(HTTP\/1\.1 400 |$)/, 'a 400 or nothing');
      await within(rawExchange(r.grpcPort!, bytes), 5000, 'the gRPC server kept a garbage connection open');
    }
    // a valid HTTP/2 preface followed by garbage frames
    const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    await within(rawExchange(r.grpcPort!, Buffer.concat([preface, Buffer.alloc(64, 0xff)])), 5000, 'gRPC kept the connection');
    assert.equal((await sendTraces(r)).status, 200);
    assert.equal((await grpcExport(r.endpoints.grpc!, 'logs', encodeRequest('logs', FIXTURES.logs.official))).error, null);
    assert.equal(r.spans().length, FIXTURES.traces.expected.length);
    assert.equal(r.logRecords().length, FIXTURES.logs.expected.length);
  });
});

describe('close', () => {
  it('closes both servers at once, idle keep-alive and in-flight connections included', async () => {
    const r = await start();
    const { grpcPort, httpPort } = r;

    const agent = new http.Agent({ keepAlive: true });
    let hanging: http.ClientRequest | undefined;
    let session: http2.ClientHttp2Session | undefined;
    try {
      // an idle keep-alive HTTP connection
      let idle: net.Socket | undefined;
      agent.on('free', (socket: net.Socket) => (idle = socket));
      const reply = await post(r.endpoints.http!, '/v1/traces', encodeRequest('traces', {}), PROTOBUF, { agent });
      assert.equal(reply.status, 200);
      assert.ok(idle && !idle.destroyed);
      const idleClosed = new Promise((resolve) => idle!.once('close', resolve));

      // an HTTP request whose body never ends
      hanging = http.request(`${r.endpoints.http}/v1/traces`, {
        method: 'POST',
        headers: { ...PROTOBUF, 'Content-Length': '1000' },
        agent: false,
      });
      const req = hanging;
      const hangingClosed = new Promise<void>((resolve) => {
        req.on('error', () => resolve());
        req.on('close', () => resolve());
      });
      req.write(Buffer.alloc(10));
      await new Promise((resolve) => req.once('socket', (s: net.Socket) => s.once('connect', resolve)));

      // an HTTP/2 (gRPC) connection with a call whose message never ends
      const h2 = http2.connect(`http://127.0.0.1:${grpcPort}`);
      session = h2;
      h2.on('error', () => {});
      await new Promise((resolve) => h2.once('connect', resolve));
      const sessionClosed = new Promise((resolve) => h2.once('close', resolve));
      const call = h2.request({
        ':method': 'POST',
        ':path': '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      call.on('error', () => {});
      call.write(Buffer.from([0, 0, 0, 0, 100, 0x0a])); // announces 100 bytes, sends 1
      // the server answers a PING after the frames sent before it: the call has arrived
      await new Promise<void>((resolve, reject) => h2.ping((err) => (err ? reject(err) : resolve())));

      await within(r.close(), 5000, 'close() hung');
      await within(Promise.all([idleClosed, hangingClosed, sessionClosed]), 5000, 'a connection stayed open');
      assert.ok(await refused(grpcPort!), 'gRPC port closed');
      assert.ok(await refused(httpPort!), 'HTTP port closed');
    } finally {
      // so that a failure cannot leave the test process hanging
      agent.destroy();
      hanging?.destroy();
      session?.destroy();
    }
  });

  it('is idempotent', async () => {
    const r = await start();
    await Promise.all([r.close(), r.close()]);
    await r.close();
  });
});
