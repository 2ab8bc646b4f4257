/**
 * Requests encoded with the OFFICIAL OTLP definitions: the protobufjs static module generated
 * from the opentelemetry-proto files (dev dependency `otlp-proto-definitions`), so that the
 * project's decoders are checked against definitions the project did not write.
 *
 * Also rich sample requests of each signal, in three forms that describe the same data:
 * - `official`: the object for the official `fromObject` (ids as Buffers, int64 as strings);
 * - `json`: the OTLP/JSON request written by hand by the specification (hex ids, int64 strings);
 * - `expected`: the received items the receiver must produce (without `protocol`).
 */
import type { Signal } from '../../src/receiver';

/** What the tests use of a generated message class. */
export interface OfficialType {
  fromObject(object: object): unknown;
  encode(message: unknown): { finish(): Uint8Array };
  decode(bytes: Uint8Array): unknown;
  verify(object: object): string | null;
  prototype: object;
}

export const officialRoot: any = require('otlp-proto-definitions/build/src/generated/root.js');

const proto = officialRoot.opentelemetry.proto;

/** A generated class by its path under opentelemetry.proto, e.g. 'trace.v1.Span.Event'. */
export function officialType(path: string): OfficialType {
  const t = path.split('.').reduce((o: any, k) => o?.[k], proto);
  if (!t || typeof t.encode !== 'function') throw new Error(`no official type ${path}`);
  return t as OfficialType;
}

export const REQUEST_TYPES: Record<Signal, OfficialType> = {
  traces: proto.collector.trace.v1.ExportTraceServiceRequest,
  metrics: proto.collector.metrics.v1.ExportMetricsServiceRequest,
  logs: proto.collector.logs.v1.ExportLogsServiceRequest,
};

/**
 * Encodes with the official definitions; throws if the object does not verify (except for enum
 * values the definitions do not name: proto3 enums are open, the samples use some on purpose).
 */
export function encodeOfficial(type: OfficialType, object: object): Buffer {
  const message = type.fromObject(object);
  const problem = type.verify(message as object);
  if (problem && !/enum value expected/.test(problem)) {
    throw new Error(`fixture does not verify against the official definitions: ${problem}`);
  }
  return Buffer.from(type.encode(message).finish());
}

export const encodeRequest = (signal: Signal, object: object): Buffer => encodeOfficial(REQUEST_TYPES[signal], object);

// ---------------------------------------------------------------------------------------------

export const TRACE_ID = '5b8efff798038103d269b633813fc60c';
export const SPAN_ID = 'eee19b7ec3c1b174';
export const PARENT_ID = 'eee19b7ec3c1b173';
export const LINK_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
export const LINK_SPAN_ID = 'b7ad6b7169203331';
export const OTHER_TRACE_ID = 'ffffffffffffffffffffffffffffffff';
export const OTHER_SPAN_ID = '0000000000000001';

const hex = (h: string) => Buffer.from(h, 'hex');
const s = (v: string) => ({ stringValue: v });

/** Every kind of AnyValue, edge values included. */
const RICH_ATTRIBUTES_OFFICIAL = [
  { key: 'str', value: s('héllo ✓') },
  { key: 'bool', value: { boolValue: false } },
  { key: 'int', value: { intValue: 42 } },
  { key: 'zero', value: { intValue: 0 } },
  { key: 'neg', value: { intValue: -7 } },
  { key: 'max', value: { intValue: '9223372036854775807' } },
  { key: 'min', value: { intValue: '-9223372036854775808' } },
  { key: 'safe', value: { intValue: '9007199254740991' } },
  { key: 'unsafe', value: { intValue: '9007199254740992' } },
  { key: 'negUnsafe', value: { intValue: '-9007199254740992' } },
  { key: 'double', value: { doubleValue: 3.25 } },
  { key: 'intLikeDouble', value: { doubleValue: 2 } },
  { key: 'nan', value: { doubleValue: NaN } },
  { key: 'inf', value: { doubleValue: -Infinity } },
  { key: 'bytes', value: { bytesValue: Buffer.from([0, 1, 254, 255]) } },
  {
    key: 'array',
    value: {
      arrayValue: {
        values: [
          s('a'),
          { intValue: 1 },
          { arrayValue: { values: [{ boolValue: true }] } },
          { kvlistValue: { values: [{ key: 'k', value: s('v') }] } },
          {},
        ],
      },
    },
  },
  {
    key: 'kvlist',
    value: {
      kvlistValue: {
        values: [
          { key: 'a', value: { doubleValue: 0.5 } },
          { key: 'nested', value: { kvlistValue: { values: [{ key: 'deep', value: s('yes') }] } } },
        ],
      },
    },
  },
  { key: 'empty', value: {} },
  { key: 'noValue' },
  { key: 'dup', value: s('first') },
  { key: 'dup', value: s('second') },
  { key: '__proto__', value: s('own') },
];

