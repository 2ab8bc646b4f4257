import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { startReceiver, type Receiver } from '../../src/receiver';
import type { ReceivedLogRecord } from '../../src/receiver/types';
import { app, cleanEnv, launcher, receiverEnv, run } from '../helpers/run';

/**
 * Logs over OTLP through the launcher, for each bridged library, CommonJS and ES modules: records
 * arrive with the right severity, body, attributes and the trace of the request that logged them;
 * records logged outside any request have no trace; the program's own output is unchanged but for
 * the trace ids; a burst followed by process.exit(0) loses nothing. The fixture is
 * fixtures/apps/logs-work.cjs.
 */

const LIBRARIES = ['console', 'pino', 'winston', 'bunyan', 'api-logs'] as const;
type Library = (typeof LIBRARIES)[number];
const PROTOCOLS = ['http/protobuf', 'http/json', 'grpc'] as const;
const REQUESTS = 3;
const BURST = 300;

let receiver: Receiver;
// Started once for the file; every suite waits for it in a before hook of its own (file-level hooks
// do not run before suites' tests on Node 20.6's test runner).
const ready = startReceiver().then((r) => {
  receiver = r;
});
after(async () => {
  await ready;
  await receiver.close();
});

let runs = 0;
const unique = (label: string) => `${label}-${process.pid}-${runs++}`;

function otlpEnv(protocol: (typeof PROTOCOLS)[number], service: string, extra: NodeJS.ProcessEnv = {}) {
  // Short batches, so that the natural end has several exports behind it.
  return receiverEnv(receiver.endpoints, protocol, service, { traces: true, logs: true }, { OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '64', ...extra });
}

const recordsOf = (service: string) => receiver.logRecords().filter((r) => r.resource.attributes['service.name'] === service);
const spansOf = (service: string) => receiver.spans().filter((s) => s.resource.attributes['service.name'] === service);
const bodyOf = (r: ReceivedLogRecord) => String(r.body);

/** What each library's record of "handling /rN" must carry besides its body. */
function assertFields(library: Library, record: ReceivedLogRecord, n: number) {
  const a = record.attributes;
  switch (library) {
    case 'console':
      assert.equal(bodyOf(record), `handling /r${n} {"request":${n},"user":{"id":${n}}}`);
      assert.equal(record.severityText, 'INFO');
      return;
    case 'pino':
    case 'bunyan':
      assert.equal(a.request, n);
      assert.deepEqual(a.user, { id: n });
      assert.equal(a.name, 'shop');
      for (const key of ['msg', 'level', 'time', 'trace_id', 'span_id', 'trace_flags']) assert.ok(!(key in a), `${key} is not an attribute`);
      return;
    case 'winston':
      assert.equal(a.request, n);
      assert.deepEqual(a.user, { id: n });
      assert.equal(a.service, 'shop');
      for (const key of ['message', 'level', 'trace_id', 'span_id', 'trace_flags']) assert.ok(!(key in a), `${key} is not an attribute`);
      return;
    case 'api-logs':
      assert.equal(a.request, n);
      assert.deepEqual(a.user, { id: n });
      assert.equal(record.scope.name, 'shop-app');
      assert.equal(record.scope.version, '1.0.0');
      return;
  }
}

/**
 * Every record arrived once: "starting" and the burst outside any trace; each request's two
 * records inside the trace of its SERVER span, with the severities INFO (9) and ERROR (17).
 */
function assertDelivered(library: Library, service: string) {
  const records = recordsOf(service);
  const bodies = records.map((r) => bodyOf(r).split(' {')[0]);
  assert.equal(records.length, 1 + REQUESTS * 2 + BURST, `all ${1 + REQUESTS * 2 + BURST} records, got ${records.length}`);
  assert.equal(new Set(bodies).size, bodies.length, 'none twice');
  const starting = records.find((r) => bodyOf(r).startsWith('starting'))!;
  assert.equal(starting.traceId, '', 'outside any request: no trace');
  assert.equal(starting.severityNumber, 9);
  const burst = records.filter((r) => bodyOf(r).startsWith('burst '));
  assert.equal(burst.length, BURST);
  assert.ok(burst.every((r) => r.traceId === '' && r.spanId === ''));
  const servers = spansOf(service).filter((s) => s.kind === 2);
  assert.equal(servers.length, REQUESTS);
  for (let n = 0; n < REQUESTS; n++) {
    const server = servers.find((s) => s.attributes['url.path'] === `/r${n}`)!;
    const handling = records.find((r) => bodyOf(r).startsWith(`handling /r${n}`))!;
    const slow = records.find((r) => bodyOf(r).startsWith(`slow /r${n}`))!;
    for (const r of [handling, slow]) {
      assert.equal(r.traceId, server.traceId, `${bodyOf(r)}: the request's trace`);
      assert.equal(r.spanId, server.spanId, `${bodyOf(r)}: its server span`);
      assert.equal(r.flags & 0xff, 1);
    }
    assert.equal(handling.severityNumber, 9);
    assert.equal(slow.severityNumber, 17);
    assertFields(library, handling, n);
  }
}

