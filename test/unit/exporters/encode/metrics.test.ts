import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { encodeMetricsRequest } from '../../../../src/exporters/otlp/encode/metrics';
import { encodeMetricsRequestJson, encodeMetricsRequestJsonBuffer } from '../../../../src/exporters/otlp/encode/metrics-json';
import {
  type ExponentialHistogramDataPoint,
  type HistogramDataPoint,
  type MetricData,
  type MetricDescriptor,
  type NumberDataPoint,
  type ResourceMetrics,
  Temporality,
} from '../../../../src/metrics/types';
import { decodeJsonRequest, decodeProtobufRequest } from '../../../../src/receiver';
import { asJson, EXACT, otlp, resourceA, resourceB, scopeHttp, scopeJobs, scopePg, type StaticMessage } from './fixtures';

const ExportMetricsServiceRequest = (otlp.collector.metrics.v1 as unknown as { ExportMetricsServiceRequest: StaticMessage }).ExportMetricsServiceRequest;

/** Our bytes decoded by the official definitions, as a plain object (64-bit integers as decimal strings). */
const decode = (bytes: Uint8Array, options: Record<string, unknown> = EXACT) =>
  ExportMetricsServiceRequest.toObject(ExportMetricsServiceRequest.decode(bytes), options);

/** Our JSON read by the official definitions (proto3 JSON → message), as the same plain object. */
const fromJson = (text: string) => ExportMetricsServiceRequest.toObject(ExportMetricsServiceRequest.fromObject(JSON.parse(text)), EXACT);

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

// ---------------------------------------------------------------------------------------------
// Data

const T0: [number, number] = [1700000000, 0];
const T1: [number, number] = [1700000060, 123456789];
const T0_NS = '1700000000000000000';
const T1_NS = '1700000060123456789';

function descriptor(name: string, valueType: 'int' | 'double', fields: Partial<MetricDescriptor> = {}): MetricDescriptor {
  return { name, description: '', unit: '', type: 'counter', valueType, ...fields };
}

const np = (value: number, attributes: NumberDataPoint['attributes'] = {}): NumberDataPoint => ({ attributes, startTime: T0, time: T1, value });

function hp(fields: Partial<HistogramDataPoint>): HistogramDataPoint {
  return {
    attributes: {},
    startTime: T0,
    time: T1,
    count: 0,
    sum: undefined,
    min: undefined,
    max: undefined,
    boundaries: [],
    bucketCounts: [],
    ...fields,
  };
}

function ep(fields: Partial<ExponentialHistogramDataPoint>): ExponentialHistogramDataPoint {
  return {
    attributes: {},
    startTime: T0,
    time: T1,
    count: 0,
    sum: undefined,
    min: undefined,
    max: undefined,
    scale: 0,
    zeroCount: 0,
    zeroThreshold: 0,
    positive: { offset: 0, bucketCounts: [] },
    negative: { offset: 0, bucketCounts: [] },
    ...fields,
  };
}

const requests: MetricData = {
  descriptor: descriptor('http.server.requests', 'int', { description: 'Requests served', unit: '{request}' }),
  kind: 'sum',
  temporality: Temporality.CUMULATIVE,
  isMonotonic: true,
  points: [
    np(42, { 'http.request.method': 'GET', 'http.response.status_code': 200 }),
    np(0, { 'http.request.method': 'POST', 'http.response.status_code': 500 }),
    np(Number.MAX_SAFE_INTEGER),
    np(2 ** 62),
  ],
};

const inFlight: MetricData = {
  descriptor: descriptor('jobs.in_flight', 'int', { type: 'upDownCounter' }),
  kind: 'sum',
  temporality: Temporality.DELTA,
  isMonotonic: false,
  points: [np(-7, { queue: 'high' }), np(-1), np(Number.MIN_SAFE_INTEGER), np(-(2 ** 63))],
};

const bytesSent: MetricData = {
  descriptor: descriptor('net.bytes', 'double', { unit: 'By' }),
  kind: 'sum',
  temporality: Temporality.DELTA,
  isMonotonic: true,
  // an integral double is still as_double: the value type decides
  points: [np(0.5), np(-1.25), np(0), np(3), np(NaN), np(Infinity), np(-Infinity)],
};

const temperature: MetricData = {
  descriptor: descriptor('room.temperature', 'double', { type: 'gauge', unit: 'Cel', description: 'ü ✓' }),
  kind: 'gauge',
  points: [np(21.5, { room: 'kitchen' }), np(-3.75e-9, { room: 'freezer' })],
};

