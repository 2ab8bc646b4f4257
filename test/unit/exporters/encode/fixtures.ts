/**
 * Hand-made spans (plain objects satisfying ReadableSpan) and what the official OTLP definitions
 * must decode from them, plus access to those definitions: otlp-proto-definitions, a protobufjs
 * static module generated from the opentelemetry-proto files (a dev dependency, with its own
 * protobufjs).
 */
import {
  type InstrumentationScope,
  type ReadableSpan,
  type Resource,
  SpanKind,
  StatusCode,
  type TraceState,
} from '../../../../src/trace/types';

// ---------------------------------------------------------------------------------------------
// The official definitions

export interface StaticMessage {
  encode(message: unknown): { finish(): Uint8Array };
  decode(bytes: Uint8Array): unknown;
  fromObject(object: unknown): unknown;
  toObject(message: unknown, options?: Record<string, unknown>): Record<string, unknown>;
}

interface OtlpRoot {
  opentelemetry: {
    proto: {
      collector: {
        trace: { v1: { ExportTraceServiceRequest: StaticMessage; ExportTraceServiceResponse: StaticMessage } };
        logs: { v1: { ExportLogsServiceResponse: StaticMessage } };
        metrics: { v1: { ExportMetricsServiceResponse: StaticMessage } };
      };
      common: { v1: { AnyValue: StaticMessage; KeyValue: StaticMessage; InstrumentationScope: StaticMessage } };
      resource: { v1: { Resource: StaticMessage } };
    };
  };
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const otlp = (require('otlp-proto-definitions/build/src/generated/root') as OtlpRoot).opentelemetry.proto;
export const ExportTraceServiceRequest = otlp.collector.trace.v1.ExportTraceServiceRequest;

/** toObject options that make the comparison exact: 64-bit integers as decimal strings, bytes as base64. */
export const EXACT = { longs: String, bytes: String } as const;

const ID_KEYS = new Set(['traceId', 'spanId', 'parentSpanId']);

/** A copy of a toObject result with the base64 ids as hex. */
export function hexIds<T>(value: T): T {
  if (Array.isArray(value)) return value.map(hexIds) as T;
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = ID_KEYS.has(k) && typeof v === 'string' ? Buffer.from(v, 'base64').toString('hex') : hexIds(v);
  }
  return out as T;
}

/** Our bytes decoded by the official definitions, as a plain object with hex ids. */
export function decodeTraceRequest(bytes: Uint8Array, options: Record<string, unknown> = EXACT): Record<string, unknown> {
  return hexIds(ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(bytes), options));
}

// ---------------------------------------------------------------------------------------------
// Spans

export function traceState(serialized: string): TraceState {
  const ts: TraceState = {
    serialize: () => serialized,
    get: () => undefined,
    set: () => ts,
    unset: () => ts,
  };
  return ts;
}

export const resourceA: Resource = {
  attributes: {
    'service.name': 'checkout',
    'service.version': '1.4.2',
    'process.pid': 4242,
    'telemetry.sdk.language': 'nodejs',
  },
  schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
};
export const resourceB: Resource = { attributes: { 'service.name': 'wörker ✓', 'host.arch': 'arm64' } };

export const scopeHttp: InstrumentationScope = {
  name: '@opentelemetry/instrumentation-http',
  version: '0.203.0',
  schemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
};
export const scopePg: InstrumentationScope = { name: 'pg' };
export const scopeJobs: InstrumentationScope = { name: 'jobs', version: '2.0.0' };

export const TRACE_1 = '0af7651916cd43dd8448eb211c80319c';
export const TRACE_2 = '4bf92f3577b34da6a3ce929d0e0e4736';
export const TRACE_3 = 'ffffffffffffffffffffffffffffffff';
export const SPAN_1 = 'b7ad6b7169203331';
export const SPAN_2 = '00f067aa0ba902b7';
export const SPAN_3 = '0000000000000001';
export const SPAN_4 = 'a3ce929d0e0e4736';
export const SPAN_5 = 'fedcba9876543210';
export const REMOTE_PARENT = '53995c3f42cd8ad8';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A span with defaults for everything not given. */
export function span(fields: Partial<Mutable<ReadableSpan>> & { traceId?: string; spanId?: string; traceFlags?: number; traceState?: TraceState }): ReadableSpan {
  const { traceId = TRACE_1, spanId = SPAN_1, traceFlags = 1, traceState: ts, ...rest } = fields;
  const ctx = { traceId, spanId, traceFlags, ...(ts ? { traceState: ts } : {}) };
  return {
    name: 'span',
    kind: SpanKind.INTERNAL,
    spanContext: () => ctx,
    parentSpanId: undefined,
    parentIsRemote: undefined,
    startTime: [1700000000, 0],
    endTime: [1700000001, 0],
    status: { code: StatusCode.UNSET },
    attributes: {},
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    resource: resourceA,
    instrumentationScope: scopeHttp,
    ...rest,
  };
}

