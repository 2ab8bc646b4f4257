import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import * as protobuf from 'protobufjs/minimal';
import {
  DecodeError,
  decodeProtobufRequest,
  flattenLogs,
  flattenMetrics,
  flattenTraces,
  MAX_ANY_VALUE_DEPTH,
  type Signal,
} from '../../../src/receiver';
import { decodeJsonMessage } from '../../../src/receiver/json';
import { decodeProtobufMessage } from '../../../src/receiver/protobuf';
import * as schema from '../../../src/receiver/schema';
import type { FieldSpec, Kind, MessageSpec } from '../../../src/receiver/schema';
import {
  encodeOfficial,
  encodeRequest,
  FIXTURES,
  officialType,
  SPAN_ID,
  TRACE_ID,
} from '../../helpers/otlp-official';

const SIGNALS: Signal[] = ['traces', 'metrics', 'logs'];

const flatten = (signal: Signal, bytes: Buffer) => {
  const data = decodeProtobufRequest(signal, bytes);
  if (signal === 'traces') return flattenTraces(data as never, 'grpc');
  if (signal === 'metrics') return flattenMetrics(data as never, 'grpc');
  return flattenLogs(data as never, 'grpc');
};

/** Where each message of the receiver's tables lives in the official definitions. */
const OFFICIAL_PATHS: Record<string, string> = {
  AnyValue: 'common.v1.AnyValue',
  ArrayValue: 'common.v1.ArrayValue',
  KeyValue: 'common.v1.KeyValue',
  KeyValueList: 'common.v1.KeyValueList',
  InstrumentationScope: 'common.v1.InstrumentationScope',
  EntityRef: 'common.v1.EntityRef',
  Resource: 'resource.v1.Resource',
  ExportTraceServiceRequest: 'collector.trace.v1.ExportTraceServiceRequest',
  ResourceSpans: 'trace.v1.ResourceSpans',
  ScopeSpans: 'trace.v1.ScopeSpans',
  Span: 'trace.v1.Span',
  'Span.Event': 'trace.v1.Span.Event',
  'Span.Link': 'trace.v1.Span.Link',
  Status: 'trace.v1.Status',
  ExportMetricsServiceRequest: 'collector.metrics.v1.ExportMetricsServiceRequest',
  ResourceMetrics: 'metrics.v1.ResourceMetrics',
  ScopeMetrics: 'metrics.v1.ScopeMetrics',
  Metric: 'metrics.v1.Metric',
  Gauge: 'metrics.v1.Gauge',
  Sum: 'metrics.v1.Sum',
  Histogram: 'metrics.v1.Histogram',
  ExponentialHistogram: 'metrics.v1.ExponentialHistogram',
  Summary: 'metrics.v1.Summary',
  NumberDataPoint: 'metrics.v1.NumberDataPoint',
  HistogramDataPoint: 'metrics.v1.HistogramDataPoint',
  ExponentialHistogramDataPoint: 'metrics.v1.ExponentialHistogramDataPoint',
  'ExponentialHistogramDataPoint.Buckets': 'metrics.v1.ExponentialHistogramDataPoint.Buckets',
  SummaryDataPoint: 'metrics.v1.SummaryDataPoint',
  'SummaryDataPoint.ValueAtQuantile': 'metrics.v1.SummaryDataPoint.ValueAtQuantile',
  Exemplar: 'metrics.v1.Exemplar',
  ExportLogsServiceRequest: 'collector.logs.v1.ExportLogsServiceRequest',
  ResourceLogs: 'logs.v1.ResourceLogs',
  ScopeLogs: 'logs.v1.ScopeLogs',
  LogRecord: 'logs.v1.LogRecord',
};

/** Every message reachable from the three requests. */
function allSpecs(): MessageSpec[] {
  const seen = new Map<string, MessageSpec>();
  const visit = (m: MessageSpec) => {
    if (seen.has(m.name)) return;
    seen.set(m.name, m);
    for (const f of m.fields) if (f.type) visit(f.type());
  };
  for (const s of Object.values(schema.REQUEST_SPECS)) visit(s);
  return [...seen.values()];
}