/** The program's stdout without what differs between two runs of it (times, pids, the trace ids). */
function comparable(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      if (!line.startsWith('{')) return line;
      const o = JSON.parse(line) as Record<string, unknown>;
      for (const key of ['time', 'timestamp', 'pid', 'hostname', 'trace_id', 'span_id', 'trace_flags']) delete o[key];
      return JSON.stringify(o);
    });
}

/** The lines of stdout that carry trace ids, by the message they log. */
function idsInOutput(stdout: string): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const o = JSON.parse(line) as Record<string, unknown>;
    out.set(String(o.msg ?? o.message), o);
  }
  return out;
}

for (const library of LIBRARIES) {
  for (const fixture of ['logs-app.cjs', 'logs-app.mjs']) {
    describe(`${library}, ${fixture}`, () => {
      before(() => ready);

      it(`process.exit(0) right after a burst: all ${1 + REQUESTS * 2 + BURST} records arrive, in the right traces`, async () => {
        const service = unique(`${library}-exit`);
        const r = await launcher(['node', app(fixture), library, String(REQUESTS), 'exit', String(BURST)], { env: otlpEnv('http/protobuf', service) });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stderr.split('\n').filter((l) => l.startsWith('ts-otel-run')).join('\n'), '', 'no diagnostics');
        await receiver.waitFor(() => recordsOf(service).length >= 1 + REQUESTS * 2 + BURST && spansOf(service).length >= REQUESTS * 2);
        assertDelivered(library, service);
      });

      it("the program's output is what it is without the launcher, plus trace ids on the lines inside a request", async () => {
        const service = unique(`${library}-output`);
        const args = [app(fixture), library, String(REQUESTS), 'natural', '2'];
        const plain = await run(process.execPath, args, { env: cleanEnv() });
        const traced = await launcher(['node', ...args], { env: otlpEnv('http/protobuf', service) });
        assert.equal(plain.code, 0, plain.stderr);
        assert.equal(traced.code, 0, traced.stderr);
        assert.deepEqual(comparable(traced.stdout), comparable(plain.stdout));
        assert.deepEqual(comparable(traced.stderr.split('\n').filter((l) => !l.startsWith('ts-otel-run')).join('\n')), comparable(plain.stderr));
        if (library === 'console' || library === 'api-logs') return;
        await receiver.waitFor(() => spansOf(service).length >= REQUESTS * 2);
        const lines = idsInOutput(traced.stdout);
        assert.equal(lines.get('starting')?.trace_id, undefined, 'no ids outside a request');
        for (let n = 0; n < REQUESTS; n++) {
          const server = spansOf(service).find((s) => s.kind === 2 && s.attributes['url.path'] === `/r${n}`)!;
          const line = lines.get(`handling /r${n}`)!;
          assert.equal(line.trace_id, server.traceId);
          assert.equal(line.span_id, server.spanId);
          assert.equal(line.trace_flags, '01');
        }
      });
    });
  }
}

describe('console records over each protocol', () => {
  before(() => ready);
  for (const protocol of PROTOCOLS) {
    it(`${protocol}: a natural end delivers every record`, async () => {
      const service = unique(`console-${protocol}`);
      const r = await launcher(['node', app('logs-app.cjs'), 'console', String(REQUESTS), 'natural', String(BURST)], {
        env: otlpEnv(protocol, service),
      });
      assert.equal(r.code, 0, r.stderr);
      await receiver.waitFor(() => recordsOf(service).length >= 1 + REQUESTS * 2 + BURST && spansOf(service).length >= REQUESTS * 2);
      assertDelivered('console', service);
    });
  }
});

describe('the settings', () => {
  before(() => ready);
  it('OTEL_LOGS_EXPORTER=none: no record is made, the output is the same', async () => {
    const service = unique('none');
    const r = await launcher(['node', app('logs-app.cjs'), 'console', '1', 'natural', '1'], { env: otlpEnv('http/protobuf', service, { OTEL_LOGS_EXPORTER: 'none' }) });
    assert.equal(r.code, 0, r.stderr);
    await receiver.waitFor(() => spansOf(service).length >= 2);
    assert.equal(recordsOf(service).length, 0);
    assert.match(r.stdout, /^starting \{"requests":1\}\nhandling \/r0/);
  });

  it("OTEL_LOGS_EXPORTER=console: one JSON line per record on stderr; neither those lines nor ts-otel-run's own diagnostics loop back as records", async () => {
    const r = await launcher(['node', app('logs-app.cjs'), 'console', '1', 'exit', '1'], {
      env: cleanEnv({ OTEL_LOGS_EXPORTER: 'console', OTEL_LOG_LEVEL: 'debug' }),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^ts-otel-run: debug: /m, 'diagnostics were written');
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('{"timestamp"'));
    assert.equal(lines.length, 1 + 2 + 1, r.stderr);
    assert.ok(lines.every((l) => !JSON.parse(l).body.includes('ts-otel-run')), 'no diagnostic became a record');
    const slow = lines.map((l) => JSON.parse(l)).find((o) => String(o.body).startsWith('slow'));
    assert.equal(slow.severity_number, 17);
    assert.match(slow.trace_id, /^[0-9a-f]{32}$/);
  });
});
