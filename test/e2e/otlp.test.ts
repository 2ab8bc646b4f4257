import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startReceiver, type Receiver } from '../../src/receiver';
import { app, bareEnv, launcher, receiverEnv, type RunResult } from '../helpers/run';

/**
 * Spans over OTLP, for each protocol, CommonJS and ES modules, and every way a program ends:
 * nothing finished is lost, and the exit status is the program's.
 */

const PROTOCOLS = ['http/protobuf', 'http/json', 'grpc'] as const;
const REQUESTS = 50;

let receiver: Receiver;
// Started once for the file. Every suite waits for it in a before hook of its own: file-level hooks
// do not run before suites' tests on Node 20.6's test runner.
const ready = startReceiver().then((r) => {
  receiver = r;
});
after(async () => {
  await ready;
  await receiver.close();
});

function otlpEnv(protocol: (typeof PROTOCOLS)[number], service: string, extra: NodeJS.ProcessEnv = {}) {
  return receiverEnv(receiver.endpoints, protocol, service, { traces: true }, { ...extra });
}

/** The spans one run delivered: `service` is unique per run. */
const delivered = (service: string) => receiver.spans().filter((s) => s.resource.attributes['service.name'] === service);

/**
 *   CLIENT GET /rN  (root)
 *   └── SERVER GET /rN
 */
function assertPairs(service: string, count: number) {
  const spans = delivered(service);
  const ids = new Set(spans.map((s) => s.spanId));
  assert.equal(ids.size, spans.length, 'no span delivered twice');
  const servers = spans.filter((s) => s.kind === 2);
  const clients = spans.filter((s) => s.kind === 3);
  assert.equal(servers.length, count, `${count} server spans`);
  assert.equal(clients.length, count, `${count} client spans`);
  const clientById = new Map(clients.map((c) => [c.spanId, c]));
  for (const server of servers) {
    const client = clientById.get(server.parentSpanId);
    assert.ok(client, `server span ${server.spanId} has its client span as parent`);
    assert.equal(client.traceId, server.traceId);
    assert.equal(String(client.attributes['url.full']).endsWith(String(server.attributes['url.path'])), true);
    assert.equal(client.parentSpanId, '');
  }
}

let run = 0;
const unique = (label: string) => `${label}-${process.pid}-${run++}`;

for (const protocol of PROTOCOLS) {
  for (const fixture of ['serve-and-exit.cjs', 'serve-and-exit.mjs']) {
    describe(`${protocol}, ${fixture}`, () => {
  before(() => ready);
      it(`process.exit(0) after ${REQUESTS} requests delivers all ${REQUESTS * 2} spans`, async () => {
        const service = unique('exit');
        const r = await launcher(['node', app(fixture), String(REQUESTS), 'exit'], { env: otlpEnv(protocol, service) });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stderr, '');
        await receiver.waitFor(() => delivered(service).length >= REQUESTS * 2);
        assertPairs(service, REQUESTS);
      });

      it('a natural end delivers everything', async () => {
        const service = unique('natural');
        const r = await launcher(['node', app(fixture), '10', 'natural'], { env: otlpEnv(protocol, service) });
        assert.equal(r.code, 0, r.stderr);
        await receiver.waitFor(() => delivered(service).length >= 20);
        assertPairs(service, 10);
      });

      it('SIGTERM to a program without a handler: everything delivered, then death by SIGTERM', async () => {
        const service = unique('sigterm');
        let sent = false;
        const r: RunResult = await launcher(['node', app(fixture), '10', 'wait'], {
          env: otlpEnv(protocol, service),
          onStdout(text, child) {
            if (!sent && text.includes('ready')) {
              sent = true;
              child.kill('SIGTERM');
            }
          },
        });
        assert.equal(r.signal, 'SIGTERM', r.stderr);
        await receiver.waitFor(() => delivered(service).length >= 20);
        assertPairs(service, 10);
      });

      it('an uncaught exception: exit status 1, the failing request’s span records it, nothing lost', async () => {
        const service = unique('crash');
        const r = await launcher(['node', app(fixture), '5', 'throw'], { env: otlpEnv(protocol, service) });
        assert.equal(r.code, 1);
        assert.match(r.stderr, /Error: crash in handler/);
        await receiver.waitFor(() => delivered(service).filter((s) => s.kind === 2).length >= 5);
        const failed = delivered(service).find((s) => s.kind === 2 && s.attributes['url.path'] === '/r4')!;
        assert.equal(failed.status.code, 2);
        assert.equal(failed.events[0]?.name, 'exception');
        assert.equal(failed.events[0]?.attributes['exception.message'], 'crash in handler');
      });
    });
  }
}