const heapObjects: MetricData = {
  descriptor: descriptor('heap.objects', 'int', { type: 'observableGauge' }),
  kind: 'gauge',
  // an 'int' value that is not an integer is sent as it is, as_double
  points: [np(12), np(-3), np(1.5)],
};

const duration: MetricData = {
  descriptor: descriptor('http.server.request.duration', 'double', { type: 'histogram', unit: 's' }),
  kind: 'histogram',
  temporality: Temporality.CUMULATIVE,
  points: [
    hp({
      attributes: { 'http.route': '/users/:id' },
      count: 6,
      sum: 1.875,
      min: 0.005,
      max: 1.2,
      boundaries: [0, 0.005, 0.01, 0.1, 1, 10],
      bucketCounts: [0, 1, 0, 3, 1, 1, 0],
    }),
    // sum, min and max unset (an instrument that may record negative values)
    hp({ count: 2, boundaries: [-1, 1], bucketCounts: [1, 0, 1] }),
    // set to zero: still written (proto3 optional)
    hp({ count: 3, sum: 0, min: 0, max: 0, boundaries: [0], bucketCounts: [3, 0] }),
    // empty: no count, every bucket 0
    hp({ boundaries: [1, 2], bucketCounts: [0, 0, 0] }),
    // no boundaries: one bucket, large counts
    hp({ count: Number.MAX_SAFE_INTEGER, sum: 1e300, min: -Infinity, max: Infinity, bucketCounts: [Number.MAX_SAFE_INTEGER] }),
    hp({ count: 2 ** 40, bucketCounts: [2 ** 40], boundaries: [], startTime: [0, 0] }),
  ],
};

const latency: MetricData = {
  descriptor: descriptor('rpc.latency', 'double', { type: 'histogram', unit: 'ms' }),
  kind: 'exponentialHistogram',
  temporality: Temporality.DELTA,
  points: [
    ep({
      attributes: { 'rpc.method': 'Get' },
      count: 11,
      sum: 123.25,
      min: -4,
      max: 90,
      scale: 3,
      zeroCount: 2,
      zeroThreshold: 1e-9,
      positive: { offset: -5, bucketCounts: [1, 0, 4, 2] },
      negative: { offset: 16, bucketCounts: [2] },
    }),
    // negative scale, zero sum, min, max; only negative buckets
    ep({ count: 1, sum: 0, min: 0, max: 0, scale: -10, negative: { offset: -1, bucketCounts: [1] } }),
    // empty point
    ep({}),
    // only a zero bucket, the largest scale, a large count, an offset without counts
    ep({ count: 2 ** 53 - 1, zeroCount: 2 ** 53 - 1, scale: 20, positive: { offset: 2147483647, bucketCounts: [] }, negative: { offset: -2147483648, bucketCounts: [] } }),
    // bucket counts beyond 32 bits (uint64 varints)
    ep({ count: 2 ** 33 + 5, positive: { offset: 0, bucketCounts: [2 ** 33, 0, 5, 4294967295, 4294967296] } }),
  ],
};

const noData: MetricData = { descriptor: descriptor('', 'double'), kind: 'gauge', points: [] };
const emptyHistogram: MetricData = { descriptor: descriptor('idle', 'double'), kind: 'histogram', temporality: Temporality.DELTA, points: [] };

const collection: ResourceMetrics = {
  resource: resourceA,
  scopeMetrics: [
    { scope: scopeHttp, metrics: [requests, duration] },
    { scope: scopeJobs, metrics: [] },
    { scope: scopePg, metrics: [inFlight, bytesSent, temperature, heapObjects, latency, noData, emptyHistogram] },
  ],
};

// ---------------------------------------------------------------------------------------------
// What the official decoder must find

const kv = (key: string, value: unknown) => ({ key, value });
const str = (stringValue: string) => ({ stringValue });
const int = (intValue: string) => ({ intValue });
const times = { startTimeUnixNano: T0_NS, timeUnixNano: T1_NS };
const asInt = (v: string, attributes?: unknown[]) => ({ ...times, asInt: v, ...(attributes ? { attributes } : {}) });
const asDouble = (v: number, attributes?: unknown[]) => ({ ...times, asDouble: v, ...(attributes ? { attributes } : {}) });

