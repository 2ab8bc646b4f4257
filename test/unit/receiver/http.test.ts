import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import * as net from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type Receiver, type Signal, startReceiver } from '../../../src/receiver';
import { encodeRequest, FIXTURES, officialType } from '../../helpers/otlp-official';
import { decodeStatus, gzip, JSON_TYPE, post, PROTOBUF } from './transport';

const SIGNALS: Signal[] = ['traces', 'metrics', 'logs'];

const RESPONSE_TYPES: Record<Signal, string> = {
  traces: 'collector.trace.v1.ExportTraceServiceResponse',
  metrics: 'collector.metrics.v1.ExportMetricsServiceResponse',
  logs: 'collector.logs.v1.ExportLogsServiceResponse',
};

function itemsOf(r: Receiver, signal: Signal): unknown[] {
  if (signal === 'traces') return r.spans();
  if (signal === 'metrics') return r.metrics();
  return r.logRecords();
}

function jsonStatus(body: Buffer): { code: number; message: string } {
  const parsed = JSON.parse(body.toString('utf8')) as { code: number; message: string };
  assert.deepEqual(Object.keys(parsed).sort(), ['code', 'message']);
  return parsed;
}

describe('OTLP/HTTP', () => {
  let r: Receiver;
  before(async () => {
    r = await startReceiver({ grpcPort: false });
  });
  after(() => r.close());
  beforeEach(() => r.clear());

  for (const signal of SIGNALS) {
    const variants = [
      { name: 'http/protobuf', headers: PROTOBUF, body: () => encodeRequest(signal, FIXTURES[signal].official) },
      {
        name: 'http/protobuf + gzip',
        headers: { ...PROTOBUF, 'Content-Encoding': 'gzip' },
        body: () => gzip(encodeRequest(signal, FIXTURES[signal].official)),
      },
      { name: 'http/json', headers: JSON_TYPE, body: () => Buffer.from(JSON.stringify(FIXTURES[signal].json)) },
      {
        name: 'http/json + gzip',
        headers: { 'Content-Type': 'application/json; charset=utf-8', 'Content-Encoding': 'gzip' },
        body: () => gzip(JSON.stringify(FIXTURES[signal].json)),
      },
    ];
    for (const v of variants) {
      it(`receives ${signal} over ${v.name} and answers in kind`, async () => {
        const protocol = v.name.startsWith('http/json') ? 'http/json' : 'http/protobuf';
        const reply = await post(r.endpoints.http!, `/v1/${signal}`, v.body(), { ...v.headers, 'X-Tenant': 'acme' });
        assert.equal(reply.status, 200, reply.body.toString());
        if (protocol === 'http/json') {
          assert.equal(reply.headers['content-type'], 'application/json');
          assert.deepEqual(JSON.parse(reply.body.toString()), {});
        } else {
          assert.equal(reply.headers['content-type'], 'application/x-protobuf');
          assert.equal(reply.body.length, 0);
          // an empty Export*ServiceResponse for the official definitions too
          officialType(RESPONSE_TYPES[signal]).decode(reply.body);
        }
        assert.deepStrictEqual(
          itemsOf(r, signal),
          FIXTURES[signal].expected.map((e) => ({ ...e, protocol })),
        );
        const [request, ...others] = r.requests;
        assert.equal(others.length, 0);
        assert.equal(request!.signal, signal);
        assert.equal(request!.protocol, protocol);
        assert.equal(request!.headers['x-tenant'], 'acme');
        assert.equal(request!.headers['content-encoding'], v.name.endsWith('gzip') ? 'gzip' : undefined);
        assert.deepEqual(r.rejected, []);
      });
    }
  }

  it('accepts a query string and content types in any case', async () => {
    const body = encodeRequest('logs', FIXTURES.logs.official);
    const reply = await post(r.endpoints.http!, '/v1/logs?tenant=1', body, { 'Content-Type': 'Application/X-Protobuf' });
    assert.equal(reply.status, 200);
    assert.equal(r.logRecords().length, FIXTURES.logs.expected.length);
  });

  it('answers a malformed protobuf payload with 400 and a protobuf google.rpc.Status', async () => {
    const reply = await post(r.endpoints.http!, '/v1/traces', Buffer.from([0x0a, 0x05, 0x0a]), PROTOBUF);
    assert.equal(reply.status, 400);
    assert.equal(reply.headers['content-type'], 'application/x-protobuf');
    const status = decodeStatus(reply.body);
    assert.equal(status.code, 3);
    assert.match(status.message, /^invalid OTLP\/protobuf ExportTraceServiceRequest: resourceSpans\[0\]: length 5 runs past/);
    assert.deepEqual(r.requests, []);
    assert.equal(r.rejected.length, 1);
    assert.equal(r.rejected[0]!.status, 400);
    assert.equal(r.rejected[0]!.signal, 'traces');
    assert.equal(r.rejected[0]!.protocol, 'http/protobuf');
    assert.equal(r.rejected[0]!.target, 'POST /v1/traces');
    assert.equal(r.rejected[0]!.message, status.message);
  });

  it('answers malformed JSON with 400 and a JSON google.rpc.Status', async () => {
    const cases: [string, RegExp][] = [
      ['{"resourceMetrics":5}', /^invalid OTLP\/JSON ExportMetricsServiceRequest: resourceMetrics: expected an array, got 5$/],
      ['{"resourceMetrics":[', /^invalid OTLP\/JSON ExportMetricsServiceRequest: invalid JSON: /],
      ['', /invalid JSON/],
    ];
    for (const [body, pattern] of cases) {
      const reply = await post(r.endpoints.http!, '/v1/metrics', body, JSON_TYPE);
      assert.equal(reply.status, 400);
      assert.equal(reply.headers['content-type'], 'application/json');
      const status = jsonStatus(reply.body);
      assert.equal(status.code, 3);
      assert.match(status.message, pattern);
    }
  });

  it('answers a broken gzip body with 400', async () => {
    const good = gzip(JSON.stringify(FIXTURES.logs.json));
    for (const body of [Buffer.from('not gzip at all'), good.subarray(0, good.length - 10)]) {
      const reply = await post(r.endpoints.http!, '/v1/logs', body, { ...JSON_TYPE, 'Content-Encoding': 'gzip' });
      assert.equal(reply.status, 400);
      assert.match(jsonStatus(reply.body).message, /^invalid gzip body/);
    }
  });

  it('answers an unknown path with 404', async () => {
    for (const path of ['/', '/v1/spans', '/v1/traces/', '/v2/traces', '/v1/traces/x']) {
      const reply = await post(r.endpoints.http!, path, '{}', JSON_TYPE);
      assert.equal(reply.status, 404, path);
      const status = jsonStatus(reply.body);
      assert.equal(status.code, 5);
      assert.match(status.message, /no OTLP endpoint at/);
    }
    const reply = await post(r.endpoints.http!, '/nope', Buffer.alloc(0), PROTOBUF);
    assert.equal(reply.status, 404);
    assert.equal(reply.headers['content-type'], 'application/x-protobuf', 'the error in the request encoding');
    assert.equal(decodeStatus(reply.body).code, 5);
  });

  it('answers other methods than POST with 405 and Allow: POST', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'OPTIONS']) {
      const reply = await post(r.endpoints.http!, '/v1/traces', '{}', JSON_TYPE, { method });
      assert.equal(reply.status, 405, method);
      assert.equal(reply.headers.allow, 'POST');
      assert.equal(jsonStatus(reply.body).code, 12);
    }
    const head = await post(r.endpoints.http!, '/v1/traces', '', {}, { method: 'HEAD' });
    assert.equal(head.status, 405);
  });

  it('answers unsupported content types and encodings with 415', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ 'Content-Type': 'text/plain' }, /unsupported Content-Type "text\/plain"/],
      [{ 'Content-Type': 'application/protobuf' }, /unsupported Content-Type/],
      [{ 'Content-Type': 'application/json; charset=latin1' }, /unsupported Content-Type/],
      [{}, /missing Content-Type/],
      [{ ...JSON_TYPE, 'Content-Encoding': 'br' }, /unsupported Content-Encoding "br"/],
      [{ ...JSON_TYPE, 'Content-Encoding': 'deflate' }, /unsupported Content-Encoding "deflate"/],
    ];
    for (const [headers, pattern] of cases) {
      const reply = await post(r.endpoints.http!, '/v1/logs', '{}', headers);
      assert.equal(reply.status, 415, JSON.stringify(headers));
      assert.match(jsonStatus(reply.body).message, pattern);
    }
  });

  it('keeps serving on the same keep-alive connection after errors', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<net.Socket>();
    agent.on('free', (socket: net.Socket) => sockets.add(socket));
    try {
      const statuses: number[] = [];
      const body = encodeRequest('traces', FIXTURES.traces.official);
      for (const [path, payload, headers] of [
        ['/v1/traces', Buffer.from('garbage'), PROTOBUF],
        ['/v1/nope', body, PROTOBUF],
        ['/v1/traces', body, { 'Content-Type': 'text/plain' }],
        ['/v1/traces', '{"resourceSpans":{}}', JSON_TYPE],
        ['/v1/traces', body, PROTOBUF],
      ] as const) {
        statuses.push((await post(r.endpoints.http!, path, payload, headers, { agent })).status);
      }
      assert.deepEqual(statuses, [400, 404, 415, 400, 200]);
      assert.equal(sockets.size, 1, 'one connection served every request');
      assert.equal(r.spans().length, FIXTURES.traces.expected.length);
      assert.deepEqual(
        r.rejected.map((x) => x.status),
        [400, 404, 415, 400],
      );
    } finally {
      agent.destroy();
    }
  });
});

