import { strict as assert } from 'node:assert';
import * as grpc from '@grpc/grpc-js';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type Receiver, type Signal, startReceiver } from '../../../src/receiver';
import { encodeRequest, FIXTURES } from '../../helpers/otlp-official';
import { GRPC_PATHS, grpcExport, grpcRaw } from './transport';

const SIGNALS: Signal[] = ['traces', 'metrics', 'logs'];

function itemsOf(r: Receiver, signal: Signal): unknown[] {
  if (signal === 'traces') return r.spans();
  if (signal === 'metrics') return r.metrics();
  return r.logRecords();
}

describe('OTLP/gRPC', () => {
  let r: Receiver;
  before(async () => {
    r = await startReceiver({ httpPort: false });
  });
  after(() => r.close());
  beforeEach(() => r.clear());

  for (const signal of SIGNALS) {
    it(`receives ${signal} from a grpc-js client, with its metadata`, async () => {
      const reply = await grpcExport(r.endpoints.grpc!, signal, encodeRequest(signal, FIXTURES[signal].official), {
        metadata: { 'x-tenant': 'acme' },
      });
      assert.equal(reply.error, null);
      assert.equal(reply.response!.length, 0, 'an empty Export*ServiceResponse');
      assert.deepStrictEqual(
        itemsOf(r, signal),
        FIXTURES[signal].expected.map((e) => ({ ...e, protocol: 'grpc' })),
      );
      assert.equal(r.requests.length, 1);
      assert.equal(r.requests[0]!.signal, signal);
      assert.equal(r.requests[0]!.protocol, 'grpc');
      assert.equal(r.requests[0]!.headers['x-tenant'], 'acme');
    });

    it(`receives a gzip-compressed ${signal} message (grpc-encoding: gzip)`, async () => {
      const reply = await grpcRaw(r.grpcPort!, GRPC_PATHS[signal], encodeRequest(signal, FIXTURES[signal].official), {
        gzip: true,
      });
      assert.equal(reply.grpcStatus, 0, reply.grpcMessage);
      assert.deepEqual(reply.body, Buffer.from([0, 0, 0, 0, 0]), 'one uncompressed empty response message');
      assert.deepStrictEqual(
        itemsOf(r, signal),
        FIXTURES[signal].expected.map((e) => ({ ...e, protocol: 'grpc' })),
      );
    });
  }

  it('passes metadata on as headers: repeated keys joined, binary ones in base64', async () => {
    const reply = await grpcExport(r.endpoints.grpc!, 'traces', encodeRequest('traces', {}), {
      metadata: { 'x-many': ['a', 'b'], 'x-token-bin': Buffer.from([0xde, 0xad, 0xbe, 0xef]), authorization: 'Bearer t' },
    });
    assert.equal(reply.error, null);
    const { headers } = r.requests[0]!;
    assert.equal(headers['x-many'], 'a, b');
    assert.equal(headers['x-token-bin'], Buffer.from([0xde, 0xad, 0xbe, 0xef]).toString('base64'));
    assert.equal(headers.authorization, 'Bearer t');
    assert.match(headers['user-agent']!, /grpc-node-js/);
  });

  it('receives from a grpc-js client that compresses with gzip', async () => {
    const reply = await grpcExport(r.endpoints.grpc!, 'logs', encodeRequest('logs', FIXTURES.logs.official), { gzip: true });
    assert.equal(reply.error, null);
    assert.equal(r.logRecords().length, FIXTURES.logs.expected.length);
  });

  it('answers a malformed message with INVALID_ARGUMENT and keeps serving', async () => {
    const bad = await grpcExport(r.endpoints.grpc!, 'metrics', Buffer.from([0x0a, 0x03, 0x12, 0x09, 0x00]));
    assert.equal(bad.error?.code, grpc.status.INVALID_ARGUMENT);
    assert.match(bad.error!.details, /^invalid ExportMetricsServiceRequest: resourceMetrics\[0\]\.scopeMetrics\[0\]: length 9 runs past/);
    assert.equal(r.rejected.length, 1);
    assert.deepEqual(
      { ...r.rejected[0], receivedAt: 0, headers: {} },
      {
        transport: 'grpc',
        signal: 'metrics',
        protocol: 'grpc',
        target: GRPC_PATHS.metrics,
        headers: {},
        status: grpc.status.INVALID_ARGUMENT,
        message: bad.error!.details,
        receivedAt: 0,
      },
    );
    const good = await grpcExport(r.endpoints.grpc!, 'metrics', encodeRequest('metrics', FIXTURES.metrics.official));
    assert.equal(good.error, null);
    assert.equal(r.metrics().length, FIXTURES.metrics.expected.length);
  });

  it('answers a message flagged as gzip that is not, with an error, and keeps serving', async () => {
    const reply = await grpcRaw(r.grpcPort!, GRPC_PATHS.traces, Buffer.from('not gzip'), { fakeGzip: true });
    assert.notEqual(reply.grpcStatus, grpc.status.OK);
    assert.ok(Number.isInteger(reply.grpcStatus));
    assert.deepEqual(r.requests, []);
    const good = await grpcExport(r.endpoints.grpc!, 'traces', encodeRequest('traces', FIXTURES.traces.official));
    assert.equal(good.error, null);
    assert.equal(r.spans().length, FIXTURES.traces.expected.length);
  });

  it('answers an empty message with an empty request', async () => {
    const reply = await grpcRaw(r.grpcPort!, GRPC_PATHS.traces, Buffer.alloc(0), { gzip: true });
    assert.equal(reply.grpcStatus, grpc.status.OK);
    assert.deepEqual(
      r.requests.map((x) => x.data),
      [{ resourceSpans: [] }],
    );
  });

  it('answers an unknown method with UNIMPLEMENTED', async () => {
    const reply = await grpcExport(r.endpoints.grpc!, 'traces', Buffer.alloc(0), {
      path: '/opentelemetry.proto.collector.trace.v1.TraceService/Nope',
    });
    assert.equal(reply.error?.code, grpc.status.UNIMPLEMENTED);
    const wrongService = await grpcExport(r.endpoints.grpc!, 'traces', Buffer.alloc(0), {
      path: '/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export',
    });
    assert.equal(wrongService.error?.code, grpc.status.UNIMPLEMENTED);
  });
});

