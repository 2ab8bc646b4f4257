import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { app, bareEnv, launcher } from '../helpers/run';

/**
 * What the exporter sends, decoded with the official OpenTelemetry protobuf definitions (as shipped
 * in npm), not with the project's own receiver: encoder and tests cannot share a bug.
 */

// eslint-disable-next-line @typescript-eslint/no-require-imports
const root = require('otlp-proto-definitions/build/src/generated/root.js');
const ExportTraceServiceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

interface Sink {
  server: Server;
  url: string;
  bodies: { contentType: string; body: Buffer }[];
}

let sink: Sink;
// Every suite waits for the sink in a before hook of its own: file-level hooks do not run before
// suites' tests on Node 20.6's test runner.
const ready = (async () => {
  const bodies: Sink['bodies'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      bodies.push({ contentType: String(req.headers['content-type']), body });
      res.writeHead(200, { 'content-type': String(req.headers['content-type']) });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sink = { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, bodies };
})();
after(async () => {
  await ready;
  sink.server.close();
});

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('OTLP/protobuf as the official definitions read it', () => {
  before(() => ready);
  for (const compression of ['none', 'gzip']) {
    it(`50 requests and process.exit(0), compression ${compression}`, async () => {
      sink.bodies.length = 0;
      const r = await launcher(['node', app('serve-and-exit.cjs'), '50', 'exit'], {
        env: bareEnv({
          OTEL_SERVICE_NAME: 'official',
          OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
          OTEL_EXPORTER_OTLP_COMPRESSION: compression,
          OTEL_METRICS_EXPORTER: 'none',
          OTEL_LOGS_EXPORTER: 'none',
        }),
      });
      assert.equal(r.code, 0, r.stderr);
      const spans: { traceId: string; spanId: string; parentSpanId: string; kind: number; name: string; attributes: { key: string; value: Record<string, unknown> }[]; flags: number }[] = [];
      for (const { contentType, body } of sink.bodies) {
        assert.equal(contentType, 'application/x-protobuf');
        const request = ExportTraceServiceRequest.decode(body);
        for (const rs of request.resourceSpans) {
          const service = rs.resource.attributes.find((a: { key: string }) => a.key === 'service.name');
          assert.equal(service.value.stringValue, 'official');
          for (const ss of rs.scopeSpans) {
            assert.equal(ss.scope.name, 'http');
            for (const s of ss.spans) {
              spans.push({ ...s, traceId: hex(s.traceId), spanId: hex(s.spanId), parentSpanId: hex(s.parentSpanId ?? new Uint8Array()) });
            }
          }
        }
      }
      // OTLP kinds: SERVER 2, CLIENT 3.
      const servers = spans.filter((s) => s.kind === 2);
      const clients = new Map(spans.filter((s) => s.kind === 3).map((s) => [s.spanId, s]));
      assert.equal(servers.length, 50);
      assert.equal(clients.size, 50);
      for (const server of servers) {
        const client = clients.get(server.parentSpanId);
        assert.ok(client, 'parent is the client span');
        assert.equal(client.traceId, server.traceId);
        assert.equal(server.name, 'GET');
        const status = server.attributes.find((a) => a.key === 'http.response.status_code');
        assert.equal(Number(status?.value.intValue), 200);
        // Flags: sampled, and "parent is remote" known and set (the parent came over HTTP).
        assert.equal(server.flags & 0xff, 1);
        assert.equal(server.flags & 0x300, 0x300);
      }
    });
  }
});

describe('OTLP/JSON as the specification writes it', () => {
  before(() => ready);
  it('hex ids, integer enums, 64-bit integers as strings', async () => {
    sink.bodies.length = 0;
    const r = await launcher(['node', app('serve-and-exit.cjs'), '3', 'natural'], {
      env: bareEnv({
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
      }),
    });
    assert.equal(r.code, 0, r.stderr);
    const docs = sink.bodies.map((b) => JSON.parse(b.body.toString('utf8')));
    const spans = docs.flatMap((d) => d.resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans))); // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(spans.length, 6);
    for (const s of spans) {
      assert.match(s.traceId, /^[0-9a-f]{32}$/);
      assert.match(s.spanId, /^[0-9a-f]{16}$/);
      assert.ok(s.kind === 2 || s.kind === 3);
      assert.match(s.startTimeUnixNano, /^\d{19}$/);
      // And the official definitions accept the document's shape (bytes aside, given in hex).
      const { traceId: _t, spanId: _s, parentSpanId: _p, ...rest } = s;
      assert.doesNotThrow(() => root.opentelemetry.proto.trace.v1.Span.fromObject(rest));
    }
  });
});