describe('OTLP/HTTP body limit', () => {
  let r: Receiver;
  before(async () => {
    r = await startReceiver({ grpcPort: false, maxBodyBytes: 2000 });
  });
  after(() => r.close());

  it('answers a body larger than maxBodyBytes with 413', async () => {
    const reply = await post(r.endpoints.http!, '/v1/logs', Buffer.alloc(5000, 0x20), JSON_TYPE);
    assert.equal(reply.status, 413);
    const status = jsonStatus(reply.body);
    assert.equal(status.code, 8);
    assert.match(status.message, /larger than the receiver's limit of 2000 bytes/);
  });

  it('answers a chunked body that grows past maxBodyBytes with 413', async () => {
    const reply = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${r.endpoints.http}/v1/logs`, { method: 'POST', headers: JSON_TYPE, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      for (let i = 0; i < 10; i++) req.write(Buffer.alloc(500, 0x20));
      req.end();
    });
    assert.equal(reply, 413);
  });

  it('answers a gzip body that decompresses past maxBodyBytes with 413', async () => {
    const bomb = gzip(Buffer.alloc(1_000_000, 0x20));
    assert.ok(bomb.length < 2000);
    const reply = await post(r.endpoints.http!, '/v1/logs', bomb, { ...PROTOBUF, 'Content-Encoding': 'gzip' });
    assert.equal(reply.status, 413);
    assert.match(decodeStatus(reply.body).message, /decompresses to more than the receiver's limit/);
  });

  it('still accepts bodies within the limit', async () => {
    const body = encodeRequest('logs', { resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'ok' } }] }] }] });
    const reply = await post(r.endpoints.http!, '/v1/logs', body, PROTOBUF);
    assert.equal(reply.status, 200);
    assert.deepEqual(
      r.logRecords().map((l) => l.body),
      ['ok'],
    );
  });
});