describe('other ways to end, and the environment carrier (http/protobuf)', () => {
  before(() => ready);
  it('an unhandled rejection: the program dies as it would, the request span records it', async () => {
    const service = unique('reject');
    const r = await launcher(['node', app('serve-and-exit.cjs'), '3', 'reject'], { env: otlpEnv('http/protobuf', service) });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error: rejected in handler/);
    await receiver.waitFor(() => delivered(service).filter((s) => s.kind === 2).length >= 3);
    const failed = delivered(service).find((s) => s.kind === 2 && s.attributes['url.path'] === '/r2')!;
    assert.equal(failed.status.code, 2);
    assert.equal(failed.events[0]?.attributes['exception.message'], 'rejected in handler');
  });

  for (const signal of ['SIGINT', 'SIGHUP'] as const) {
    it(`${signal} without a handler: everything delivered, then death by ${signal}`, async () => {
      const service = unique(signal);
      let sent = false;
      const r = await launcher(['node', app('serve-and-exit.cjs'), '4', 'wait'], {
        env: otlpEnv('http/protobuf', service),
        onStdout(text, child) {
          if (!sent && text.includes('ready')) {
            sent = true;
            child.kill(signal);
          }
        },
      });
      assert.equal(r.signal, signal, r.stderr);
      await receiver.waitFor(() => delivered(service).length >= 8);
      assertPairs(service, 4);
    });
  }

  it('TRACEPARENT in the environment makes the program’s root spans its children', async () => {
    const service = unique('traceparent');
    const r = await launcher(['node', app('serve-and-exit.cjs'), '2', 'natural'], {
      env: otlpEnv('http/protobuf', service, { TRACEPARENT: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }),
    });
    assert.equal(r.code, 0, r.stderr);
    await receiver.waitFor(() => delivered(service).length >= 4);
    for (const s of delivered(service)) assert.equal(s.traceId, '0af7651916cd43dd8448eb211c80319c');
    const clients = delivered(service).filter((s) => s.kind === 3);
    for (const c of clients) assert.equal(c.parentSpanId, 'b7ad6b7169203331');
  });
});

describe('a collector that is gone', () => {
  before(() => ready);
  it('refused connections: the program ends as it would, with one warning', async () => {
    const r = await launcher(['node', app('serve-and-exit.cjs'), '20', 'exit'], {
      env: bareEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' }),
    });
    assert.equal(r.code, 0);
    const warnings = r.stderr.trim().split('\n');
    assert.equal(warnings.length, 1, r.stderr);
    assert.match(warnings[0]!, /ts-otel-run: warn: 40 span\(s\) could not be exported at exit to http:\/\/127\.0\.0\.1:9\/v1\/traces: the export failed/);
  });

  it('a black hole (accepts, never answers): the program still ends, after at most the shutdown deadline', async () => {
    const hole: Server = createServer(() => {}); // accepts connections and never answers
    await new Promise<void>((resolve) => hole.listen(0, '127.0.0.1', resolve));
    const port = (hole.address() as { port: number }).port;
    try {
      for (const how of ['exit', 'natural']) {
        const r = await launcher(['node', app('serve-and-exit.cjs'), '5', how], {
          env: bareEnv({
            OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
            OTEL_METRICS_EXPORTER: 'none',
            OTEL_LOGS_EXPORTER: 'none',
            TS_OTEL_RUN_SHUTDOWN_TIMEOUT: '300',
          }),
          timeoutMs: 15000,
        });
        assert.equal(r.code, 0, `${how}: ${r.stderr}`);
        assert.match(r.stderr, /no answer within 300 ms|did not finish within 300 ms/, how);
      }
    } finally {
      hole.close();
    }
  });
});