/** A server span continuing a remote trace, with every kind of attribute value, events and links. */
export const serverSpan = span({
  traceId: TRACE_1,
  spanId: SPAN_1,
  traceFlags: 1,
  traceState: traceState('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7'),
  name: 'GET /api/users/:id',
  kind: SpanKind.SERVER,
  parentSpanId: REMOTE_PARENT,
  parentIsRemote: true,
  startTime: [1700000000, 123456789],
  endTime: [1700000000, 987654321],
  attributes: {
    'http.request.method': 'GET',
    'http.response.status_code': 200,
    'empty.string': '',
    'unicode.string': '日本語 ✓ é — 😀',
    'zero': 0,
    'negative.int': -42,
    'max.safe.int': 9007199254740991,
    'min.safe.int': -9007199254740991,
    'double': 0.25,
    'negative.double': -1.5e-7,
    'nan': NaN,
    'infinity': Infinity,
    'negative.infinity': -Infinity,
    'beyond.safe': 9007199254740992,
    'true': true,
    'false': false,
    'strings': ['a', null, '', 'ü'],
    'numbers': [1, undefined, 2.5, -3],
    'booleans': [true, false, null],
    'empty.array': [],
  },
  droppedAttributesCount: 2,
  events: [
    { name: 'request.received', time: [1700000000, 200000000], attributes: { 'http.request.body.size': 512 }, droppedAttributesCount: 0 },
    {
      name: 'exception',
      time: [1700000000, 900000001],
      attributes: { 'exception.type': 'Error', 'exception.message': 'boom\n"quoted" \\ \u0001' },
      droppedAttributesCount: 1,
    },
  ],
  droppedEventsCount: 3,
  links: [
    {
      context: { traceId: TRACE_2, spanId: SPAN_4, traceFlags: 1, isRemote: true, traceState: traceState('vendor=value') },
      attributes: { 'link.kind': 'follows' },
      droppedAttributesCount: 1,
    },
    { context: { traceId: TRACE_3, spanId: SPAN_5, traceFlags: 0 }, attributes: {}, droppedAttributesCount: 0 },
  ],
  droppedLinksCount: 4,
  status: { code: StatusCode.ERROR, message: 'Internal Server Error' },
  resource: resourceA,
  instrumentationScope: scopeHttp,
});

/** A client span under a local parent, status OK, in another scope of the same resource. */
export const clientSpan = span({
  traceId: TRACE_1,
  spanId: SPAN_2,
  traceFlags: 1,
  name: 'SELECT users',
  kind: SpanKind.CLIENT,
  parentSpanId: SPAN_1,
  parentIsRemote: false,
  startTime: [1700000000, 300000000],
  endTime: [1700000000, 310000000],
  attributes: { 'db.system': 'postgresql', 'db.statement': 'SELECT * FROM users WHERE id = $1' },
  status: { code: StatusCode.OK },
  resource: resourceA,
  instrumentationScope: scopePg,
});

/** A root span of another resource: no parent, unsampled, no name, the largest fixed64 times. */
export const rootSpan = span({
  traceId: TRACE_3,
  spanId: SPAN_3,
  traceFlags: 0,
  name: '',
  kind: SpanKind.INTERNAL,
  parentSpanId: undefined,
  parentIsRemote: undefined,
  startTime: [18446744073, 709551614],
  endTime: [18446744073, 709551615],
  events: [{ name: '', time: [0, 0], attributes: {}, droppedAttributesCount: 0 }],
  resource: resourceB,
  instrumentationScope: scopeJobs,
});

/** Back in resource A and the HTTP scope, after spans of other groups. */
export const producerSpan = span({
  traceId: TRACE_2,
  spanId: SPAN_5,
  traceFlags: 1,
  name: 'orders publish',
  kind: SpanKind.PRODUCER,
  parentSpanId: SPAN_4,
  parentIsRemote: false,
  startTime: [1, 0],
  endTime: [4294967296, 1],
  attributes: { 'messaging.system': 'kafka' },
  status: { code: StatusCode.UNSET, message: 'ignored by receivers, but a field' },
  resource: resourceA,
  instrumentationScope: scopeHttp,
});

export const consumerSpan = span({
  traceId: TRACE_3,
  spanId: SPAN_4,
  traceFlags: 0xff,
  name: 'orders process',
  kind: SpanKind.CONSUMER,
  parentSpanId: SPAN_3,
  parentIsRemote: true,
  startTime: [1700000002, 999999999],
  endTime: [1700000003, 0],
  resource: resourceB,
  instrumentationScope: scopeJobs,
});

export const batch: readonly ReadableSpan[] = [serverSpan, clientSpan, rootSpan, producerSpan, consumerSpan];

// ---------------------------------------------------------------------------------------------
// What the official decoder must find (toObject with EXACT, ids in hex)

const str = (stringValue: string) => ({ stringValue });
const int = (intValue: string) => ({ intValue });
const dbl = (doubleValue: number) => ({ doubleValue });
const kv = (key: string, value: unknown) => ({ key, value });