const RICH_ATTRIBUTES_JSON = [
  { key: 'str', value: { stringValue: 'héllo ✓' } },
  { key: 'bool', value: { boolValue: false } },
  { key: 'int', value: { intValue: '42' } },
  { key: 'zero', value: { intValue: '0' } },
  { key: 'neg', value: { intValue: '-7' } },
  { key: 'max', value: { intValue: '9223372036854775807' } },
  { key: 'min', value: { intValue: '-9223372036854775808' } },
  { key: 'safe', value: { intValue: '9007199254740991' } },
  { key: 'unsafe', value: { intValue: '9007199254740992' } },
  { key: 'negUnsafe', value: { intValue: '-9007199254740992' } },
  { key: 'double', value: { doubleValue: 3.25 } },
  { key: 'intLikeDouble', value: { doubleValue: 2 } },
  { key: 'nan', value: { doubleValue: 'NaN' } },
  { key: 'inf', value: { doubleValue: '-Infinity' } },
  { key: 'bytes', value: { bytesValue: 'AAH+/w==' } },
  {
    key: 'array',
    value: {
      arrayValue: {
        values: [
          { stringValue: 'a' },
          { intValue: '1' },
          { arrayValue: { values: [{ boolValue: true }] } },
          { kvlistValue: { values: [{ key: 'k', value: { stringValue: 'v' } }] } },
          {},
        ],
      },
    },
  },
  {
    key: 'kvlist',
    value: {
      kvlistValue: {
        values: [
          { key: 'a', value: { doubleValue: 0.5 } },
          { key: 'nested', value: { kvlistValue: { values: [{ key: 'deep', value: { stringValue: 'yes' } }] } } },
        ],
      },
    },
  },
  { key: 'empty', value: {} },
  { key: 'noValue' },
  { key: 'dup', value: { stringValue: 'first' } },
  { key: 'dup', value: { stringValue: 'second' } },
  { key: '__proto__', value: { stringValue: 'own' } },
];

const RICH_ATTRIBUTES_EXPECTED = {
  str: 'héllo ✓',
  bool: false,
  int: 42,
  zero: 0,
  neg: -7,
  max: '9223372036854775807',
  min: '-9223372036854775808',
  safe: 9007199254740991,
  unsafe: '9007199254740992',
  negUnsafe: '-9007199254740992',
  double: 3.25,
  intLikeDouble: 2,
  nan: NaN,
  inf: -Infinity,
  bytes: Buffer.from([0, 1, 254, 255]),
  array: ['a', 1, [true], { k: 'v' }, null],
  kvlist: { a: 0.5, nested: { deep: 'yes' } },
  empty: null,
  noValue: null,
  dup: 'second',
  ['__proto__']: 'own',
};

const EMPTY_RESOURCE = { attributes: {}, droppedAttributesCount: 0, entityRefs: [], schemaUrl: '' };
const EMPTY_SCOPE = { name: '', version: '', attributes: {}, droppedAttributesCount: 0, schemaUrl: '' };

// --- traces ----------------------------------------------------------------------------------

