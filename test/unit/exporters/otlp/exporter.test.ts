import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Diag } from '../../../../src/diag';
import { defaultBackoff, MIN_RETRY_DELAY_MS, OtlpExporter, type OtlpExporterOptions } from '../../../../src/exporters/otlp/exporter';
import type { SendResult, Transport } from '../../../../src/exporters/otlp/http-transport';
import { lazyOtlpSpanExporter } from '../../../../src/exporters/otlp/lazy';
import type { OtlpOptions } from '../../../../src/exporters/otlp/options';
import type { ExportResult } from '../../../../src/trace/types';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const official: any = require('otlp-proto-definitions/build/src/generated/root.js');
const TraceResponse = official.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;

/** A google.rpc.Status { code = 1; message = 2 } in protobuf, written by hand. */
function rpcStatus(code: number, message: string): Buffer {
  const m = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from([0x08, code, 0x12, m.length]), m]);
}

function partialSuccess(rejectedSpans: number, errorMessage: string): Buffer {
  return Buffer.from(TraceResponse.encode(TraceResponse.fromObject({ partialSuccess: { rejectedSpans, errorMessage } })).finish());
}

interface Line {
  level: string;
  message: string;
}

/** A Diag that records what it is told; `once` is per instance. */
function recordingDiag(): Diag & { lines: Line[] } {
  const lines: Line[] = [];
  const seen = new Set<string>();
  const d = {
    lines,
    error: (m: string) => void lines.push({ level: 'error', message: m }),
    warn: (m: string) => void lines.push({ level: 'warn', message: m }),
    info: (m: string) => void lines.push({ level: 'info', message: m }),
    debug: (m: string) => void lines.push({ level: 'debug', message: m }),
    verbose: (m: string) => void lines.push({ level: 'verbose', message: m }),
    enabled: () => true,
    once(key: string, level: 'error' | 'warn' | 'info' | 'debug' | 'verbose', m: string) {
      if (seen.has(key)) return;
      seen.add(key);
      lines.push({ level, message: m });
    },
    child: () => d,
  };
  return d;
}

type Step = SendResult | ((body: Uint8Array, timeoutMs: number) => SendResult | Promise<SendResult>);

/** Answers each send with the next scripted step (the last one repeats). */
class FakeTransport implements Transport {
  calls: Array<{ body: Uint8Array; timeoutMs: number; at: number }> = [];
  closed = 0;
  constructor(private readonly steps: Step[]) {}
  async send(body: Uint8Array, timeoutMs: number): Promise<SendResult> {
    this.calls.push({ body, timeoutMs, at: Date.now() });
    const step = this.steps.length > 1 ? this.steps.shift()! : this.steps[0]!;
    return typeof step === 'function' ? step(body, timeoutMs) : step;
  }
  close() {
    this.closed++;
  }
}

const OK: SendResult = { ok: true, retryable: false, status: 200, body: Buffer.alloc(0) };
const status = (code: number, extra: Partial<SendResult> = {}): SendResult => ({
  ok: false,
  retryable: [429, 502, 503, 504].includes(code),
  status: code,
  body: Buffer.alloc(0),
  ...extra,
});
const NETWORK: SendResult = { ok: false, retryable: true, error: new Error('connect ECONNREFUSED 127.0.0.1:4318') };

const OPTIONS: OtlpOptions = {
  signal: 'traces',
  protocol: 'http/protobuf',
  url: 'http://alice:s3cret-password@127.0.0.1:4318/v1/traces',
  headers: { authorization: 'Bearer TOPSECRET-TOKEN', 'x-tenant': 'TENANT-VALUE' },
  timeoutMs: 2000,
  compression: 'none',
  insecure: false,
};

function make(steps: Step[], o: Omit<Partial<OtlpExporterOptions<string>>, 'options'> & { options?: Partial<OtlpOptions> } = {}) {
  const transport = new FakeTransport(steps);
  const diag = recordingDiag();
  let suppressedCalls = 0;
  const backoffs: number[] = [];
  const exporter = new OtlpExporter<string>({
    encode: (items) => Buffer.from(items.join(',')),
    noun: 'span',
    diag,
    transport,
    suppressed: (fn) => {
      suppressedCalls++;
      return fn();
    },
    backoffMs: (attempt) => {
      backoffs.push(attempt);
      return 5;
    },
    ...o,
    options: { ...OPTIONS, ...o.options },
  });
  const send = (items: string[] = ['a', 'b']) => new Promise<ExportResult>((resolve) => exporter.export(items, resolve));
  return { exporter, transport, diag, send, backoffs, suppressed: () => suppressedCalls };
}

