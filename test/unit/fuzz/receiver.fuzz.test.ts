// Property-based tests of the built-in OTLP receiver (`ts-otel-run collect` and `check`), which
// reads whatever a network peer sends: the decoders throw nothing but DecodeError whatever the
// bytes, what they accept is normalized without a throw, and a started receiver answers garbage,
// mutated payloads and oversized bodies with 4xx (never 5xx, never a hang) and keeps serving.
// Every property runs with a fixed seed.
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import * as zlib from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import * as fc from 'fast-check';
import {
  DecodeError,
  decodeJsonRequest,
  decodeProtobufRequest,
  decodeRpcStatus,
  flattenLogs,
  flattenMetrics,
  flattenTraces,
  type OtlpRequest,
  type Receiver,
  type Signal,
  startReceiver,
} from '../../../src/receiver';
import { encodeRequest, FIXTURES } from '../../helpers/otlp-official';

const SIGNALS: Signal[] = ['traces', 'metrics', 'logs'];
const PROTOBUF_BYTES: Record<Signal, Buffer> = {
  traces: encodeRequest('traces', FIXTURES.traces.official),
  metrics: encodeRequest('metrics', FIXTURES.metrics.official),
  logs: encodeRequest('logs', FIXTURES.logs.official),
};

function flatten(signal: Signal, data: OtlpRequest): unknown[] {
  if (signal === 'traces') return flattenTraces(data as never, 'http/protobuf');
  if (signal === 'metrics') return flattenMetrics(data as never, 'http/json');
  return flattenLogs(data as never, 'grpc');
}

/** Decodes with `decode`: a result that normalizes, or a DecodeError with a message; nothing else. */
function decodesOrRejects(signal: Signal, decode: () => OtlpRequest): void {
  let data: OtlpRequest;
  try {
    data = decode();
  } catch (e) {
    if (!(e instanceof DecodeError)) throw new Error(`not a DecodeError: ${e instanceof Error ? e.stack : String(e)}`);
    assert.ok(e.message.length > 0);
    return;
  }
  const items = flatten(signal, data);
  assert.ok(Array.isArray(items));
  // What the receiver's summary and the check subcommand print: must not throw either.
  JSON.stringify(items, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
}

// --- arbitraries: bytes ---------------------------------------------------------------------------

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

/**
 * Protobuf-shaped bytes: fields with the numbers OTLP messages use (and others), every wire type,
 * and length prefixes that are right, short or long, nested a few levels.
 */
const protobufish: fc.Arbitrary<Buffer> = fc.letrec<{ message: Buffer; field: Buffer }>((tie) => ({
  field: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(fc.integer({ min: 0, max: 20 }), fc.constantFrom(0, 1, 5, 3, 4, 6, 7), fc.uint8Array({ maxLength: 10 })).map(([no, wt, bytes]) =>
      Buffer.from([...varint((no << 3) | wt), ...bytes]),
    ),
    fc.tuple(fc.integer({ min: 1, max: 20 }), fc.uint8Array({ maxLength: 20 }), fc.integer({ min: -2, max: 2 })).map(([no, bytes, lie]) =>
      Buffer.from([...varint((no << 3) | 2), ...varint(Math.max(0, bytes.length + (lie === 2 ? 1000 : lie === -2 ? 0 : lie))), ...bytes]),
    ),
    fc.tuple(fc.integer({ min: 1, max: 20 }), tie('message')).map(([no, inner]) => Buffer.concat([Buffer.from([...varint((no << 3) | 2), ...varint(inner.length)]), inner])),
  ),
  message: fc.array(tie('field'), { maxLength: 5 }).map((fields) => Buffer.concat(fields)),
})).message;