const expected = {
  resourceMetrics: [
    {
      resource: {
        attributes: [
          kv('service.name', str('checkout')),
          kv('service.version', str('1.4.2')),
          kv('process.pid', int('4242')),
          kv('telemetry.sdk.language', str('nodejs')),
        ],
      },
      scopeMetrics: [
        {
          scope: { name: '@opentelemetry/instrumentation-http', version: '0.203.0' },
          metrics: [
            {
              name: 'http.server.requests',
              description: 'Requests served',
              unit: '{request}',
              sum: {
                dataPoints: [
                  asInt('42', [kv('http.request.method', str('GET')), kv('http.response.status_code', int('200'))]),
                  asInt('0', [kv('http.request.method', str('POST')), kv('http.response.status_code', int('500'))]),
                  asInt('9007199254740991'),
                  asInt('4611686018427387904'),
                ],
                aggregationTemporality: 2,
                isMonotonic: true,
              },
            },
            {
              name: 'http.server.request.duration',
              unit: 's',
              histogram: {
                dataPoints: [
                  {
                    ...times,
                    count: '6',
                    sum: 1.875,
                    bucketCounts: ['0', '1', '0', '3', '1', '1', '0'],
                    explicitBounds: [0, 0.005, 0.01, 0.1, 1, 10],
                    attributes: [kv('http.route', str('/users/:id'))],
                    min: 0.005,
                    max: 1.2,
                  },
                  { ...times, count: '2', bucketCounts: ['1', '0', '1'], explicitBounds: [-1, 1] },
                  { ...times, count: '3', sum: 0, bucketCounts: ['3', '0'], explicitBounds: [0], min: 0, max: 0 },
                  { ...times, bucketCounts: ['0', '0', '0'], explicitBounds: [1, 2] },
                  { ...times, count: '9007199254740991', sum: 1e300, bucketCounts: ['9007199254740991'], min: -Infinity, max: Infinity },
                  { timeUnixNano: T1_NS, count: '1099511627776', bucketCounts: ['1099511627776'] },
                ],
                aggregationTemporality: 2,
              },
            },
          ],
          schemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
        },
        {
          scope: { name: 'pg' },
          metrics: [
            {
              name: 'jobs.in_flight',
              sum: {
                dataPoints: [
                  asInt('-7', [kv('queue', str('high'))]),
                  asInt('-1'),
                  asInt('-9007199254740991'),
                  asInt('-9223372036854775808'),
                ],
                aggregationTemporality: 1,
              },
            },
            {
              name: 'net.bytes',
              unit: 'By',
              sum: {
                dataPoints: [asDouble(0.5), asDouble(-1.25), asDouble(0), asDouble(3), asDouble(NaN), asDouble(Infinity), asDouble(-Infinity)],
                aggregationTemporality: 1,
                isMonotonic: true,
              },
            },
            {
              name: 'room.temperature',
              description: 'ü ✓',
              unit: 'Cel',
              gauge: { dataPoints: [asDouble(21.5, [kv('room', str('kitchen'))]), asDouble(-3.75e-9, [kv('room', str('freezer'))])] },
            },
            {
              name: 'heap.objects',
              gauge: { dataPoints: [asInt('12'), asInt('-3'), asDouble(1.5)] },
            },
            {
              name: 'rpc.latency',
              unit: 'ms',
              exponentialHistogram: {
                dataPoints: [
                  {
                    attributes: [kv('rpc.method', str('Get'))],
                    ...times,
                    count: '11',
                    sum: 123.25,
                    scale: 3,
                    zeroCount: '2',
                    positive: { offset: -5, bucketCounts: ['1', '0', '4', '2'] },
                    negative: { offset: 16, bucketCounts: ['2'] },
                    min: -4,
                    max: 90,
                    zeroThreshold: 1e-9,
                  },
                  { ...times, count: '1', sum: 0, scale: -10, negative: { offset: -1, bucketCounts: ['1'] }, min: 0, max: 0 },
                  { ...times },
                  {
                    ...times,
                    count: '9007199254740991',
                    scale: 20,
                    zeroCount: '9007199254740991',
                    positive: { offset: 2147483647 },
                    negative: { offset: -2147483648 },
                  },
                  {
                    ...times,
                    count: '8589934597',
                    positive: { bucketCounts: ['8589934592', '0', '5', '4294967295', '4294967296'] },
                  },
                ],
                aggregationTemporality: 1,
              },
            },
            { gauge: {} },
            { name: 'idle', histogram: { aggregationTemporality: 1 } },
          ],
        },
      ],
      schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
    },
  ],
};

// ---------------------------------------------------------------------------------------------