// The exporter's retry sleeps are unref'd (they never hold a program): keep this test process alive.
let keepAlive: NodeJS.Timeout | undefined;
before(() => {
  keepAlive = setInterval(() => {}, 1000);
});
after(() => clearInterval(keepAlive));

const SECRETS = ['s3cret-password', 'TOPSECRET-TOKEN', 'TENANT-VALUE', 'alice'];
function assertNoSecrets(lines: Line[]) {
  for (const l of lines) for (const s of SECRETS) assert.ok(!l.message.includes(s), `"${l.message}" shows ${s}`);
}

describe('OtlpExporter: sending', () => {
  it('sends the encoded batch once, with tracing suppressed, and succeeds', async () => {
    const { send, transport, suppressed, diag } = make([OK]);
    const result = await send(['x', 'y']);
    assert.deepEqual(result, { code: 0 });
    assert.equal(transport.calls.length, 1);
    assert.equal(Buffer.from(transport.calls[0]!.body).toString(), 'x,y');
    assert.ok(transport.calls[0]!.timeoutMs <= 2000 && transport.calls[0]!.timeoutMs > 1500);
    assert.equal(suppressed(), 1);
    assert.deepEqual(diag.lines, []);
  });

  for (const code of [429, 502, 503, 504]) {
    it(`retries HTTP ${code} with the backoff, then succeeds`, async () => {
      const { send, transport, backoffs, diag } = make([status(code), status(code), OK]);
      assert.deepEqual(await send(), { code: 0 });
      assert.equal(transport.calls.length, 3);
      assert.deepEqual(backoffs, [1, 2]);
      assert.deepEqual(diag.lines, [], 'a batch that got through in the end is no failure');
    });
  }

  it('retries network errors', async () => {
    const { send, transport } = make([NETWORK, NETWORK, OK]);
    assert.deepEqual(await send(), { code: 0 });
    assert.equal(transport.calls.length, 3);
  });

  it('waits the backoff between attempts', async () => {
    const { send, transport } = make([status(503), OK], { backoffMs: () => 80 });
    await send();
    const gap = transport.calls[1]!.at - transport.calls[0]!.at;
    assert.ok(gap >= 70, `retried after ${gap} ms`);
  });

  it('a Retry-After wins over the backoff', async () => {
    const { send, transport, backoffs } = make([status(503, { retryAfterMs: 30 }), OK], {
      backoffMs: (a) => (backoffs.push(a), 60_000),
    });
    const started = Date.now();
    assert.deepEqual(await send(), { code: 0 });
    assert.equal(transport.calls.length, 2);
    assert.ok(transport.calls[1]!.at - transport.calls[0]!.at >= 25);
    assert.ok(Date.now() - started < 1500);
  });

  it('does not retry HTTP 400; the rpc status message from the body is in the error', async () => {
    const { send, transport, diag } = make([status(400, { body: rpcStatus(3, 'span 7 has no name') })]);
    const result = await send();
    assert.equal(result.code, 1);
    assert.equal(result.error?.message, 'HTTP 400: span 7 has no name');
    assert.equal(transport.calls.length, 1);
    assert.equal(diag.lines.length, 1);
    assert.match(diag.lines[0]!.message, /HTTP 400: span 7 has no name/);
  });

  it('reads a JSON rpc status with the http/json protocol; an unreadable body gives the status alone', async () => {
    const json = make([status(400, { body: Buffer.from('{"code":3,"message":"bad json span"}') })], { options: { protocol: 'http/json' } });
    assert.equal((await json.send()).error?.message, 'HTTP 400: bad json span');
    const garbage = make([status(401, { body: Buffer.from('<html>nope</html>') })]);
    assert.equal((await garbage.send()).error?.message, 'HTTP 401');
  });

  for (const code of [400, 401, 403, 404, 413, 500]) {
    it(`does not retry HTTP ${code}`, async () => {
      const { send, transport } = make([status(code), OK]);
      assert.equal((await send()).code, 1);
      assert.equal(transport.calls.length, 1);
    });
  }
});