/** A valid payload with a few bytes changed, inserted or removed, or cut short. */
function mutatedBytes(valid: Buffer): fc.Arbitrary<Buffer> {
  const edit = fc.tuple(fc.nat(), fc.constantFrom('flip', 'set', 'insert', 'delete', 'truncate'), fc.integer({ min: 0, max: 255 }));
  return fc.array(edit, { minLength: 1, maxLength: 4 }).map((edits) => {
    let b = Buffer.from(valid);
    for (const [at, op, byte] of edits) {
      const i = b.length === 0 ? 0 : at % b.length;
      if (op === 'flip') b[i] = (b[i] ?? 0) ^ (1 << (byte & 7));
      else if (op === 'set') b[i] = byte;
      else if (op === 'insert') b = Buffer.concat([b.subarray(0, i), Buffer.from([byte]), b.subarray(i)]);
      else if (op === 'delete') b = Buffer.concat([b.subarray(0, i), b.subarray(i + 1)]);
      else b = b.subarray(0, i);
    }
    return b;
  });
}

const anyProtobufBody = (signal: Signal) =>
  fc.oneof(
    { arbitrary: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)), weight: 2 },
    { arbitrary: protobufish, weight: 3 },
    { arbitrary: mutatedBytes(PROTOBUF_BYTES[signal]), weight: 4 },
  );

// --- arbitraries: JSON ----------------------------------------------------------------------------

/** Every path to a value inside `v`. */
function paths(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...prefix, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...prefix, k], out);
  return out;
}

function replaced(v: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  const copy = (Array.isArray(v) ? [...v] : { ...(v as object) }) as Record<string | number, unknown>;
  copy[head] = replaced(copy[head], rest, value);
  return copy;
}

const BIG = '"__BIG_LITERAL__"';
/** Values that sit on the edges of what OTLP/JSON fields accept. */
const edgeValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom<unknown>(
    'NaN', 'Infinity', '-Infinity', '1e400', '-1', '18446744073709551616', '9223372036854775808', '0x10', '',
    '5b8efff798038103d269b633813fc60', '5B8EFFF798038103D269B633813FC60C', 'zz', 'AAAA', '=', '_-', 'SPAN_KIND_SERVER', 'SEVERITY_NUMBER_FATAL4',
    -1, 4294967296, 2147483648, 1.5, 1e300, -0, 9007199254740991, [], {}, null, true,
    { stringValue: 'x', intValue: '1' }, { arrayValue: { values: [{ arrayValue: {} }] } }, { kvlistValue: { values: [{ key: '__proto__', value: {} }] } },
  ),
  fc.constant(BIG),
);
const BIG_LITERALS = ['9007199254740993', '-9223372036854775809', '18446744073709551615', '1e400', '123456789012345678901234567890', '-0.0'];

function mutatedJson(signal: Signal): fc.Arbitrary<string> {
  const base = FIXTURES[signal].json;
  const all = paths(base);
  return fc
    .tuple(fc.array(fc.tuple(fc.nat(all.length - 1), edgeValue), { minLength: 1, maxLength: 3 }), fc.constantFrom(...BIG_LITERALS))
    .map(([edits, big]) => {
      let v: unknown = base;
      for (const [i, value] of edits) v = replaced(v, all[i] as (string | number)[], value);
      return JSON.stringify(v).split(BIG).join(big);
    });
}

/** A JSON text with characters changed: mostly invalid JSON, sometimes valid in surprising ways. */
function mutatedText(signal: Signal): fc.Arbitrary<string> {
  const text = JSON.stringify(FIXTURES[signal].json);
  const edit = fc.tuple(fc.nat(), fc.constantFrom('replace', 'insert', 'delete'), fc.constantFrom(...'{}[]":,0123456789-eE.ntf \\', '\ud800', 'é'));
  return fc.array(edit, { minLength: 1, maxLength: 3 }).map((edits) => {
    let s = text;
    for (const [at, op, c] of edits) {
      const i = at % s.length;
      if (op === 'replace') s = s.slice(0, i) + c + s.slice(i + 1);
      else if (op === 'insert') s = s.slice(0, i) + c + s.slice(i);
      else s = s.slice(0, i) + s.slice(i + 1);
    }
    return s;
  });
}

const anyJsonBody = (signal: Signal) =>
  fc.oneof(
    { arbitrary: fc.string({ maxLength: 100 }), weight: 1 },
    { arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)), weight: 1 },
    { arbitrary: mutatedJson(signal), weight: 5 },
    { arbitrary: mutatedText(signal), weight: 2 },
  );

// --- the decoders ---------------------------------------------------------------------------------