/** A non-default sample per type: [official fromObject value, OTLP/JSON value, decoded value]. */
const SAMPLES: Record<Exclude<Kind, 'message'>, [unknown, unknown, unknown]> = {
  string: ['abc', 'abc', 'abc'],
  bytes: [Buffer.from([1, 2, 3]), 'AQID', Buffer.from([1, 2, 3])],
  traceId: [Buffer.from(TRACE_ID, 'hex'), TRACE_ID, TRACE_ID],
  spanId: [Buffer.from(SPAN_ID, 'hex'), SPAN_ID, SPAN_ID],
  bool: [true, true, true],
  int32: [-5, -5, -5],
  enum: [2, 2, 2],
  uint32: [4000000000, 4000000000, 4000000000],
  sint32: [-9, -9, -9],
  fixed32: [4000000001, 4000000001, 4000000001],
  int64: ['-123', '-123', -123],
  uint64: ['18446744073709551615', '18446744073709551615', '18446744073709551615'],
  fixed64: ['18446744073709551614', '18446744073709551614', '18446744073709551614'],
  sfixed64: ['-9223372036854775807', '-9223372036854775807', '-9223372036854775807'],
  double: [2.5, 2.5, 2.5],
};

function sample(f: FieldSpec): [unknown, unknown, unknown] {
  const one: [unknown, unknown, unknown] =
    f.kind === 'message' ? [{}, {}, f.type!().create()] : SAMPLES[f.kind];
  return f.repeated ? [[one[0], one[0]], [one[1], one[1]], [one[2], one[2]]] : one;
}

describe('the protobuf decoder against the official definitions', () => {
  const specs = allSpecs();

  it('covers every message of the three requests', () => {
    assert.deepEqual(specs.map((s) => s.name).sort(), Object.keys(OFFICIAL_PATHS).sort());
  });

  for (const spec of specs) {
    it(`${spec.name}: same fields as the official message, each decoded from the official encoding`, () => {
      const official = officialType(OFFICIAL_PATHS[spec.name]!);
      const officialFields = Object.keys(official.prototype).filter((k) => k !== 'toJSON');
      assert.deepEqual(
        spec.fields.map((f) => f.name).sort(),
        officialFields.sort(),
        `${spec.name} has the official fields`,
      );
      for (const f of spec.fields) {
        const [value, , decoded] = sample(f);
        const bytes = encodeOfficial(official, { [f.name]: value });
        assert.ok(bytes.length > 0, `${spec.name}.${f.name}: the official encoder wrote something`);
        const got = decodeProtobufMessage(spec, bytes);
        assert.deepStrictEqual(got, { ...spec.create(), [f.name]: decoded }, `${spec.name}.${f.name}`);
      }
    });

    it(`${spec.name}: each field decoded from OTLP/JSON, by its lowerCamelCase and its proto name`, () => {
      for (const f of spec.fields) {
        const [, json, decoded] = sample(f);
        for (const name of new Set([f.name, f.snake])) {
          const got = decodeJsonMessage(spec, JSON.stringify({ [name]: json }));
          assert.deepStrictEqual(got, { ...spec.create(), [f.name]: decoded }, `${spec.name}.${name}`);
        }
      }
    });
  }
});