const TRACES_OFFICIAL = {
  resourceSpans: [
    {
      resource: {
        attributes: [
          { key: 'service.name', value: s('checkout') },
          { key: 'host.cpus', value: { intValue: 8 } },
        ],
        droppedAttributesCount: 1,
        entityRefs: [
          {
            schemaUrl: 'https://example.com/entity',
            type: 'service',
            idKeys: ['service.name', 'service.namespace'],
            descriptionKeys: ['service.version'],
          },
        ],
      },
      schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
      scopeSpans: [
        {
          scope: {
            name: '@ts-otel-run/http',
            version: '1.2.3',
            attributes: [{ key: 'scope.attr', value: { boolValue: true } }],
            droppedAttributesCount: 2,
          },
          schemaUrl: 'https://opentelemetry.io/schemas/1.25.0',
          spans: [
            {
              traceId: hex(TRACE_ID),
              spanId: hex(SPAN_ID),
              traceState: 'vendor=value,other=1',
              parentSpanId: hex(PARENT_ID),
              flags: 0x301,
              name: 'GET /users/:id',
              kind: 2,
              startTimeUnixNano: '1700000000123456789',
              endTimeUnixNano: '1700000000987654321',
              attributes: RICH_ATTRIBUTES_OFFICIAL,
              droppedAttributesCount: 3,
              events: [
                {
                  timeUnixNano: '1700000000500000000',
                  name: 'exception',
                  attributes: [{ key: 'exception.message', value: s('boom') }],
                  droppedAttributesCount: 4,
                },
                { name: 'bare' },
              ],
              droppedEventsCount: 5,
              links: [
                {
                  traceId: hex(LINK_TRACE_ID),
                  spanId: hex(LINK_SPAN_ID),
                  traceState: 'a=b',
                  attributes: [{ key: 'link.kind', value: s('follows') }],
                  droppedAttributesCount: 6,
                  flags: 0x100,
                },
              ],
              droppedLinksCount: 7,
              status: { code: 2, message: 'something failed' },
            },
            {
              traceId: hex(TRACE_ID),
              spanId: hex(PARENT_ID),
              name: 'root',
              kind: 1,
              startTimeUnixNano: 1000,
              endTimeUnixNano: 2000,
              status: { code: 1 },
            },
          ],
        },
        {
          scope: { name: 'bare-scope' },
          spans: [{ traceId: hex(OTHER_TRACE_ID), spanId: hex(OTHER_SPAN_ID), name: 'odd kind', kind: 9 }],
        },
      ],
    },
    { scopeSpans: [{ spans: [{ name: 'defaults' }] }] },
  ],
};

const TRACES_JSON = {
  resourceSpans: [
    {
      resource: {
        attributes: [
          { key: 'service.name', value: { stringValue: 'checkout' } },
          { key: 'host.cpus', value: { intValue: '8' } },
        ],
        droppedAttributesCount: 1,
        entityRefs: [
          {
            schemaUrl: 'https://example.com/entity',
            type: 'service',
            idKeys: ['service.name', 'service.namespace'],
            descriptionKeys: ['service.version'],
          },
        ],
      },
      schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
      scopeSpans: [
        {
          scope: {
            name: '@ts-otel-run/http',
            version: '1.2.3',
            attributes: [{ key: 'scope.attr', value: { boolValue: true } }],
            droppedAttributesCount: 2,
          },
          schemaUrl: 'https://opentelemetry.io/schemas/1.25.0',
          spans: [
            {
              traceId: TRACE_ID,
              spanId: SPAN_ID,
              traceState: 'vendor=value,other=1',
              parentSpanId: PARENT_ID,
              flags: 769,
              name: 'GET /users/:id',
              kind: 2,
              startTimeUnixNano: '1700000000123456789',
              endTimeUnixNano: '1700000000987654321',
              attributes: RICH_ATTRIBUTES_JSON,
              droppedAttributesCount: 3,
              events: [
                {
                  timeUnixNano: '1700000000500000000',
                  name: 'exception',
                  attributes: [{ key: 'exception.message', value: { stringValue: 'boom' } }],
                  droppedAttributesCount: 4,
                },
                { name: 'bare' },
              ],
              droppedEventsCount: 5,
              links: [
                {
                  traceId: LINK_TRACE_ID,
                  // ids are case-insensitive hex
                  spanId: LINK_SPAN_ID.toUpperCase(),
                  traceState: 'a=b',
                  attributes: [{ key: 'link.kind', value: { stringValue: 'follows' } }],
                  droppedAttributesCount: 6,
                  flags: 256,
                },
              ],
              droppedLinksCount: 7,
              status: { code: 2, message: 'something failed' },
            },
            {
              traceId: TRACE_ID,
              spanId: PARENT_ID,
              name: 'root',
              kind: 1,
              startTimeUnixNano: '1000',
              endTimeUnixNano: '2000',
              status: { code: 1 },
            },
          ],
        },
        {
          scope: { name: 'bare-scope' },
          spans: [{ traceId: OTHER_TRACE_ID, spanId: OTHER_SPAN_ID, name: 'odd kind', kind: 9 }],
        },
      ],
    },
    { scopeSpans: [{ spans: [{ name: 'defaults' }] }] },
  ],
};