describe('receiver decoders, property-based', () => {
  for (const signal of SIGNALS) {
    it(`protobuf ${signal}: any bytes decode and normalize, or throw a DecodeError`, () => {
      fc.assert(
        fc.property(anyProtobufBody(signal), (bytes) => decodesOrRejects(signal, () => decodeProtobufRequest(signal, bytes))),
        { seed: 0x0e1 + SIGNALS.indexOf(signal), numRuns: 400 },
      );
    });

    it(`JSON ${signal}: any text decodes and normalizes, or throws a DecodeError`, () => {
      fc.assert(
        fc.property(anyJsonBody(signal), fc.boolean(), (text, asBytes) =>
          decodesOrRejects(signal, () => decodeJsonRequest(signal, asBytes ? Buffer.from(text) : text)),
        ),
        { seed: 0x0e4 + SIGNALS.indexOf(signal), numRuns: 300 },
      );
    });
  }

  it('deep nesting: AnyValues, unknown groups and JSON arrays far past every limit are DecodeErrors', () => {
    // AnyValue { arrayValue (5) { values (1) { AnyValue … } } }, nested n deep, as a log body.
    const nested = (n: number): Buffer => {
      let inner = Buffer.from([0x0a, 0x01, 0x78]); // stringValue "x"
      for (let i = 0; i < n; i++) {
        const values = Buffer.concat([Buffer.from([0x0a, ...varint(inner.length)]), inner]);
        inner = Buffer.concat([Buffer.from([0x2a, ...varint(values.length)]), values]);
      }
      return inner;
    };
    const record = (body: Buffer) => Buffer.concat([Buffer.from([0x2a, ...varint(body.length)]), body]);
    const scope = (r: Buffer) => Buffer.concat([Buffer.from([0x12, ...varint(r.length)]), r]);
    const resource = (s: Buffer) => Buffer.concat([Buffer.from([0x0a, ...varint(s.length)]), s]);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3000 }), (n) => {
        decodesOrRejects('logs', () => decodeProtobufRequest('logs', resource(scope(record(nested(n))))));
        decodesOrRejects('logs', () => decodeProtobufRequest('logs', Buffer.alloc(n * 10, 0x7b))); // start-group tags
        decodesOrRejects('logs', () => decodeJsonRequest('logs', `${'['.repeat(n * 30)}${']'.repeat(n * 30)}`));
        const json = `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":${'{"arrayValue":{"values":['.repeat(n)}{"intValue":"9223372036854775808"}${']}}'.repeat(n)}}]}]}]}`;
        decodesOrRejects('logs', () => decodeJsonRequest('logs', json));
      }),
      { seed: 0x0e7, numRuns: 25 },
    );
  });

  it('google.rpc.Status: any bytes decode or throw a DecodeError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 100 }).map((a) => Buffer.from(a)), protobufish), (bytes) => {
        try {
          const status = decodeRpcStatus(bytes);
          assert.equal(typeof status.code, 'number');
          assert.equal(typeof status.message, 'string');
        } catch (e) {
          assert.ok(e instanceof DecodeError, String(e));
        }
      }),
      { seed: 0x0e8, numRuns: 300 },
    );
  });
});

// --- a started receiver ---------------------------------------------------------------------------

const MAX_BODY = 16 * 1024;

interface Reply {
  status: number;
  body: Buffer;
}