describe('decodeProtobufRequest', () => {
  for (const signal of SIGNALS) {
    it(`decodes the rich ${signal} request exactly`, () => {
      const bytes = encodeRequest(signal, FIXTURES[signal].official);
      const expected = FIXTURES[signal].expected.map((e) => ({ ...e, protocol: 'grpc' }));
      assert.deepStrictEqual(flatten(signal, bytes), expected);
    });
  }

  it('accepts a Uint8Array as well as a Buffer', () => {
    const bytes = encodeRequest('logs', FIXTURES.logs.official);
    const copy = new Uint8Array(bytes.length + 3).subarray(3);
    copy.set(bytes);
    assert.deepStrictEqual(decodeProtobufRequest('logs', copy), decodeProtobufRequest('logs', bytes));
  });

  it('decodes an empty message as an empty request', () => {
    assert.deepStrictEqual(decodeProtobufRequest('traces', Buffer.alloc(0)), { resourceSpans: [] });
    assert.deepStrictEqual(decodeProtobufRequest('metrics', Buffer.alloc(0)), { resourceMetrics: [] });
    assert.deepStrictEqual(decodeProtobufRequest('logs', Buffer.alloc(0)), { resourceLogs: [] });
  });

  it('keeps 64-bit integers exact and numbers only while they are safe', () => {
    const cases: [string, number | string][] = [
      ['0', 0],
      ['9007199254740991', 9007199254740991],
      ['9007199254740992', '9007199254740992'],
      ['18446744073709551615', '18446744073709551615'],
    ];
    for (const [time, expected] of cases) {
      const bytes = encodeOfficial(officialType('trace.v1.Span'), { startTimeUnixNano: time });
      assert.deepStrictEqual(decodeProtobufMessage(schema.Span, bytes).startTimeUnixNano, expected, time);
    }
    const signed: [string, number | string][] = [
      ['-1', -1],
      ['-9007199254740991', -9007199254740991],
      ['-9007199254740992', '-9007199254740992'],
      ['-9223372036854775808', '-9223372036854775808'],
      ['9223372036854775807', '9223372036854775807'],
    ];
    for (const [v, expected] of signed) {
      const point = encodeOfficial(officialType('metrics.v1.NumberDataPoint'), { asInt: v });
      assert.deepStrictEqual(decodeProtobufMessage(schema.NumberDataPoint, point).asInt, expected, `sfixed64 ${v}`);
      const any = encodeOfficial(officialType('common.v1.AnyValue'), { intValue: v });
      assert.deepStrictEqual(decodeProtobufMessage(schema.AnyValue, any), { intValue: expected }, `int64 ${v}`);
    }
  });

  it('accepts repeated scalars unpacked as well as packed', () => {
    const w = protobuf.Writer.create();
    for (const n of [1, 2]) w.uint32((6 << 3) | 1).fixed64(n); // bucket_counts, unpacked
    w.uint32((6 << 3) | 2).fork().fixed64(3).ldelim(); // and one packed run
    for (const b of [0.5, 1.5]) w.uint32((7 << 3) | 1).double(b); // explicit_bounds, unpacked
    const point = decodeProtobufMessage(schema.HistogramDataPoint, w.finish());
    assert.deepStrictEqual(point.bucketCounts, [1, 2, 3]);
    assert.deepStrictEqual(point.explicitBounds, [0.5, 1.5]);

    const b = protobuf.Writer.create();
    b.uint32((2 << 3) | 0).uint64(7);
    b.uint32((2 << 3) | 0).uint64('18446744073709551615');
    assert.deepStrictEqual(decodeProtobufMessage(schema.Buckets, b.finish()), {
      offset: 0,
      bucketCounts: [7, '18446744073709551615'],
    });
  });

  it('skips unknown fields of every wire type', () => {
    const span = encodeOfficial(officialType('trace.v1.Span'), { name: 'x', kind: 3 });
    const w = protobuf.Writer.create();
    w.uint32((99 << 3) | 0).uint64('18446744073709551615');
    w.uint32((100 << 3) | 1).fixed64(5);
    w.uint32((101 << 3) | 2).bytes(Buffer.from('ignored'));
    w.uint32((102 << 3) | 5).fixed32(7);
    w.uint32((103 << 3) | 3).uint32((1 << 3) | 0).uint32(1).uint32((103 << 3) | 4); // a group
    const withUnknown = Buffer.concat([Buffer.from(w.finish()), span]);
    assert.deepStrictEqual(
      decodeProtobufMessage(schema.Span, withUnknown),
      decodeProtobufMessage(schema.Span, span),
    );
  });

  it('lets the last member of a oneof win', () => {
    const w = protobuf.Writer.create();
    w.uint32((1 << 3) | 2).string('first');
    w.uint32((3 << 3) | 0).int64(5);
    assert.deepStrictEqual(decodeProtobufMessage(schema.AnyValue, w.finish()), { intValue: 5 });
  });
});