describe('OtlpExporter: the time limit', () => {
  it('keeps retrying within options.timeoutMs and schedules no retry past it', async () => {
    const { send, transport } = make([status(503)], { options: { timeoutMs: 300 }, backoffMs: () => 40 });
    const started = Date.now();
    const result = await send();
    const took = Date.now() - started;
    assert.equal(result.code, 1);
    assert.ok(transport.calls.length >= 3, `${transport.calls.length} attempts`);
    assert.ok(took < 300 + 200, `took ${took} ms`);
    // each attempt gets only what is left of the time limit
    for (const c of transport.calls) assert.ok(c.at - started + c.timeoutMs <= 300 + 20, `${c.at - started} + ${c.timeoutMs}`);
    const last = transport.calls[transport.calls.length - 1]!;
    assert.ok(last.at - started + 40 >= 300 - 20, 'stopped only when the next backoff would pass the limit');
  });

  it('a backoff longer than the time left ends at once', async () => {
    const { send, transport } = make([status(503)], { options: { timeoutMs: 500 }, backoffMs: () => 10_000 });
    const started = Date.now();
    assert.equal((await send()).code, 1);
    assert.equal(transport.calls.length, 1);
    assert.ok(Date.now() - started < 400);
  });

  it('a Retry-After of 0 is no tight loop: retries come at least MIN_RETRY_DELAY_MS apart', async () => {
    const { send, transport } = make(
      Array.from({ length: 50 }, () => status(503, { retryAfterMs: 0 })),
      { options: { timeoutMs: 450 }, backoffMs: () => 0 },
    );
    const result = await send();
    assert.equal(result.code, 1);
    assert.ok(transport.calls.length >= 2 && transport.calls.length <= 5, `${transport.calls.length} attempts in 450 ms`);
    for (let i = 1; i < transport.calls.length; i++) {
      assert.ok(transport.calls[i]!.at - transport.calls[i - 1]!.at >= MIN_RETRY_DELAY_MS - 5);
    }
  });

  it('a Retry-After beyond the time left ends at once', async () => {
    const { send, transport } = make([status(429, { retryAfterMs: 60_000 })], { options: { timeoutMs: 500 } });
    const started = Date.now();
    assert.equal((await send()).code, 1);
    assert.equal(transport.calls.length, 1);
    assert.ok(Date.now() - started < 400);
  });
});

describe('OtlpExporter: shutting down', () => {
  it('after beginShutdown, network errors are not retried', async () => {
    const { exporter, send, transport } = make([NETWORK, OK]);
    exporter.beginShutdown();
    const result = await send();
    assert.equal(result.code, 1);
    assert.match(result.error!.message, /ECONNREFUSED/);
    assert.equal(transport.calls.length, 1);
  });

  it('after beginShutdown, a 503 is still retried while time allows', async () => {
    const { exporter, send, transport } = make([status(503), OK]);
    exporter.beginShutdown();
    assert.deepEqual(await send(), { code: 0 });
    assert.equal(transport.calls.length, 2);
  });

  it('shutdown closes the transport and tells how much was lost in all', async () => {
    const { exporter, send, transport, diag } = make([status(400)]);
    await send(['a', 'b', 'c']);
    await send(['d']);
    await exporter.shutdown();
    assert.equal(transport.closed, 1);
    const last = diag.lines[diag.lines.length - 1]!;
    assert.equal(last.level, 'warn');
    assert.match(last.message, /^4 span\(s\) could not be exported to http:\/\/127\.0\.0\.1:4318\/v1\/traces in all$/);
    assertNoSecrets(diag.lines);
  });

  it('shutdown after successes says nothing', async () => {
    const { exporter, send, diag } = make([OK]);
    await send();
    await exporter.shutdown();
    assert.deepEqual(diag.lines, []);
  });
});