/** One request on a keep-alive agent; a hang fails the test instead of stalling it. */
function send(agent: http.Agent, base: string, path: string, method: string, headers: Record<string, string>, body: Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer within 5 s: ${method} ${path} ${JSON.stringify(headers)} (${body.length} bytes)`));
    }, 5000);
    const req = http.request(new URL(path, base), { method, headers: { ...headers, 'Content-Length': String(body.length) }, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode!, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end(body);
  });
}

describe('receiver over HTTP, property-based', () => {
  let r: Receiver;
  let agent: http.Agent;
  before(async () => {
    r = await startReceiver({ grpcPort: false, maxBodyBytes: MAX_BODY });
    agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  });
  after(async () => {
    agent.destroy();
    await r.close();
  });

  const CONTENT_TYPES = [
    'application/x-protobuf',
    'application/json',
    'application/json; charset=utf-8',
    'Application/JSON; charset="UTF8"',
    'application/json; charset=latin1',
    'application/protobuf',
    'text/plain',
    ';',
    '',
  ];

  const request = fc.constantFrom(...SIGNALS).chain((signal) =>
    fc.record({
      signal: fc.constant(signal),
      path: fc.oneof({ arbitrary: fc.constant(`/v1/${signal}`), weight: 8 }, fc.constantFrom(`/v1/${signal}?x=1`, '/v1/other', '/', '/v1/traces/')),
      method: fc.oneof({ arbitrary: fc.constant('POST'), weight: 10 }, fc.constantFrom('GET', 'PUT', 'DELETE')),
      contentType: fc.oneof({ arbitrary: fc.constantFrom('application/x-protobuf', 'application/json'), weight: 6 }, fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: undefined })),
      encoding: fc.constantFrom('none', 'none', 'gzip', 'gzip-declared', 'gzip-truncated', 'br', ' GZIP ', 'identity'),
      body: fc.oneof(anyProtobufBody(signal), anyJsonBody(signal).map((s) => Buffer.from(s))),
    }),
  );

  it('answers anything with 200 or 4xx, never 5xx or a hang, and keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(request, async ({ signal, path, method, contentType, encoding, body }) => {
        const headers: Record<string, string> = {};
        if (contentType !== undefined) headers['Content-Type'] = contentType;
        let payload = body;
        if (encoding === 'gzip' || encoding === ' GZIP ') payload = zlib.gzipSync(body);
        else if (encoding === 'gzip-truncated') payload = zlib.gzipSync(body).subarray(0, 12);
        if (encoding.startsWith('gzip') || encoding === ' GZIP ') headers['Content-Encoding'] = encoding.startsWith('gzip') ? 'gzip' : encoding;
        else if (encoding !== 'none') headers['Content-Encoding'] = encoding;
        const reply = await send(agent, r.endpoints.http!, path, method, headers, payload);
        assert.ok(reply.status === 200 || (reply.status >= 400 && reply.status < 500), `${reply.status}: ${reply.body.toString().slice(0, 300)} (${signal})`);
        if (reply.status === 200) assert.ok(method === 'POST' && path.startsWith(`/v1/${signal}`));
      }),
      { seed: 0x0e9, numRuns: 250 },
    );
    // Still serving, and what it stored is still readable.
    const ok = await send(agent, r.endpoints.http!, '/v1/traces', 'POST', { 'Content-Type': 'application/x-protobuf' }, PROTOBUF_BYTES.traces);
    assert.equal(ok.status, 200);
    assert.ok(r.spans().length >= FIXTURES.traces.expected.length);
    assert.equal(typeof r.summary(), 'string');
    for (const rejected of r.rejected) assert.ok(rejected.status >= 400 && rejected.status < 500, `${rejected.status}: ${rejected.message}`);
  });

  it('answers a body over its size limit with 413, compressed or not, and keeps serving', async () => {
    const oversized = fc.record({
      signal: fc.constantFrom(...SIGNALS),
      contentType: fc.constantFrom('application/x-protobuf', 'application/json'),
      size: fc.integer({ min: MAX_BODY + 1, max: 4 * MAX_BODY }),
      fill: fc.integer({ min: 0, max: 255 }),
      gzip: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(oversized, async ({ signal, contentType, size, fill, gzip }) => {
        const raw = Buffer.alloc(size, fill);
        const headers: Record<string, string> = { 'Content-Type': contentType };
        if (gzip) headers['Content-Encoding'] = 'gzip';
        const reply = await send(agent, r.endpoints.http!, `/v1/${signal}`, 'POST', headers, gzip ? zlib.gzipSync(raw) : raw);
        assert.equal(reply.status, 413, reply.body.toString().slice(0, 200));
      }),
      { seed: 0x0ea, numRuns: 30 },
    );
    const ok = await send(agent, r.endpoints.http!, '/v1/logs', 'POST', { 'Content-Type': 'application/json' }, Buffer.from(JSON.stringify(FIXTURES.logs.json)));
    assert.equal(ok.status, 200);
  });
});