const TRACES_RESOURCE = {
  attributes: { 'service.name': 'checkout', 'host.cpus': 8 },
  droppedAttributesCount: 1,
  entityRefs: [
    {
      schemaUrl: 'https://example.com/entity',
      type: 'service',
      idKeys: ['service.name', 'service.namespace'],
      descriptionKeys: ['service.version'],
    },
  ],
  schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
};

const SPAN_DEFAULTS = {
  traceId: '',
  spanId: '',
  parentSpanId: '',
  traceState: '',
  flags: 0,
  name: '',
  kind: 0,
  kindName: 'UNSPECIFIED',
  startTimeUnixNano: 0,
  endTimeUnixNano: 0,
  attributes: {},
  droppedAttributesCount: 0,
  events: [],
  droppedEventsCount: 0,
  links: [],
  droppedLinksCount: 0,
  status: { code: 0, codeName: 'UNSET', message: '' },
};

const TRACES_EXPECTED = [
  {
    traceId: TRACE_ID,
    spanId: SPAN_ID,
    parentSpanId: PARENT_ID,
    traceState: 'vendor=value,other=1',
    flags: 0x301,
    name: 'GET /users/:id',
    kind: 2,
    kindName: 'SERVER',
    startTimeUnixNano: '1700000000123456789',
    endTimeUnixNano: '1700000000987654321',
    attributes: RICH_ATTRIBUTES_EXPECTED,
    droppedAttributesCount: 3,
    events: [
      {
        timeUnixNano: '1700000000500000000',
        name: 'exception',
        attributes: { 'exception.message': 'boom' },
        droppedAttributesCount: 4,
      },
      { timeUnixNano: 0, name: 'bare', attributes: {}, droppedAttributesCount: 0 },
    ],
    droppedEventsCount: 5,
    links: [
      {
        traceId: LINK_TRACE_ID,
        spanId: LINK_SPAN_ID,
        traceState: 'a=b',
        attributes: { 'link.kind': 'follows' },
        droppedAttributesCount: 6,
        flags: 256,
      },
    ],
    droppedLinksCount: 7,
    status: { code: 2, codeName: 'ERROR', message: 'something failed' },
    resource: TRACES_RESOURCE,
    scope: {
      name: '@ts-otel-run/http',
      version: '1.2.3',
      attributes: { 'scope.attr': true },
      droppedAttributesCount: 2,
      schemaUrl: 'https://opentelemetry.io/schemas/1.25.0',
    },
  },
  {
    ...SPAN_DEFAULTS,
    traceId: TRACE_ID,
    spanId: PARENT_ID,
    name: 'root',
    kind: 1,
    kindName: 'INTERNAL',
    startTimeUnixNano: 1000,
    endTimeUnixNano: 2000,
    status: { code: 1, codeName: 'OK', message: '' },
    resource: TRACES_RESOURCE,
    scope: {
      name: '@ts-otel-run/http',
      version: '1.2.3',
      attributes: { 'scope.attr': true },
      droppedAttributesCount: 2,
      schemaUrl: 'https://opentelemetry.io/schemas/1.25.0',
    },
  },
  {
    ...SPAN_DEFAULTS,
    traceId: OTHER_TRACE_ID,
    spanId: OTHER_SPAN_ID,
    name: 'odd kind',
    kind: 9,
    kindName: 'UNKNOWN',
    resource: TRACES_RESOURCE,
    scope: { ...EMPTY_SCOPE, name: 'bare-scope' },
  },
  { ...SPAN_DEFAULTS, name: 'defaults', resource: EMPTY_RESOURCE, scope: EMPTY_SCOPE },
];

// --- metrics ---------------------------------------------------------------------------------