describe('encodeMetricsRequest (binary protobuf), decoded with the official definitions', () => {
  it('every metric kind and point type, exactly', () => {
    assert.deepStrictEqual(decode(encodeMetricsRequest(collection)), expected);
  });

  it('canonical bytes: the official encoder writes the decoded request back to the same bytes', () => {
    const bytes = encodeMetricsRequest(collection);
    const again = ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.decode(bytes)).finish();
    assert.equal(hex(bytes), hex(again));
  });

  it('the official encoder of the expected request gives our bytes', () => {
    const official = ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromObject(expected)).finish();
    assert.equal(hex(encodeMetricsRequest(collection)), hex(official));
  });

  it('writes number values with the right wire types (as_int sfixed64 field 6, as_double double field 4)', () => {
    const one = (metric: MetricData) => hex(encodeMetricsRequest({ resource: { attributes: {} }, scopeMetrics: [{ scope: { name: '' }, metrics: [metric] }] }));
    const gauge = (valueType: 'int' | 'double', value: number): MetricData => ({
      descriptor: descriptor('g', valueType),
      kind: 'gauge',
      points: [{ attributes: {}, startTime: [0, 0], time: [0, 0], value }],
    });
    // ResourceMetrics{resource{}, scope_metrics{scope{}, metrics{name "g", gauge{data_points{…}}}}}
    const frame = (point: string) => {
      const dp = `0a${(point.length / 2).toString(16).padStart(2, '0')}${point}`;
      const gauge = `2a${(dp.length / 2).toString(16).padStart(2, '0')}${dp}`;
      const metric = `0a0167${gauge}`;
      const sm = `0a00${`12${(metric.length / 2).toString(16).padStart(2, '0')}${metric}`}`;
      const rm = `0a00${`12${(sm.length / 2).toString(16).padStart(2, '0')}${sm}`}`;
      return `0a${(rm.length / 2).toString(16).padStart(2, '0')}${rm}`;
    };
    assert.equal(one(gauge('int', -2)), frame('31feffffffffffffff'));
    assert.equal(one(gauge('int', 0)), frame('310000000000000000'));
    assert.equal(one(gauge('double', 1)), frame('21000000000000f03f'));
  });

  it('groups as the collection says; scopes without metrics are left out; a collection without metrics is an empty request', () => {
    const req = decode(
      encodeMetricsRequest({
        resource: resourceB,
        scopeMetrics: [
          { scope: scopeJobs, metrics: [] },
          { scope: scopePg, metrics: [heapObjects] },
          { scope: scopeJobs, metrics: [temperature] },
        ],
      }),
    ) as any;
    assert.equal(req.resourceMetrics.length, 1);
    assert.deepStrictEqual(req.resourceMetrics[0].resource, { attributes: [kv('service.name', str('wörker ✓')), kv('host.arch', str('arm64'))] });
    assert.deepStrictEqual(
      req.resourceMetrics[0].scopeMetrics.map((sm: any) => [sm.scope, sm.metrics.map((m: any) => m.name)]),
      [
        [{ name: 'pg' }, ['heap.objects']],
        [{ name: 'jobs', version: '2.0.0' }, ['room.temperature']],
      ],
    );
    assert.equal(encodeMetricsRequest({ resource: resourceA, scopeMetrics: [] }).length, 0);
    assert.equal(encodeMetricsRequest({ resource: resourceA, scopeMetrics: [{ scope: scopeHttp, metrics: [] }] }).length, 0);
  });

  it('the writer is reused between requests without leaking bytes from one into the next', () => {
    const big = encodeMetricsRequest(collection);
    const small = encodeMetricsRequest({ resource: resourceB, scopeMetrics: [{ scope: scopePg, metrics: [heapObjects] }] });
    assert.ok(small.length < big.length);
    assert.equal(hex(encodeMetricsRequest(collection)), hex(big));
    assert.equal((decode(small) as any).resourceMetrics[0].scopeMetrics[0].metrics[0].name, 'heap.objects');
  });
});