/** A traces request holding one span whose own bytes are `span`. */
function requestWithSpan(span: Uint8Array): Buffer {
  const scopeSpans = protobuf.Writer.create().uint32((2 << 3) | 2).bytes(span).finish();
  const resourceSpans = protobuf.Writer.create().uint32((2 << 3) | 2).bytes(scopeSpans).finish();
  return Buffer.from(protobuf.Writer.create().uint32((1 << 3) | 2).bytes(resourceSpans).finish());
}

function decodeError(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DecodeError, `a DecodeError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a DecodeError');
}

/** Nested arrays of AnyValues, `levels` AnyValues deep, with the official encoder. */
function nestedOfficial(levels: number, kind: 'array' | 'kvlist'): object {
  let v: object = { stringValue: 'leaf' };
  for (let i = 1; i < levels; i++) {
    v = kind === 'array' ? { arrayValue: { values: [v] } } : { kvlistValue: { values: [{ key: `k${i}`, value: v }] } };
  }
  return v;
}

/** AnyValue { array_value { values { array_value { ... } } } }, `levels` deep, built without recursion. */
function nestedByHand(levels: number): Buffer {
  const varintLength = (n: number) => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5);
  // sizes[i]: size of the AnyValue at depth i (0 = outermost); the innermost is empty.
  const anySizes = new Array<number>(levels);
  const arraySizes = new Array<number>(levels);
  anySizes[levels - 1] = 0;
  for (let i = levels - 2; i >= 0; i--) {
    const inner = anySizes[i + 1]!;
    arraySizes[i] = 1 + varintLength(inner) + inner;
    anySizes[i] = 1 + varintLength(arraySizes[i]!) + arraySizes[i]!;
  }
  const w = protobuf.Writer.create();
  for (let i = 0; i < levels - 1; i++) {
    w.uint32((5 << 3) | 2).uint32(arraySizes[i]!); // AnyValue.array_value
    w.uint32((1 << 3) | 2).uint32(anySizes[i + 1]!); // ArrayValue.values
  }
  return Buffer.from(w.finish());
}

describe('malformed protobuf', () => {
  it('rejects a known field with the wrong wire type, naming the field and its place', () => {
    const span = protobuf.Writer.create().uint32((7 << 3) | 0).uint64(5).finish(); // start_time as a varint
    const e = decodeError(() => decodeProtobufRequest('traces', requestWithSpan(span)));
    assert.match(e.message, /^resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.startTimeUnixNano: /);
    assert.match(e.message, /wire type VARINT, expected I64/);
  });

  it('rejects ids of the wrong size', () => {
    const span = encodeOfficial(officialType('trace.v1.Span'), { traceId: Buffer.alloc(15, 1) });
    assert.match(
      decodeError(() => decodeProtobufRequest('traces', requestWithSpan(span))).message,
      /traceId: a trace id must be 16 bytes, got 15/,
    );
    const log = encodeOfficial(officialType('logs.v1.LogRecord'), { spanId: Buffer.alloc(16, 1) });
    assert.match(decodeError(() => decodeProtobufMessage(schema.LogRecord, log)).message, /spanId: a span id must be 8 bytes/);
  });

  it('rejects lengths past the end, truncated fields, invalid wire types and tags', () => {
    const cases: [string, Buffer, RegExp][] = [
      ['length past the end', Buffer.from([0x0a, 0x05, 0x0a]), /resourceSpans\[0\]: length 5 runs past the end/],
      ['truncated fixed64', requestWithSpan(Buffer.from([0x39, 1, 2, 3])), /spans\[0\]\.startTimeUnixNano: truncated/],
      ['truncated varint', requestWithSpan(Buffer.from([0x30, 0x80])), /kind: truncated varint/],
      ['varint of 11 bytes', requestWithSpan(Buffer.from([0x30, ...new Array(10).fill(0xff), 1])), /varint longer than 10 bytes/],
      ['wire type 6', Buffer.from([(9 << 3) | 6]), /invalid wire type 6/],
      ['wire type 7', Buffer.from([(9 << 3) | 7]), /invalid wire type 7/],
      ['lone end-group', Buffer.from([(9 << 3) | 4]), /end-group tag without a start-group/],
      ['field number 0', Buffer.from([0x00, 0x01]), /field number 0/],
      ['group never closed', Buffer.from([(9 << 3) | 3, 0x08, 0x01]), /^#9: truncated/],
    ];
    for (const [what, bytes, pattern] of cases) {
      assert.match(decodeError(() => decodeProtobufRequest('traces', bytes)).message, pattern, what);
    }
  });

  it('rejects a field that runs past the end of its enclosing message', () => {
    // A span of 3 bytes whose fixed64 field needs 9: the field runs into the next one.
    const scope = Buffer.from([0x12, 0x03, 0x39, 0x01, 0x02, 0x1a, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f]);
    const request = Buffer.from(protobuf.Writer.create().uint32(0x0a).bytes(
      protobuf.Writer.create().uint32(0x12).bytes(scope).finish(),
    ).finish());
    assert.match(
      decodeError(() => decodeProtobufRequest('traces', request)).message,
      /^resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]: last field runs 6 byte\(s\) past the end of the Span$/,
    );
  });

  it(`accepts AnyValues nested ${MAX_ANY_VALUE_DEPTH} deep and rejects deeper ones`, () => {
    for (const kind of ['array', 'kvlist'] as const) {
      const ok = encodeOfficial(officialType('logs.v1.LogRecord'), { body: nestedOfficial(MAX_ANY_VALUE_DEPTH, kind) });
      const record = decodeProtobufMessage(schema.LogRecord, ok);
      let body = record.body as Record<string, any>;
      for (let i = 1; i < MAX_ANY_VALUE_DEPTH; i++) {
        body = kind === 'array' ? body.arrayValue.values[0] : body.kvlistValue.values[0].value;
      }
      assert.deepStrictEqual(body, { stringValue: 'leaf' }, kind);

      const deep = encodeOfficial(officialType('logs.v1.LogRecord'), { body: nestedOfficial(MAX_ANY_VALUE_DEPTH + 1, kind) });
      assert.match(decodeError(() => decodeProtobufMessage(schema.LogRecord, deep)).message, /nested more than 64 levels/);
    }
  });

  it('rejects 100 000 levels of nesting without overflowing the stack', () => {
    const deep = nestedByHand(100_000);
    const e = decodeError(() => decodeProtobufMessage(schema.AnyValue, deep));
    assert.match(e.message, /nested more than 64 levels/);
  });

  it('never throws anything but a DecodeError on truncated requests', () => {
    for (const signal of SIGNALS) {
      const bytes = encodeRequest(signal, FIXTURES[signal].official);
      let rejected = 0;
      for (let n = 0; n < bytes.length; n++) {
        try {
          flatten(signal, bytes.subarray(0, n));
        } catch (e) {
          assert.ok(e instanceof DecodeError, `${signal} cut at ${n}: ${String(e)}`);
          rejected++;
        }
      }
      // Only cuts between two top-level ResourceX messages can be valid.
      assert.ok(rejected >= bytes.length - 3, `${signal}: ${rejected} of ${bytes.length} truncations rejected`);
    }
  });

  it('never throws anything but a DecodeError on corrupted or random bytes', () => {
    let seed = 42;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    let decoded = 0;
    let rejected = 0;
    const attempt = (signal: Signal, bytes: Buffer) => {
      try {
        flatten(signal, bytes);
        decoded++;
      } catch (e) {
        assert.ok(e instanceof DecodeError, `${signal} ${bytes.toString('hex')}: ${String(e)}`);
        rejected++;
      }
    };
    for (const signal of SIGNALS) {
      const original = encodeRequest(signal, FIXTURES[signal].official);
      for (let i = 0; i < 1500; i++) {
        const bytes = Buffer.from(original);
        const flips = 1 + Math.floor(random() * 4);
        for (let k = 0; k < flips; k++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
        attempt(signal, bytes);
      }
      for (let i = 0; i < 1500; i++) {
        const bytes = Buffer.alloc(Math.floor(random() * 64));
        for (let k = 0; k < bytes.length; k++) bytes[k] = Math.floor(random() * 256);
        attempt(signal, bytes);
      }
    }
    assert.ok(decoded > 0 && rejected > 0, `some decoded (${decoded}), some rejected (${rejected})`);
  });
});