const METRICS_OFFICIAL = {
  resourceMetrics: [
    {
      resource: { attributes: [{ key: 'service.name', value: s('metrics-svc') }] },
      schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
      scopeMetrics: [
        {
          scope: { name: 'meter', version: '0.1.0' },
          schemaUrl: 'https://example.com/scope-schema',
          metrics: [
            {
              name: 'queue.depth',
              description: 'items waiting',
              unit: '{item}',
              metadata: [{ key: 'meta', value: s('m') }],
              gauge: {
                dataPoints: [
                  {
                    attributes: [{ key: 'queue', value: s('a') }],
                    startTimeUnixNano: '1700000000000000000',
                    timeUnixNano: '1700000001000000000',
                    asDouble: 1.5,
                    flags: 1,
                    exemplars: [
                      {
                        filteredAttributes: [{ key: 'user', value: s('u1') }],
                        timeUnixNano: '1700000000500000000',
                        asInt: '-3',
                        spanId: hex(SPAN_ID),
                        traceId: hex(TRACE_ID),
                      },
                    ],
                  },
                  { timeUnixNano: 5, asInt: '-9223372036854775808' },
                  { timeUnixNano: 6 },
                ],
              },
            },
            {
              name: 'http.requests',
              unit: '1',
              sum: {
                aggregationTemporality: 2,
                isMonotonic: true,
                dataPoints: [
                  { asInt: '9007199254740993', startTimeUnixNano: 1, timeUnixNano: 2, exemplars: [{ asDouble: 0.25 }] },
                ],
              },
            },
            {
              name: 'http.duration',
              unit: 'ms',
              histogram: {
                aggregationTemporality: 1,
                dataPoints: [
                  {
                    attributes: [{ key: 'route', value: s('/a') }],
                    startTimeUnixNano: 10,
                    timeUnixNano: 20,
                    count: '10',
                    sum: 55.5,
                    bucketCounts: ['1', '2', '3', '4'],
                    explicitBounds: [0, 5, 10],
                    min: 0.5,
                    max: 20,
                    flags: 0,
                    exemplars: [{ asDouble: 7.5, timeUnixNano: 15, traceId: hex(TRACE_ID), spanId: hex(SPAN_ID) }],
                  },
                  { count: 0, sum: 0 },
                ],
              },
            },
            {
              name: 'latency.exp',
              exponentialHistogram: {
                aggregationTemporality: 2,
                dataPoints: [
                  {
                    startTimeUnixNano: 1,
                    timeUnixNano: 2,
                    count: '21',
                    sum: 100.25,
                    scale: -2,
                    zeroCount: '1',
                    positive: { offset: -3, bucketCounts: ['1', '0', '18446744073709551615'] },
                    negative: { offset: 2, bucketCounts: [] },
                    flags: 1,
                    min: -1,
                    max: 50,
                    zeroThreshold: 0.001,
                  },
                ],
              },
            },
            {
              name: 'rpc.summary',
              summary: {
                dataPoints: [
                  {
                    attributes: [{ key: 'rpc', value: s('get') }],
                    startTimeUnixNano: 1,
                    timeUnixNano: 2,
                    count: '4',
                    sum: 10,
                    quantileValues: [
                      { quantile: 0, value: 1 },
                      { quantile: 0.5, value: 2.5 },
                      { quantile: 1, value: 4 },
                    ],
                    flags: 1,
                  },
                ],
              },
            },
            { name: 'no.data', description: 'nothing' },
            { name: 'odd.temporality', sum: { aggregationTemporality: 7, isMonotonic: false, dataPoints: [] } },
          ],
        },
      ],
    },
  ],
};