export const expectedServerSpan = {
  traceId: TRACE_1,
  spanId: SPAN_1,
  traceState: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
  parentSpanId: REMOTE_PARENT,
  name: 'GET /api/users/:id',
  kind: 2,
  startTimeUnixNano: '1700000000123456789',
  endTimeUnixNano: '1700000000987654321',
  attributes: [
    kv('http.request.method', str('GET')),
    kv('http.response.status_code', int('200')),
    kv('empty.string', str('')),
    kv('unicode.string', str('日本語 ✓ é — 😀')),
    kv('zero', int('0')),
    kv('negative.int', int('-42')),
    kv('max.safe.int', int('9007199254740991')),
    kv('min.safe.int', int('-9007199254740991')),
    kv('double', dbl(0.25)),
    kv('negative.double', dbl(-1.5e-7)),
    kv('nan', dbl(NaN)),
    kv('infinity', dbl(Infinity)),
    kv('negative.infinity', dbl(-Infinity)),
    kv('beyond.safe', dbl(9007199254740992)),
    kv('true', { boolValue: true }),
    kv('false', { boolValue: false }),
    kv('strings', { arrayValue: { values: [str('a'), {}, str(''), str('ü')] } }),
    kv('numbers', { arrayValue: { values: [int('1'), {}, dbl(2.5), int('-3')] } }),
    kv('booleans', { arrayValue: { values: [{ boolValue: true }, { boolValue: false }, {}] } }),
    kv('empty.array', { arrayValue: {} }),
  ],
  droppedAttributesCount: 2,
  events: [
    { timeUnixNano: '1700000000200000000', name: 'request.received', attributes: [kv('http.request.body.size', int('512'))] },
    {
      timeUnixNano: '1700000000900000001',
      name: 'exception',
      attributes: [kv('exception.type', str('Error')), kv('exception.message', str('boom\n"quoted" \\ \u0001'))],
      droppedAttributesCount: 1,
    },
  ],
  droppedEventsCount: 3,
  links: [
    {
      traceId: TRACE_2,
      spanId: SPAN_4,
      traceState: 'vendor=value',
      attributes: [kv('link.kind', str('follows'))],
      droppedAttributesCount: 1,
      flags: 0x301,
    },
    { traceId: TRACE_3, spanId: SPAN_5 },
  ],
  droppedLinksCount: 4,
  status: { message: 'Internal Server Error', code: 2 },
  flags: 0x301,
};

export const expectedClientSpan = {
  traceId: TRACE_1,
  spanId: SPAN_2,
  parentSpanId: SPAN_1,
  name: 'SELECT users',
  kind: 3,
  startTimeUnixNano: '1700000000300000000',
  endTimeUnixNano: '1700000000310000000',
  attributes: [kv('db.system', str('postgresql')), kv('db.statement', str('SELECT * FROM users WHERE id = $1'))],
  status: { code: 1 },
  flags: 0x101,
};

export const expectedRootSpan = {
  traceId: TRACE_3,
  spanId: SPAN_3,
  kind: 1,
  startTimeUnixNano: '18446744073709551614',
  endTimeUnixNano: '18446744073709551615',
  events: [{}],
};

export const expectedProducerSpan = {
  traceId: TRACE_2,
  spanId: SPAN_5,
  parentSpanId: SPAN_4,
  name: 'orders publish',
  kind: 4,
  startTimeUnixNano: '1000000000',
  endTimeUnixNano: '4294967296000000001',
  attributes: [kv('messaging.system', str('kafka'))],
  status: { message: 'ignored by receivers, but a field' },
  flags: 0x101,
};

export const expectedConsumerSpan = {
  traceId: TRACE_3,
  spanId: SPAN_4,
  parentSpanId: SPAN_3,
  name: 'orders process',
  kind: 5,
  startTimeUnixNano: '1700000002999999999',
  endTimeUnixNano: '1700000003000000000',
  flags: 0x3ff,
};

export const expectedBatch = {
  resourceSpans: [
    {
      resource: {
        attributes: [
          kv('service.name', str('checkout')),
          kv('service.version', str('1.4.2')),
          kv('process.pid', int('4242')),
          kv('telemetry.sdk.language', str('nodejs')),
        ],
      },
      scopeSpans: [
        {
          scope: { name: '@opentelemetry/instrumentation-http', version: '0.203.0' },
          spans: [expectedServerSpan, expectedProducerSpan],
          schemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
        },
        { scope: { name: 'pg' }, spans: [expectedClientSpan] },
      ],
      schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
    },
    {
      resource: { attributes: [kv('service.name', str('wörker ✓')), kv('host.arch', str('arm64'))] },
      scopeSpans: [{ scope: { name: 'jobs', version: '2.0.0' }, spans: [expectedRootSpan, expectedConsumerSpan] }],
    },
  ],
};

/**
 * The OTLP/JSON form of an expectation written for the protobuf decoder: the same members, except
 * that non-finite doubles are strings in JSON.
 */
export function asJson<T>(value: T): T {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return (Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity') as T;
  }
  if (Array.isArray(value)) return value.map(asJson) as T;
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asJson(v)])) as T;
}