describe('OtlpExporter: failures are said once per streak', () => {
  it('the first failure warns with the destination (no credentials, no header values); later ones are silent', async () => {
    const { send, diag } = make([NETWORK], { options: { timeoutMs: 50 }, backoffMs: () => 100 });
    const first = await send(['a', 'b']);
    assert.equal(first.code, 1);
    assert.equal(diag.lines.length, 1);
    const { level, message } = diag.lines[0]!;
    assert.equal(level, 'warn');
    assert.equal(
      message,
      'cannot export spans to http://127.0.0.1:4318/v1/traces: connect ECONNREFUSED 127.0.0.1:4318; 2 span(s) dropped (said once until exports succeed again)',
    );
    await send();
    await send();
    assert.equal(diag.lines.length, 1, 'later failures are silent');
    assertNoSecrets(diag.lines);
  });

  it('a success after failures is said at info, and the streak starts again', async () => {
    const steps: Step[] = [status(400), status(400), OK, status(400), status(400), OK];
    const { send, diag } = make(steps);
    for (let i = 0; i < 6; i++) await send();
    assert.deepEqual(
      diag.lines.map((l) => l.level),
      ['warn', 'info', 'warn', 'info'],
    );
    assert.match(diag.lines[1]!.message, /exports of spans to http:\/\/127\.0\.0\.1:4318\/v1\/traces succeed again \(2 batch\(es\) failed\)/);
    assertNoSecrets(diag.lines);
  });

  it('a transport that throws is a reported failure, not retried', async () => {
    const { send, transport, diag } = make([
      () => {
        throw new TypeError('Invalid character in header content ["authorization"]');
      },
    ]);
    const result = await send();
    assert.equal(result.code, 1);
    assert.equal(transport.calls.length, 1);
    assert.equal(diag.lines.length, 1);
    assert.match(diag.lines[0]!.message, /cannot export spans .*Invalid character in header content/);
  });

  it('an encoder that throws gives a failed result and one warning', async () => {
    let calls = 0;
    const { send, transport, diag } = make([OK], {
      encode: () => {
        calls++;
        throw new RangeError('cannot encode this');
      },
    });
    const a = await send();
    const b = await send();
    assert.equal(a.code, 1);
    assert.match(String(a.error), /cannot encode this/);
    assert.equal(b.code, 1);
    assert.equal(calls, 2);
    assert.equal(transport.calls.length, 0);
    assert.equal(diag.lines.length, 1);
    assert.match(diag.lines[0]!.message, /could not encode spans: RangeError: cannot encode this/);
  });
});

describe('OtlpExporter: partial success', () => {
  it('is warned about once per streak; a batch accepted whole ends the streak', async () => {
    const partial = { ...OK, body: partialSuccess(2, 'duplicate span ids') };
    const { send, diag } = make([partial, partial, OK, partial]);
    for (let i = 0; i < 4; i++) assert.deepEqual(await send(), { code: 0 }, 'a partial success is a success');
    const warnings = diag.lines.filter((l) => l.level === 'warn');
    assert.equal(warnings.length, 2, JSON.stringify(diag.lines));
    assert.match(warnings[0]!.message, /accepted a batch only in part: 2 span\(s\) rejected: duplicate span ids/);
    assert.ok(warnings[0]!.message.includes('http://127.0.0.1:4318/v1/traces'));
    assertNoSecrets(diag.lines);
  });

  it('a warning-only partial success (nothing rejected, a message) counts too', async () => {
    const { send, diag } = make([{ ...OK, body: partialSuccess(0, 'slow down') }]);
    await send();
    assert.match(diag.lines[0]!.message, /0 span\(s\) rejected: slow down/);
  });

  it('reads the JSON form with http/json', async () => {
    const body = Buffer.from('{"partialSuccess":{"rejectedSpans":"3","errorMessage":"too old"}}');
    const { send, diag } = make([{ ...OK, body }], { options: { protocol: 'http/json' } });
    await send();
    assert.match(diag.lines[0]!.message, /3 span\(s\) rejected: too old/);
  });

  it('an empty partial_success is a full success', async () => {
    const empty = Buffer.from(TraceResponse.encode(TraceResponse.fromObject({ partialSuccess: {} })).finish());
    const { send, diag } = make([{ ...OK, body: empty }]);
    await send();
    assert.deepEqual(diag.lines, []);
  });
});