const METRICS_JSON = {
  resourceMetrics: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'metrics-svc' } }] },
      schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
      scopeMetrics: [
        {
          scope: { name: 'meter', version: '0.1.0' },
          schemaUrl: 'https://example.com/scope-schema',
          metrics: [
            {
              name: 'queue.depth',
              description: 'items waiting',
              unit: '{item}',
              metadata: [{ key: 'meta', value: { stringValue: 'm' } }],
              gauge: {
                dataPoints: [
                  {
                    attributes: [{ key: 'queue', value: { stringValue: 'a' } }],
                    startTimeUnixNano: '1700000000000000000',
                    timeUnixNano: '1700000001000000000',
                    asDouble: 1.5,
                    flags: 1,
                    exemplars: [
                      {
                        filteredAttributes: [{ key: 'user', value: { stringValue: 'u1' } }],
                        timeUnixNano: '1700000000500000000',
                        asInt: '-3',
                        spanId: SPAN_ID,
                        traceId: TRACE_ID,
                      },
                    ],
                  },
                  { timeUnixNano: '5', asInt: '-9223372036854775808' },
                  { timeUnixNano: '6' },
                ],
              },
            },
            {
              name: 'http.requests',
              unit: '1',
              sum: {
                aggregationTemporality: 2,
                isMonotonic: true,
                dataPoints: [
                  { asInt: '9007199254740993', startTimeUnixNano: '1', timeUnixNano: '2', exemplars: [{ asDouble: 0.25 }] },
                ],
              },
            },
            {
              name: 'http.duration',
              unit: 'ms',
              histogram: {
                aggregationTemporality: 1,
                dataPoints: [
                  {
                    attributes: [{ key: 'route', value: { stringValue: '/a' } }],
                    startTimeUnixNano: '10',
                    timeUnixNano: '20',
                    count: '10',
                    sum: 55.5,
                    bucketCounts: ['1', '2', '3', '4'],
                    explicitBounds: [0, 5, 10],
                    min: 0.5,
                    max: 20,
                    flags: 0,
                    exemplars: [{ asDouble: 7.5, timeUnixNano: '15', traceId: TRACE_ID, spanId: SPAN_ID }],
                  },
                  { count: '0', sum: 0 },
                ],
              },
            },
            {
              name: 'latency.exp',
              exponentialHistogram: {
                aggregationTemporality: 2,
                dataPoints: [
                  {
                    startTimeUnixNano: '1',
                    timeUnixNano: '2',
                    count: '21',
                    sum: 100.25,
                    scale: -2,
                    zeroCount: '1',
                    positive: { offset: -3, bucketCounts: ['1', '0', '18446744073709551615'] },
                    negative: { offset: 2, bucketCounts: [] },
                    flags: 1,
                    min: -1,
                    max: 50,
                    zeroThreshold: 0.001,
                  },
                ],
              },
            },
            {
              name: 'rpc.summary',
              summary: {
                dataPoints: [
                  {
                    attributes: [{ key: 'rpc', value: { stringValue: 'get' } }],
                    startTimeUnixNano: '1',
                    timeUnixNano: '2',
                    count: '4',
                    sum: 10,
                    quantileValues: [{ quantile: 0, value: 1 }, { quantile: 0.5, value: 2.5 }, { quantile: 1, value: 4 }],
                    flags: 1,
                  },
                ],
              },
            },
            { name: 'no.data', description: 'nothing' },
            { name: 'odd.temporality', sum: { aggregationTemporality: 7, isMonotonic: false, dataPoints: [] } },
          ],
        },
      ],
    },
  ],
};

const METRICS_ORIGIN = {
  resource: {
    attributes: { 'service.name': 'metrics-svc' },
    droppedAttributesCount: 0,
    entityRefs: [],
    schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
  },
  scope: {
    name: 'meter',
    version: '0.1.0',
    attributes: {},
    droppedAttributesCount: 0,
    schemaUrl: 'https://example.com/scope-schema',
  },
};

const METRIC_DEFAULTS = { description: '', unit: '', metadata: {}, ...METRICS_ORIGIN };