describe('encodeMetricsRequestJson (OTLP/JSON)', () => {
  it('the official definitions read our JSON as they decode our protobuf', () => {
    assert.deepStrictEqual(fromJson(encodeMetricsRequestJson(collection)), decode(encodeMetricsRequest(collection)));
    assert.deepStrictEqual(fromJson(encodeMetricsRequestJson(collection)), expected);
  });

  it('is the proto3 JSON form of the official decoding (64-bit integers as strings, "NaN"/"Infinity")', () => {
    const official = decode(encodeMetricsRequest(collection), { longs: String, bytes: String, json: true });
    assert.deepStrictEqual(JSON.parse(encodeMetricsRequestJson(collection)), official);
    assert.deepStrictEqual(JSON.parse(encodeMetricsRequestJson(collection)), asJson(expected));
  });

  it('writes exactly this for a small collection', () => {
    const text = encodeMetricsRequestJson({
      resource: { attributes: { 'service.name': 'svc' } },
      scopeMetrics: [
        {
          scope: { name: 'm', version: '1' },
          metrics: [
            { ...requests, points: [np(5, { a: 'b' })] },
            { ...duration, points: [hp({ count: 2, sum: 0, min: 0, max: NaN, boundaries: [1], bucketCounts: [1, 1] })] },
            { ...latency, points: [ep({ count: 1, scale: -2, zeroThreshold: 0.5, positive: { offset: -3, bucketCounts: [1] } })] },
            { ...temperature, points: [np(-0.25)] },
          ],
        },
      ],
    });
    assert.equal(
      text,
      '{"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},"scopeMetrics":[{"scope":{"name":"m","version":"1"},"metrics":[' +
        '{"name":"http.server.requests","description":"Requests served","unit":"{request}","sum":{"dataPoints":[{"startTimeUnixNano":"1700000000000000000","timeUnixNano":"1700000060123456789","asInt":"5","attributes":[{"key":"a","value":{"stringValue":"b"}}]}],"aggregationTemporality":2,"isMonotonic":true}},' +
        '{"name":"http.server.request.duration","unit":"s","histogram":{"dataPoints":[{"startTimeUnixNano":"1700000000000000000","timeUnixNano":"1700000060123456789","count":"2","sum":0,"bucketCounts":["1","1"],"explicitBounds":[1],"min":0,"max":"NaN"}],"aggregationTemporality":2}},' +
        '{"name":"rpc.latency","unit":"ms","exponentialHistogram":{"dataPoints":[{"startTimeUnixNano":"1700000000000000000","timeUnixNano":"1700000060123456789","count":"1","scale":-2,"positive":{"offset":-3,"bucketCounts":["1"]},"zeroThreshold":0.5}],"aggregationTemporality":1}},' +
        '{"name":"room.temperature","description":"ü ✓","unit":"Cel","gauge":{"dataPoints":[{"startTimeUnixNano":"1700000000000000000","timeUnixNano":"1700000060123456789","asDouble":-0.25}]}}' +
        ']}]}]}',
    );
  });

  it('the Buffer and string forms are the same bytes; an empty collection is {}', () => {
    assert.equal(encodeMetricsRequestJsonBuffer(collection).toString('utf8'), encodeMetricsRequestJson(collection));
    assert.equal(encodeMetricsRequestJson({ resource: resourceA, scopeMetrics: [] }), '{}');
    assert.equal(encodeMetricsRequestJson({ resource: resourceA, scopeMetrics: [{ scope: scopeHttp, metrics: [] }] }), '{}');
    assert.equal(encodeMetricsRequestJsonBuffer({ resource: resourceA, scopeMetrics: [] }).toString(), '{}');
  });

  it('64-bit integers beyond 2^53 are exact decimal strings', () => {
    const req = JSON.parse(
      encodeMetricsRequestJson({
        resource: { attributes: {} },
        scopeMetrics: [{ scope: { name: 's' }, metrics: [{ ...inFlight, points: [np(2 ** 62), np(-(2 ** 63)), np(-(2 ** 53) - 2)] }] }],
      }),
    );
    assert.deepStrictEqual(
      req.resourceMetrics[0].scopeMetrics[0].metrics[0].sum.dataPoints.map((p: { asInt: string }) => p.asInt),
      ['4611686018427387904', '-9223372036854775808', '-9007199254740994'],
    );
  });
});

describe("the project's receiver", () => {
  it('decodes our protobuf and our JSON to the same request', () => {
    const fromProtobuf = decodeProtobufRequest('metrics', encodeMetricsRequest(collection));
    const fromJsonBody = decodeJsonRequest('metrics', encodeMetricsRequestJsonBuffer(collection));
    assert.deepStrictEqual(fromJsonBody, fromProtobuf);
    const rm = fromProtobuf.resourceMetrics[0]!;
    assert.equal(rm.scopeMetrics.length, 2);
    const pg = rm.scopeMetrics[1]!.metrics;
    assert.deepStrictEqual(pg[0]!.sum!.dataPoints.map((p) => p.asInt), [-7, -1, -9007199254740991, '-9223372036854775808']);
    const exp = pg[4]!.exponentialHistogram!.dataPoints[0]!;
    assert.deepStrictEqual([exp.scale, exp.positive, exp.negative], [3, { offset: -5, bucketCounts: [1, 0, 4, 2] }, { offset: 16, bucketCounts: [2] }]);
  });
});