describe('OtlpExporter.exitRequest', () => {
  it('describes the HTTP request export would send', () => {
    const { exporter } = make([OK], {
      options: { compression: 'gzip', certificate: '/tls/ca.pem', clientKey: '/tls/key.pem', clientCertificate: '/tls/cert.pem' },
    });
    const r = exporter.exitRequest(['a', 'b', 'c']);
    assert.equal(r.protocol, 'http/protobuf');
    assert.equal(r.url, OPTIONS.url);
    assert.deepEqual(r.headers, OPTIONS.headers);
    assert.equal(r.contentType, 'application/x-protobuf');
    assert.equal(r.gzip, true);
    assert.equal(Buffer.from(r.body).toString(), 'a,b,c');
    assert.deepEqual(r.tls, { ca: '/tls/ca.pem', key: '/tls/key.pem', cert: '/tls/cert.pem' });
    assert.equal(r.count, 3);
    assert.equal(r.noun, 'span');
    assert.equal(r.grpcPath, undefined);
  });

  it('http/json: JSON content type, no gzip, no tls', () => {
    const { exporter } = make([OK], { options: { protocol: 'http/json' } });
    const r = exporter.exitRequest(['a']);
    assert.equal(r.protocol, 'http/json');
    assert.equal(r.contentType, 'application/json');
    assert.equal(r.gzip, false);
    assert.equal(r.tls, undefined);
    assert.equal(r.count, 1);
  });

  it('grpc: the service path of the signal', () => {
    for (const [signal, path] of [
      ['traces', '/opentelemetry.proto.collector.trace.v1.TraceService/Export'],
      ['metrics', '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export'],
      ['logs', '/opentelemetry.proto.collector.logs.v1.LogsService/Export'],
    ] as const) {
      const { exporter } = make([OK], { options: { protocol: 'grpc', signal, url: 'http://127.0.0.1:4317', certificate: '/ca.pem' } });
      const r = exporter.exitRequest(['a']);
      assert.equal(r.protocol, 'grpc');
      assert.equal(r.grpcPath, path);
      assert.equal(r.url, 'http://127.0.0.1:4317');
      assert.deepEqual(r.tls, { ca: '/ca.pem' });
    }
  });

  it('destination has no credentials', () => {
    const { exporter } = make([OK]);
    assert.equal(exporter.destination, 'http://127.0.0.1:4318/v1/traces');
  });
});

describe('defaultBackoff', () => {
  it('grows from about 1 s and stays within 5 s, jittered between half and all of the base', () => {
    for (let i = 0; i < 200; i++) {
      const one = defaultBackoff(1);
      assert.ok(one >= 500 && one <= 1000, String(one));
      const two = defaultBackoff(2);
      assert.ok(two >= 750 && two <= 1500, String(two));
      const many = defaultBackoff(30);
      assert.ok(many >= 2500 && many <= 5000, String(many));
    }
  });
});

describe('lazyOtlpSpanExporter', () => {
  it('loads nothing until the first export; destination has no credentials; shutdown before any export is a no-op', async () => {
    const diag = recordingDiag();
    const lazy = lazyOtlpSpanExporter(OPTIONS, diag, (fn) => fn());
    assert.equal(lazy.destination, 'http://127.0.0.1:4318/v1/traces');
    await lazy.shutdown();
    assert.deepEqual(diag.lines, []);
  });

  it('beginShutdown before the first export reaches the real exporter: a refused connection fails at once', async () => {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise((r) => s.close(r));
    const diag = recordingDiag();
    const lazy = lazyOtlpSpanExporter({ ...OPTIONS, url: `http://127.0.0.1:${port}/v1/traces`, timeoutMs: 10_000 }, diag, (fn) => fn());
    lazy.beginShutdown();
    const started = Date.now();
    const result = await new Promise<ExportResult>((resolve) => lazy.export([], resolve));
    assert.equal(result.code, 1);
    assert.match(String(result.error), /ECONNREFUSED/);
    assert.ok(Date.now() - started < 900, `took ${Date.now() - started} ms: retried with the default backoff`);
    assert.equal(diag.lines.length, 1);
    await lazy.shutdown();
  });

  it('exitRequest encodes the spans with the configured protocol', () => {
    const lazy = lazyOtlpSpanExporter({ ...OPTIONS, protocol: 'http/json' }, recordingDiag(), (fn) => fn());
    const r = lazy.exitRequest([]);
    assert.equal(r.contentType, 'application/json');
    assert.equal(r.count, 0);
    assert.doesNotThrow(() => JSON.parse(Buffer.from(r.body).toString()));
  });
});