const METRICS_EXPECTED = [
  {
    ...METRIC_DEFAULTS,
    name: 'queue.depth',
    description: 'items waiting',
    unit: '{item}',
    metadata: { meta: 'm' },
    type: 'gauge',
    dataPoints: [
      {
        attributes: { queue: 'a' },
        startTimeUnixNano: '1700000000000000000',
        timeUnixNano: '1700000001000000000',
        value: 1.5,
        valueType: 'double',
        exemplars: [
          {
            filteredAttributes: { user: 'u1' },
            timeUnixNano: '1700000000500000000',
            value: -3,
            valueType: 'int',
            traceId: TRACE_ID,
            spanId: SPAN_ID,
          },
        ],
        flags: 1,
      },
      {
        attributes: {},
        startTimeUnixNano: 0,
        timeUnixNano: 5,
        value: '-9223372036854775808',
        valueType: 'int',
        exemplars: [],
        flags: 0,
      },
      { attributes: {}, startTimeUnixNano: 0, timeUnixNano: 6, value: null, valueType: 'none', exemplars: [], flags: 0 },
    ],
  },
  {
    ...METRIC_DEFAULTS,
    name: 'http.requests',
    unit: '1',
    type: 'sum',
    aggregationTemporality: 2,
    aggregationTemporalityName: 'CUMULATIVE',
    isMonotonic: true,
    dataPoints: [
      {
        attributes: {},
        startTimeUnixNano: 1,
        timeUnixNano: 2,
        value: '9007199254740993',
        valueType: 'int',
        exemplars: [
          { filteredAttributes: {}, timeUnixNano: 0, value: 0.25, valueType: 'double', traceId: '', spanId: '' },
        ],
        flags: 0,
      },
    ],
  },
  {
    ...METRIC_DEFAULTS,
    name: 'http.duration',
    unit: 'ms',
    type: 'histogram',
    aggregationTemporality: 1,
    aggregationTemporalityName: 'DELTA',
    dataPoints: [
      {
        attributes: { route: '/a' },
        startTimeUnixNano: 10,
        timeUnixNano: 20,
        count: 10,
        sum: 55.5,
        min: 0.5,
        max: 20,
        bucketCounts: [1, 2, 3, 4],
        explicitBounds: [0, 5, 10],
        exemplars: [
          {
            filteredAttributes: {},
            timeUnixNano: 15,
            value: 7.5,
            valueType: 'double',
            traceId: TRACE_ID,
            spanId: SPAN_ID,
          },
        ],
        flags: 0,
      },
      {
        attributes: {},
        startTimeUnixNano: 0,
        timeUnixNano: 0,
        count: 0,
        sum: 0,
        min: null,
        max: null,
        bucketCounts: [],
        explicitBounds: [],
        exemplars: [],
        flags: 0,
      },
    ],
  },
  {
    ...METRIC_DEFAULTS,
    name: 'latency.exp',
    type: 'exponentialHistogram',
    aggregationTemporality: 2,
    aggregationTemporalityName: 'CUMULATIVE',
    dataPoints: [
      {
        attributes: {},
        startTimeUnixNano: 1,
        timeUnixNano: 2,
        count: 21,
        sum: 100.25,
        min: -1,
        max: 50,
        scale: -2,
        zeroCount: 1,
        zeroThreshold: 0.001,
        positive: { offset: -3, bucketCounts: [1, 0, '18446744073709551615'] },
        negative: { offset: 2, bucketCounts: [] },
        exemplars: [],
        flags: 1,
      },
    ],
  },
  {
    ...METRIC_DEFAULTS,
    name: 'rpc.summary',
    type: 'summary',
    dataPoints: [
      {
        attributes: { rpc: 'get' },
        startTimeUnixNano: 1,
        timeUnixNano: 2,
        count: 4,
        sum: 10,
        quantileValues: [
          { quantile: 0, value: 1 },
          { quantile: 0.5, value: 2.5 },
          { quantile: 1, value: 4 },
        ],
        flags: 1,
      },
    ],
  },
  { ...METRIC_DEFAULTS, name: 'no.data', description: 'nothing', type: 'empty', dataPoints: [] },
  {
    ...METRIC_DEFAULTS,
    name: 'odd.temporality',
    type: 'sum',
    aggregationTemporality: 7,
    aggregationTemporalityName: 'UNKNOWN',
    isMonotonic: false,
    dataPoints: [],
  },
];

// --- logs ------------------------------------------------------------------------------------

const LOGS_OFFICIAL = {
  resourceLogs: [
    {
      resource: { attributes: [{ key: 'service.name', value: s('logs-svc') }], droppedAttributesCount: 9 },
      schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
      scopeLogs: [
        {
          scope: { name: 'logger', version: '2.0.0', attributes: [{ key: 'x', value: { intValue: 1 } }] },
          schemaUrl: 'https://example.com/logs-schema',
          logRecords: [
            {
              timeUnixNano: '1700000000000000001',
              observedTimeUnixNano: '1700000000000000002',
              severityNumber: 9,
              severityText: 'INFO',
              body: s('user logged in'),
              attributes: [{ key: 'user.id', value: { intValue: 12 } }],
              droppedAttributesCount: 2,
              flags: 1,
              traceId: hex(TRACE_ID),
              spanId: hex(SPAN_ID),
              eventName: 'user.login',
            },
            {
              severityNumber: 17,
              severityText: 'ERROR',
              body: {
                kvlistValue: {
                  values: [
                    { key: 'msg', value: s('failed') },
                    { key: 'attempts', value: { intValue: 3 } },
                  ],
                },
              },
            },
            { body: { bytesValue: Buffer.from('raw') } },
            { body: { arrayValue: { values: [{ doubleValue: 1.25 }, { boolValue: true }] } }, severityNumber: 24 },
            {},
          ],
        },
      ],
    },
  ],
};