describe('OTLP/gRPC message limit', () => {
  let r: Receiver;
  before(async () => {
    r = await startReceiver({ httpPort: false, maxBodyBytes: 2000 });
  });
  after(() => r.close());

  it('answers a message larger than maxBodyBytes with RESOURCE_EXHAUSTED', async () => {
    const big = encodeRequest('logs', {
      resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'x'.repeat(5000) } }] }] }],
    });
    const reply = await grpcExport(r.endpoints.grpc!, 'logs', big);
    assert.equal(reply.error?.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.deepEqual(r.requests, []);
  });

  it('answers a gzip message that decompresses past maxBodyBytes with RESOURCE_EXHAUSTED', async () => {
    const big = encodeRequest('logs', {
      resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: ' '.repeat(100_000) } }] }] }],
    });
    const reply = await grpcRaw(r.grpcPort!, GRPC_PATHS.logs, big, { gzip: true });
    assert.equal(reply.grpcStatus, grpc.status.RESOURCE_EXHAUSTED);
    assert.deepEqual(r.requests, []);
  });

  it('still accepts messages within the limit', async () => {
    const small = encodeRequest('logs', { resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'ok' } }] }] }] });
    const reply = await grpcExport(r.endpoints.grpc!, 'logs', small);
    assert.equal(reply.error, null);
    assert.deepEqual(
      r.logRecords().map((l) => l.body),
      ['ok'],
    );
  });
});