const LOGS_JSON = {
  resourceLogs: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'logs-svc' } }], droppedAttributesCount: 9 },
      schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
      scopeLogs: [
        {
          scope: { name: 'logger', version: '2.0.0', attributes: [{ key: 'x', value: { intValue: '1' } }] },
          schemaUrl: 'https://example.com/logs-schema',
          logRecords: [
            {
              timeUnixNano: '1700000000000000001',
              observedTimeUnixNano: '1700000000000000002',
              severityNumber: 9,
              severityText: 'INFO',
              body: { stringValue: 'user logged in' },
              attributes: [{ key: 'user.id', value: { intValue: '12' } }],
              droppedAttributesCount: 2,
              flags: 1,
              traceId: TRACE_ID,
              spanId: SPAN_ID,
              eventName: 'user.login',
            },
            {
              severityNumber: 17,
              severityText: 'ERROR',
              body: {
                kvlistValue: {
                  values: [
                    { key: 'msg', value: { stringValue: 'failed' } },
                    { key: 'attempts', value: { intValue: '3' } },
                  ],
                },
              },
            },
            { body: { bytesValue: 'cmF3' } },
            { body: { arrayValue: { values: [{ doubleValue: 1.25 }, { boolValue: true }] } }, severityNumber: 24 },
            {},
          ],
        },
      ],
    },
  ],
};

const LOGS_ORIGIN = {
  resource: {
    attributes: { 'service.name': 'logs-svc' },
    droppedAttributesCount: 9,
    entityRefs: [],
    schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
  },
  scope: {
    name: 'logger',
    version: '2.0.0',
    attributes: { x: 1 },
    droppedAttributesCount: 0,
    schemaUrl: 'https://example.com/logs-schema',
  },
};

const LOG_DEFAULTS = {
  timeUnixNano: 0,
  observedTimeUnixNano: 0,
  severityNumber: 0,
  severityText: '',
  body: null,
  attributes: {},
  droppedAttributesCount: 0,
  flags: 0,
  traceId: '',
  spanId: '',
  eventName: '',
  ...LOGS_ORIGIN,
};

const LOGS_EXPECTED = [
  {
    ...LOG_DEFAULTS,
    timeUnixNano: '1700000000000000001',
    observedTimeUnixNano: '1700000000000000002',
    severityNumber: 9,
    severityText: 'INFO',
    body: 'user logged in',
    attributes: { 'user.id': 12 },
    droppedAttributesCount: 2,
    flags: 1,
    traceId: TRACE_ID,
    spanId: SPAN_ID,
    eventName: 'user.login',
  },
  { ...LOG_DEFAULTS, severityNumber: 17, severityText: 'ERROR', body: { msg: 'failed', attempts: 3 } },
  { ...LOG_DEFAULTS, body: Buffer.from('raw') },
  { ...LOG_DEFAULTS, severityNumber: 24, body: [1.25, true] },
  { ...LOG_DEFAULTS },
];

export interface SignalFixture {
  /** The object for the official fromObject. */
  official: object;
  /** The same request in OTLP/JSON, written by hand. */
  json: object;
  /** The received items (spans, metrics or log records) without `protocol`, in order. */
  expected: Record<string, unknown>[];
}

export const FIXTURES: Record<Signal, SignalFixture> = {
  traces: { official: TRACES_OFFICIAL, json: TRACES_JSON, expected: TRACES_EXPECTED },
  metrics: { official: METRICS_OFFICIAL, json: METRICS_JSON, expected: METRICS_EXPECTED },
  logs: { official: LOGS_OFFICIAL, json: LOGS_JSON, expected: LOGS_EXPECTED },
};
