import { strict as assert } from 'node:assert';
import { AsyncLocalStorage } from 'node:async_hooks';
import { spawn, spawnSync } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { suppressTracing } from '../../../src/context/context';
import { diag as realDiag, type Diag } from '../../../src/diag';
import {
  CONTENT_TYPE,
  formatNumber,
  metricName,
  PrometheusExporter,
  sanitizeName,
  toPrometheusText,
  type PrometheusTextOptions,
} from '../../../src/exporters/prometheus';
import type {
  HistogramDataPoint,
  InstrumentType,
  MetricData,
  NumberDataPoint,
  ResourceMetrics,
  ScopeMetrics,
} from '../../../src/metrics/types';
import { Temporality } from '../../../src/metrics/types';
import { CATALOG } from '../../../src/instrumentation/catalog';
import { Registry } from '../../../src/instrumentation/registry';
import type { Attributes, InstrumentationScope } from '../../../src/trace/types';
import { testEngine } from '../../helpers/engine';
import { bareEnv } from '../../helpers/run';

const MODULE = resolve(__dirname, '..', '..', '..', 'src', 'exporters', 'prometheus.js');

// ---------------------------------------------------------------------------------------------
// Builders

const T: [number, number] = [1_700_000_000, 0];

function num(value: number, attributes: Attributes = {}): NumberDataPoint {
  return { attributes, startTime: T, time: T, value };
}

interface Describe {
  description?: string;
  unit?: string;
  valueType?: 'int' | 'double';
}

function descriptor(name: string, type: InstrumentType, d: Describe = {}) {
  return { name, description: d.description ?? '', unit: d.unit ?? '', type, valueType: d.valueType ?? 'double' };
}

function counter(name: string, points: NumberDataPoint[], d: Describe = {}, temporality: Temporality = Temporality.CUMULATIVE): MetricData {
  return { descriptor: descriptor(name, 'counter', d), kind: 'sum', temporality, isMonotonic: true, points };
}

function upDown(name: string, points: NumberDataPoint[], d: Describe = {}): MetricData {
  return { descriptor: descriptor(name, 'upDownCounter', d), kind: 'sum', temporality: Temporality.CUMULATIVE, isMonotonic: false, points };
}

function gauge(name: string, points: NumberDataPoint[], d: Describe = {}): MetricData {
  return { descriptor: descriptor(name, 'gauge', d), kind: 'gauge', points };
}

function hist(
  attributes: Attributes,
  boundaries: number[],
  bucketCounts: number[],
  sum: number | undefined = undefined,
): HistogramDataPoint {
  const count = bucketCounts.reduce((a, b) => a + b, 0);
  return { attributes, startTime: T, time: T, count, sum, min: undefined, max: undefined, boundaries, bucketCounts };
}

function histogram(name: string, points: HistogramDataPoint[], d: Describe = {}, temporality: Temporality = Temporality.CUMULATIVE): MetricData {
  return { descriptor: descriptor(name, 'histogram', d), kind: 'histogram', temporality, points };
}

function scope(name: string, metrics: MetricData[], version?: string, schemaUrl?: string): ScopeMetrics {
  const s: InstrumentationScope = { name, ...(version ? { version } : {}), ...(schemaUrl ? { schemaUrl } : {}) };
  return { scope: s, metrics };
}

function batch(scopes: ScopeMetrics[], resource: Attributes = {}): ResourceMetrics {
  return { resource: { attributes: resource }, scopeMetrics: scopes };
}

/** Serializes and records every drop report. */
function text(b: ResourceMetrics, options: PrometheusTextOptions = {}): { out: string; dropped: string[] } {
  const dropped: string[] = [];
  const out = toPrometheusText(b, { ...options, onDropped: (m, r) => dropped.push(`${m} ${r}`) });
  return { out, dropped };
}

/** Every text the golden tests produced: all are fed to promtool, which must at least parse them. */
const produced: string[] = [];

function golden(b: ResourceMetrics, expected: string[], options: PrometheusTextOptions = {}): string[] {
  const { out, dropped } = text(b, options);
  produced.push(out);
  assert.equal(out, expected.length ? `${expected.join('\n')}\n` : '');
  return dropped;
}

// ---------------------------------------------------------------------------------------------

describe('toPrometheusText', () => {
  it('writes an integer counter with _total, its HELP and TYPE', () => {
    golden(batch([scope('shop', [counter('orders', [num(3, { 'order.kind': 'web' }), num(12, { 'order.kind': 'phone' })], { description: 'Orders taken', unit: '{order}', valueType: 'int' })])]), [
      '# HELP orders_total Orders taken',
      '# TYPE orders_total counter',
      'orders_total{order_kind="web",otel_scope_name="shop"} 3',
      'orders_total{order_kind="phone",otel_scope_name="shop"} 12',
    ]);
  });

  it('writes a double counter with its full precision', () => {
    golden(batch([scope('energy', [counter('energy.used', [num(0.1 + 0.2), num(1234.5, { phase: 'b' })], { description: 'Energy', unit: 'J' })], '2.1.0')]), [
      '# HELP energy_used_joules_total Energy',
      '# TYPE energy_used_joules_total counter',
      'energy_used_joules_total{otel_scope_name="energy",otel_scope_version="2.1.0"} 0.30000000000000004',
      'energy_used_joules_total{phase="b",otel_scope_name="energy",otel_scope_version="2.1.0"} 1234.5',
    ]);
  });

  it('writes up-down counters (non-monotonic sums) as gauges, without _total', () => {
    golden(batch([scope('db', [upDown('db.client.connection.count', [num(4, { state: 'idle' }), num(-1, { state: 'used' })], { description: 'Connections', unit: '{connection}' })])]), [
      '# HELP db_client_connection_count Connections',
      '# TYPE db_client_connection_count gauge',
      'db_client_connection_count{state="idle",otel_scope_name="db"} 4',
      'db_client_connection_count{state="used",otel_scope_name="db"} -1',
    ]);
  });

  it('writes gauges, and leaves HELP out when there is no description', () => {
    golden(batch([scope('sys', [gauge('process.memory.usage', [num(73_400_320)], { unit: 'By' }), gauge('room.temperature', [num(21.5)], { description: 'Temperature', unit: 'Cel' })])]), [
      '# TYPE process_memory_usage_bytes gauge',
      'process_memory_usage_bytes{otel_scope_name="sys"} 73400320',
      '# HELP room_temperature_celsius Temperature',
      '# TYPE room_temperature_celsius gauge',
      'room_temperature_celsius{otel_scope_name="sys"} 21.5',
    ]);
  });

  it('writes histograms: cumulative buckets up to +Inf, _sum when known, _count', () => {
    //  bounds      0.005  0.01  0.1   1    +Inf
    //  counts        1     0     2    3     1     → cumulative 1 1 3 6 7
    const dropped = golden(
      batch([
        scope('http', [
          histogram(
            'http.server.request.duration',
            [hist({ 'http.request.method': 'GET' }, [0.005, 0.01, 0.1, 1], [1, 0, 2, 3, 1], 2.5), hist({ 'http.request.method': 'POST' }, [0.005, 0.01, 0.1, 1], [0, 0, 0, 0, 0], 0)],
            { description: 'Duration of HTTP server requests.', unit: 's' },
          ),
          // may record negative values: no sum; no bounds at all: only the +Inf bucket
          histogram('temperature.change', [hist({}, [], [4])], { description: 'Changes', unit: 'Cel' }),
          // a +Inf bound among the bounds is not written twice
          histogram('queue.wait', [hist({}, [1, Infinity], [2, 1, 0], 3)], { description: 'Waits', unit: 'ms' }),
        ]),
      ]),
      [
        '# HELP http_server_request_duration_seconds Duration of HTTP server requests.',
        '# TYPE http_server_request_duration_seconds histogram',
        'http_server_request_duration_seconds_bucket{http_request_method="GET",otel_scope_name="http",le="0.005"} 1',
        'http_server_request_duration_seconds_bucket{http_request_method="GET",otel_scope_name="http",le="0.01"} 1',
        'http_server_request_duration_seconds_bucket{http_request_method="GET",otel_scope_name="http",le="0.1"} 3',
        'http_server_request_duration_seconds_bucket{http_request_method="GET",otel_scope_name="http",le="1"} 6',
        'http_server_request_duration_seconds_bucket{http_request_method="GET",otel_scope_name="http",le="+Inf"} 7',
        'http_server_request_duration_seconds_sum{http_request_method="GET",otel_scope_name="http"} 2.5',
        'http_server_request_duration_seconds_count{http_request_method="GET",otel_scope_name="http"} 7',
        'http_server_request_duration_seconds_bucket{http_request_method="POST",otel_scope_name="http",le="0.005"} 0',
        'http_server_request_duration_seconds_bucket{http_request_method="POST",otel_scope_name="http",le="0.01"} 0',
        'http_server_request_duration_seconds_bucket{http_request_method="POST",otel_scope_name="http",le="0.1"} 0',
        'http_server_request_duration_seconds_bucket{http_request_method="POST",otel_scope_name="http",le="1"} 0',
        'http_server_request_duration_seconds_bucket{http_request_method="POST",otel_scope_name="http",le="+Inf"} 0',
        'http_server_request_duration_seconds_sum{http_request_method="POST",otel_scope_name="http"} 0',
        'http_server_request_duration_seconds_count{http_request_method="POST",otel_scope_name="http"} 0',
        '# HELP temperature_change_celsius Changes',
        '# TYPE temperature_change_celsius histogram',
        'temperature_change_celsius_bucket{otel_scope_name="http",le="+Inf"} 4',
        'temperature_change_celsius_count{otel_scope_name="http"} 4',
        '# HELP queue_wait_milliseconds Waits',
        '# TYPE queue_wait_milliseconds histogram',
        'queue_wait_milliseconds_bucket{otel_scope_name="http",le="1"} 2',
        'queue_wait_milliseconds_bucket{otel_scope_name="http",le="+Inf"} 3',
        'queue_wait_milliseconds_sum{otel_scope_name="http"} 3',
        'queue_wait_milliseconds_count{otel_scope_name="http"} 3',
      ],
    );
    assert.deepEqual(dropped, []);
  });

  it('writes a histogram without any label as bare samples', () => {
    golden(batch([scope('', [histogram('size', [hist({}, [10], [1, 1], 15)], { description: 'Sizes', unit: 'By' })])]), [
      '# HELP size_bytes Sizes',
      '# TYPE size_bytes histogram',
      'size_bytes_bucket{le="10"} 1',
      'size_bytes_bucket{le="+Inf"} 2',
      'size_bytes_sum 15',
      'size_bytes_count 2',
    ]);
  });

  describe('names and units', () => {
    const cases: Array<[name: string, unit: string, type: 'counter' | 'gauge' | 'histogram', expected: string]> = [
      ['http.server.request.duration', 's', 'histogram', 'http_server_request_duration_seconds'],
      ['rpc.server.duration', 'ms', 'histogram', 'rpc_server_duration_milliseconds'],
      ['work.time', 'us', 'gauge', 'work_time_microseconds'],
      ['gc.pause', 'ns', 'counter', 'gc_pause_nanoseconds_total'],
      ['uptime', 'min', 'gauge', 'uptime_minutes'],
      ['retention', 'd', 'gauge', 'retention_days'],
      ['network.io', 'By', 'counter', 'network_io_bytes_total'],
      ['heap', 'MiBy', 'gauge', 'heap_mebibytes'],
      ['disk', 'KiBy', 'gauge', 'disk_kibibytes'],
      ['download', 'kBy', 'gauge', 'download_kilobytes'],
      ['cpu.utilization', '1', 'gauge', 'cpu_utilization_ratio'],
      ['hits', '1', 'counter', 'hits_total'],
      ['share', '1', 'histogram', 'share'],
      ['load', '%', 'gauge', 'load_percent'],
      ['http.server.active_requests', '{request}', 'gauge', 'http_server_active_requests'],
      ['network.packets', '{packet}', 'counter', 'network_packets_total'],
      ['throughput', 'By/s', 'gauge', 'throughput_bytes_per_second'],
      ['speed', 'm/s', 'gauge', 'speed_meters_per_second'],
      ['arrivals', '{packet}/s', 'gauge', 'arrivals_per_second'],
      ['rate', '1/s', 'gauge', 'rate_per_second'],
      ['usage', 'By/h', 'gauge', 'usage_bytes_per_hour'],
      ['frequency', 'Hz', 'gauge', 'frequency_hertz'],
      ['power', 'W', 'gauge', 'power_watts'],
      ['dropped', 'packets', 'counter', 'dropped_packets_total'],
      ['strange', 'foo.bar-baz', 'gauge', 'strange_foo_bar_baz'],
      ['none', '', 'gauge', 'none'],
      // the unit is not added twice, and goes before _total
      ['process.memory.bytes', 'By', 'gauge', 'process_memory_bytes'],
      ['request_duration_seconds', 's', 'histogram', 'request_duration_seconds'],
      ['seconds', 's', 'gauge', 'seconds'],
      ['requests_total', '{request}', 'counter', 'requests_total'],
      ['cpu.time_total', 's', 'counter', 'cpu_time_seconds_total'],
      ['jobs.seconds.total', 's', 'counter', 'jobs_seconds_total'],
      // _total is for counters only
      ['queue_total', '', 'gauge', 'queue_total'],
      // invalid characters, runs of _, a leading digit
      ['my-app.requests/sec', '', 'gauge', 'my_app_requests_sec'],
      ['a..b__c', '', 'gauge', 'a_b_c'],
      ['2xx.responses', '', 'counter', '_2xx_responses_total'],
      ['café.ouvert', '', 'gauge', 'caf_ouvert'],
      ['trailing.', 's', 'gauge', 'trailing_seconds'],
    ];
    for (const [name, unit, type, expected] of cases) {
      it(`${type} ${name} [${unit}] → ${expected}`, () => {
        assert.equal(metricName(name, unit, type), expected);
      });
    }

    it('leaves units and _total out on request', () => {
      assert.equal(metricName('network.io', 'By', 'counter', { withoutUnits: true }), 'network_io_total');
      assert.equal(metricName('network.io', 'By', 'counter', { withoutTypeSuffix: true }), 'network_io_bytes');
      assert.equal(metricName('requests_total', '', 'counter', { withoutTypeSuffix: true }), 'requests_total');
    });

    it('puts the names together in the text', () => {
      golden(
        batch([
          scope('u', [
            gauge('cpu.utilization', [num(0.25)], { description: 'CPU', unit: '1' }),
            counter('network.io', [num(10)], { description: 'IO', unit: 'By' }),
            gauge('throughput', [num(2.5)], { description: 'Rate', unit: 'By/s' }),
            counter('2xx.responses', [num(1)], { description: 'OK', unit: '{response}' }),
          ]),
        ]),
        [
          '# HELP cpu_utilization_ratio CPU',
          '# TYPE cpu_utilization_ratio gauge',
          'cpu_utilization_ratio{otel_scope_name="u"} 0.25',
          '# HELP network_io_bytes_total IO',
          '# TYPE network_io_bytes_total counter',
          'network_io_bytes_total{otel_scope_name="u"} 10',
          '# HELP throughput_bytes_per_second Rate',
          '# TYPE throughput_bytes_per_second gauge',
          'throughput_bytes_per_second{otel_scope_name="u"} 2.5',
          '# HELP _2xx_responses_total OK',
          '# TYPE _2xx_responses_total counter',
          '_2xx_responses_total{otel_scope_name="u"} 1',
        ],
      );
    });
  });

  describe('labels', () => {
    it('sanitizes label names like metric names; never with the reserved __ prefix', () => {
      assert.equal(sanitizeName('http.request.method'), 'http_request_method');
      assert.equal(sanitizeName('__name__'), '_name_');
      assert.equal(sanitizeName('__meta'), '_meta');
      assert.equal(sanitizeName('1st'), '_1st');
      assert.equal(sanitizeName('a-b c'), 'a_b_c');
      assert.equal(sanitizeName('ключ'), '_');
      assert.equal(sanitizeName(''), '_');
      assert.equal(sanitizeName('Already_Fine9'), 'Already_Fine9');
    });

    it('escapes backslashes, double quotes and newlines in label values, and in HELP', () => {
      golden(
        batch([
          scope('esc', [
            gauge('paths', [num(1, { path: 'C:\\temp\\"new"\nline', plain: 'a\tb' })], { description: 'Paths with \\ and\nnewlines and "quotes"' }),
          ]),
        ]),
        [
          '# HELP paths Paths with \\\\ and\\nnewlines and "quotes"',
          '# TYPE paths gauge',
          'paths{path="C:\\\\temp\\\\\\"new\\"\\nline",plain="a\tb",otel_scope_name="esc"} 1',
        ],
      );
    });

    it('writes non-string attribute values as text, arrays as JSON', () => {
      golden(
        batch([
          scope('types', [
            gauge('typed', [num(1, { ok: true, code: 404, ratio: 0.5, big: 1e21, inf: Infinity, list: ['a', 'b"c'], nums: [1, 2.5, NaN], flags: [true, false] })], {
              description: 'Typed',
            }),
          ]),
        ]),
        [
          '# HELP typed Typed',
          '# TYPE typed gauge',
          'typed{ok="true",code="404",ratio="0.5",big="1e+21",inf="Infinity",list="[\\"a\\",\\"b\\\\\\"c\\"]",nums="[1,2.5,\\"NaN\\"]",flags="[true,false]",otel_scope_name="types"} 1',
        ],
      );
    });

    it('joins the values of keys that map to the same label with ;, in the order of the keys', () => {
      // "a_b" > "a.b" > "a-b" in code-unit order: a-b (45), a.b (46), a_b (95)
      golden(batch([scope('clash', [gauge('clashing', [num(1, { a_b: 'under', 'a.b': 'dot', 'a-b': 'dash', other: 'x' })], { description: 'Clash' })])]), [
        '# HELP clashing Clash',
        '# TYPE clashing gauge',
        'clashing{a_b="dash;dot;under",other="x",otel_scope_name="clash"} 1',
      ]);
    });

    it('joins an attribute named like a scope label with the scope value', () => {
      golden(batch([scope('lib', [gauge('g', [num(1, { 'otel.scope.name': 'mine' })], { description: 'G' })])]), [
        '# HELP g G',
        '# TYPE g gauge',
        // keys otel.scope.name (the attribute) and otel.scope.name (the scope): equal, kept in order
        'g{otel_scope_name="mine;lib"} 1',
      ]);
    });

    it('drops a histogram attribute named le (reserved for buckets) and says so', () => {
      const dropped = golden(batch([scope('h', [histogram('lat', [hist({ le: 'mine', route: '/' }, [1], [1, 0], 0.5)], { description: 'Latency', unit: 's' })])]), [
        '# HELP lat_seconds Latency',
        '# TYPE lat_seconds histogram',
        'lat_seconds_bucket{route="/",otel_scope_name="h",le="1"} 1',
        'lat_seconds_bucket{route="/",otel_scope_name="h",le="+Inf"} 1',
        'lat_seconds_sum{route="/",otel_scope_name="h"} 0.5',
        'lat_seconds_count{route="/",otel_scope_name="h"} 1',
      ]);
      assert.equal(dropped.length, 1);
      assert.match(dropped[0]!, /^lat has the attribute le, which a histogram cannot carry/);
    });
  });

  describe('target_info and scope labels', () => {
    it('writes the resource as target_info, every attribute a label, no job or instance', () => {
      golden(
        batch([scope('s', [gauge('up.ness', [num(1)], { description: 'Up' })])], {
          'service.name': 'checkout',
          'service.namespace': 'shop',
          'service.instance.id': 'a1b2',
          'telemetry.sdk.language': 'nodejs',
          'process.pid': 4242,
        }),
        [
          '# HELP target_info Target metadata',
          '# TYPE target_info gauge',
          'target_info{service_name="checkout",service_namespace="shop",service_instance_id="a1b2",telemetry_sdk_language="nodejs",process_pid="4242"} 1',
          '# HELP up_ness Up',
          '# TYPE up_ness gauge',
          'up_ness{otel_scope_name="s"} 1',
        ],
      );
    });

    it('writes no target_info for an empty resource, or when asked not to', () => {
      const b = batch([scope('s', [gauge('g', [num(1)], { description: 'G' })])]);
      golden(b, ['# HELP g G', '# TYPE g gauge', 'g{otel_scope_name="s"} 1']);
      golden({ ...b, resource: { attributes: { 'service.name': 'x' } } }, ['# HELP g G', '# TYPE g gauge', 'g{otel_scope_name="s"} 1'], { withoutTargetInfo: true });
    });

    it('labels every series with its scope name, version and schema URL', () => {
      golden(batch([scope('io.example.lib', [counter('calls', [num(1, { op: 'x' })], { description: 'Calls' })], '1.2.3', 'https://opentelemetry.io/schemas/1.26.0')]), [
        '# HELP calls_total Calls',
        '# TYPE calls_total counter',
        'calls_total{op="x",otel_scope_name="io.example.lib",otel_scope_version="1.2.3",otel_scope_schema_url="https://opentelemetry.io/schemas/1.26.0"} 1',
      ]);
    });

    it('leaves the scope labels out on request', () => {
      golden(batch([scope('lib', [counter('calls', [num(1)], { description: 'Calls' })], '1.0.0')]), ['# HELP calls_total Calls', '# TYPE calls_total counter', 'calls_total 1'], {
        withoutScopeLabels: true,
      });
    });

    it('gives up a user metric that would be written as target_info', () => {
      const { out, dropped } = text(batch([scope('s', [gauge('target.info', [num(2)])])], { 'service.name': 'x' }));
      assert.equal(out, '# HELP target_info Target metadata\n# TYPE target_info gauge\ntarget_info{service_name="x"} 1\n');
      assert.equal(dropped.length, 1);
      assert.match(dropped[0]!, /^target\.info would write target_info/);
    });
  });

  describe('families', () => {
    it('merges metrics of the same name from different scopes under one HELP and TYPE', () => {
      const dropped = golden(
        batch([
          scope('http', [counter('requests', [num(5, { route: '/a' })], { description: 'Requests served', unit: '{request}' })], '1.0.0'),
          scope('other', [gauge('busy', [num(1)], { description: 'Busy' })]),
          scope('undici', [counter('requests', [num(7, { route: '/a' })], { description: 'Requests served', unit: '{request}' })], '6.0.0'),
        ]),
        [
          '# HELP requests_total Requests served',
          '# TYPE requests_total counter',
          'requests_total{route="/a",otel_scope_name="http",otel_scope_version="1.0.0"} 5',
          'requests_total{route="/a",otel_scope_name="undici",otel_scope_version="6.0.0"} 7',
          '# HELP busy Busy',
          '# TYPE busy gauge',
          'busy{otel_scope_name="other"} 1',
        ],
      );
      assert.deepEqual(dropped, []);
    });

    it('merges different OpenTelemetry names that become one Prometheus name', () => {
      golden(batch([scope('a', [gauge('queue.size', [num(1)], { description: 'Size' }), gauge('queue_size', [num(2, { q: 'b' })], { description: '' })])]), [
        '# HELP queue_size Size',
        '# TYPE queue_size gauge',
        'queue_size{otel_scope_name="a"} 1',
        'queue_size{q="b",otel_scope_name="a"} 2',
      ]);
    });

    it('keeps the first HELP when descriptions differ, and says so', () => {
      const dropped = golden(batch([scope('a', [gauge('g', [num(1)], { description: 'First' })]), scope('b', [gauge('g', [num(2)], { description: 'Second' })])]), [
        '# HELP g First',
        '# TYPE g gauge',
        'g{otel_scope_name="a"} 1',
        'g{otel_scope_name="b"} 2',
      ]);
      assert.equal(dropped.length, 1);
      assert.match(dropped[0]!, /^g has a description other than that of the g family/);
    });

    it('drops a metric whose type conflicts with a family of the same name', () => {
      const dropped = golden(batch([scope('a', [gauge('jobs', [num(1)], { description: 'Jobs' })]), scope('b', [upDown('jobs', [num(2)]), histogram('jobs', [hist({}, [], [1], 1)])])]), [
        '# HELP jobs Jobs',
        '# TYPE jobs gauge',
        'jobs{otel_scope_name="a"} 1',
        // the up-down counter is a gauge too: merged
        'jobs{otel_scope_name="b"} 2',
      ]);
      assert.equal(dropped.length, 1);
      assert.match(dropped[0]!, /^jobs is a histogram named jobs like a gauge already written/);
    });

    it('drops a metric whose samples would be written by another family', () => {
      const dropped = golden(
        batch([scope('a', [gauge('latency_count', [num(9)], { description: 'Count' }), histogram('latency', [hist({}, [1], [1, 1], 3)], { description: 'Latency' })])]),
        ['# HELP latency_count Count', '# TYPE latency_count gauge', 'latency_count{otel_scope_name="a"} 9'],
      );
      assert.equal(dropped.length, 1);
      assert.match(dropped[0]!, /^latency would write latency_count, which the latency_count family writes already/);
    });

    it('writes a series once even if two points carry the same labels', () => {
      const dropped = golden(batch([scope('a', [gauge('g', [num(1, { k: 'v' })], { description: 'G' })]), scope('a', [gauge('g', [num(2, { k: 'v' })], { description: 'G' })])]), [
        '# HELP g G',
        '# TYPE g gauge',
        'g{k="v",otel_scope_name="a"} 1',
      ]);
      assert.equal(dropped.length, 1);
    });
  });

  describe('what Prometheus cannot take', () => {
    it('drops delta sums and histograms, and says why', () => {
      const dropped = golden(
        batch([
          scope('d', [
            counter('deltas', [num(1)], { description: 'D' }, Temporality.DELTA),
            histogram('delta.hist', [hist({}, [1], [1, 0], 1)], { description: 'H' }, Temporality.DELTA),
            gauge('kept', [num(1)], { description: 'K' }),
          ]),
        ]),
        ['# HELP kept K', '# TYPE kept gauge', 'kept{otel_scope_name="d"} 1'],
      );
      assert.equal(dropped.length, 2);
      assert.match(dropped[0]!, /^deltas has delta temporality/);
      assert.match(dropped[1]!, /^delta\.hist has delta temporality/);
    });

    it('drops exponential histograms (the text format has no native histograms)', () => {
      const expo: MetricData = {
        descriptor: descriptor('expo', 'histogram', { description: 'E', unit: 's' }),
        kind: 'exponentialHistogram',
        temporality: Temporality.CUMULATIVE,
        points: [
          {
            attributes: {},
            startTime: T,
            time: T,
            count: 2,
            sum: 3,
            min: 1,
            max: 2,
            scale: 0,
            zeroCount: 0,
            zeroThreshold: 0,
            positive: { offset: 0, bucketCounts: [1, 1] },
            negative: { offset: 0, bucketCounts: [] },
          },
        ],
      };
      const dropped = golden(batch([scope('x', [expo])]), []);
      assert.equal(dropped.length, 1);
      assert.match(dropped[0]!, /^expo is an exponential histogram/);
    });

    it('writes nothing for an empty collection', () => {
      golden(batch([]), []);
      golden(batch([scope('s', [])]), []);
    });
  });

  describe('numbers', () => {
    it('writes integers as integers, other numbers in full, and the special values', () => {
      assert.equal(formatNumber(0), '0');
      assert.equal(formatNumber(-0), '0');
      assert.equal(formatNumber(42), '42');
      assert.equal(formatNumber(-7), '-7');
      assert.equal(formatNumber(9007199254740993), '9007199254740992');
      assert.equal(formatNumber(123456789012), '123456789012');
      assert.equal(formatNumber(0.1), '0.1');
      assert.equal(formatNumber(1 / 3), '0.3333333333333333');
      assert.equal(formatNumber(1e-7), '1e-7');
      assert.equal(formatNumber(1.7976931348623157e308), '1.7976931348623157e+308');
      assert.equal(formatNumber(Infinity), '+Inf');
      assert.equal(formatNumber(-Infinity), '-Inf');
      assert.equal(formatNumber(NaN), 'NaN');
    });

    it('writes special values in samples', () => {
      golden(
        batch([
          scope('f', [
            gauge('special', [num(NaN, { v: 'nan' }), num(Infinity, { v: 'inf' }), num(-Infinity, { v: 'ninf' }), num(5e-324, { v: 'tiny' }), num(1e21, { v: 'huge' })], {
              description: 'Special',
            }),
          ]),
        ]),
        [
          '# HELP special Special',
          '# TYPE special gauge',
          'special{v="nan",otel_scope_name="f"} NaN',
          'special{v="inf",otel_scope_name="f"} +Inf',
          'special{v="ninf",otel_scope_name="f"} -Inf',
          'special{v="tiny",otel_scope_name="f"} 5e-324',
          'special{v="huge",otel_scope_name="f"} 1e+21',
        ],
      );
    });
  });
});

// ---------------------------------------------------------------------------------------------

/** A sample as a program would expose it: every kind, resource, scopes, escapes; lint-clean units. */
function richSample(): ResourceMetrics {
  return batch(
    [
      scope(
        'http',
        [
          histogram(
            'http.server.request.duration',
            [
              hist({ 'http.request.method': 'GET', 'http.route': '/users/:id', 'http.response.status_code': 200 }, [0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5], [3, 4, 1, 0, 0, 2, 0, 0, 1], 7.25),
              hist({ 'http.request.method': 'POST', 'http.route': '/orders', 'http.response.status_code': 500 }, [0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5], [0, 0, 0, 0, 0, 0, 0, 1, 0], 2),
            ],
            { description: 'Duration of HTTP server requests.', unit: 's' },
          ),
          upDown('http.server.active_requests', [num(2, { 'http.request.method': 'GET' })], { description: 'Number of active HTTP server requests.', unit: '{request}' }),
          counter('http.server.requests', [num(11, { 'http.route': 'with "quotes" and \\ and\nnewline' })], { description: 'Requests.\nSecond line with \\.', unit: '{request}' }),
        ],
        '0.1.0',
        'https://opentelemetry.io/schemas/1.26.0',
      ),
      scope('process', [
        gauge('process.cpu.utilization', [num(0.125, { 'cpu.mode': 'user' }), num(NaN, { 'cpu.mode': 'system' })], { description: 'CPU utilization.', unit: '1' }),
        counter('process.network.io', [num(1.5e9, { 'network.io.direction': 'receive' })], { description: 'Network bytes.', unit: 'By' }),
        gauge('process.memory.usage', [num(Infinity), num(-Infinity, { kind: 'odd' })], { description: 'Memory.', unit: 'By' }),
        gauge('throughput', [num(1024.5)], { description: 'Throughput.', unit: 'By/s' }),
      ]),
      scope('other', [counter('http.server.requests', [num(3, { 'http.route': '/other' })], { description: 'Requests.\nSecond line with \\.', unit: '{request}' })], '2.0.0'),
    ],
    { 'service.name': 'rich', 'service.version': '1.0.0', 'host.name': 'box "one"\\two', 'process.pid': 1234, 'process.command_args': ['node', 'app.js'] },
  );
}

describe('promtool check metrics', () => {
  const probe = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  const skip = probe.error ? 'promtool is not on PATH (Debian: apt-get install prometheus)' : false;
  // .ci/run installs it: under CI a missing promtool is a failure, not a skip.
  if (skip && process.env.CI === 'true') throw new Error(`${skip}, and CI=true`);

  const check = (input: string) => spawnSync('promtool', ['check', 'metrics'], { input, encoding: 'utf8' });

  it('accepts a rich sample without a single lint problem', { skip }, () => {
    const out = toPrometheusText(richSample(), { onDropped: (m, r) => assert.fail(`${m} ${r}`) });
    const r = check(out);
    assert.equal(r.status, 0, `promtool: ${r.stdout}${r.stderr}\n--- input ---\n${out}`);
  });

  it('parses every text the golden tests wrote (lint remarks such as "no help text" allowed)', { skip }, () => {
    assert.ok(produced.length > 20);
    for (const out of produced) {
      if (out === '') continue;
      const r = check(out);
      // 0: clean; 3: lint remarks only; 1: the text does not parse
      assert.ok(r.status === 0 || r.status === 3, `promtool (${r.status}): ${r.stdout}${r.stderr}\n--- input ---\n${out}`);
      assert.doesNotMatch(`${r.stdout}${r.stderr}`, /error while linting/);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The endpoint

interface Line {
  level: string;
  message: string;
}

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
    once(key: string, level: string, message: string) {
      if (seen.has(key)) return;
      seen.add(key);
      lines.push({ level, message });
    },
    child: () => d,
  };
  return d;
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(port: number, path: string, method = 'GET', agent?: http.Agent): Promise<Reply> {
  return new Promise((resolvePromise, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, ...(agent ? { agent } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('PrometheusExporter', () => {
  const exporters: PrometheusExporter[] = [];
  after(async () => {
    for (const e of exporters) await e.shutdown();
  });

  async function started(collect: () => Promise<ResourceMetrics | undefined>, extra: { suppressed?: <R>(fn: () => R) => R } = {}) {
    const diag = recordingDiag();
    const exporter = new PrometheusExporter({ host: '127.0.0.1', port: 0, collect, diag, ...extra });
    exporters.push(exporter);
    await exporter.start();
    const port = exporter.address?.port;
    assert.ok(port, `not listening: ${JSON.stringify(diag.lines)}`);
    return { exporter, diag, port };
  }

  it('serves GET /metrics in the text format, collecting per scrape', async () => {
    let collections = 0;
    const sample = richSample();
    const { port } = await started(async () => {
      collections++;
      return sample;
    });
    const r = await request(port, '/metrics');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], CONTENT_TYPE);
    assert.equal(r.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(r.body, toPrometheusText(sample));
    assert.equal(Number(r.headers['content-length']), Buffer.byteLength(r.body));
    const again = await request(port, '/metrics?x=1');
    assert.equal(again.status, 200);
    assert.equal(collections, 2);
  });

  it('answers HEAD without a body', async () => {
    const { port } = await started(async () => richSample());
    const r = await request(port, '/metrics', 'HEAD');
    assert.equal(r.status, 200);
    assert.equal(r.body, '');
    assert.equal(r.headers['content-type'], CONTENT_TYPE);
  });

  it('serves an empty page when there is nothing to collect', async () => {
    const { port } = await started(async () => undefined);
    const r = await request(port, '/metrics');
    assert.equal(r.status, 200);
    assert.equal(r.body, '');
  });

  it('answers 404 elsewhere and 405 to other methods, without collecting', async () => {
    let collections = 0;
    const { port } = await started(async () => {
      collections++;
      return richSample();
    });
    assert.equal((await request(port, '/')).status, 404);
    assert.equal((await request(port, '/metricsx')).status, 404);
    assert.equal((await request(port, '/favicon.ico')).status, 404);
    const post = await request(port, '/metrics', 'POST');
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
    assert.equal(collections, 0);
  });

  it('answers 500 when collecting fails, warns once per streak, and recovers', async () => {
    let fail = true;
    const { port, diag } = await started(async () => {
      if (fail) throw new Error('meter provider exploded');
      return richSample();
    });
    assert.equal((await request(port, '/metrics')).status, 500);
    assert.equal((await request(port, '/metrics')).status, 500);
    const warnings = diag.lines.filter((l) => l.level === 'warn');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.message, /meter provider exploded/);
    fail = false;
    assert.equal((await request(port, '/metrics')).status, 200);
  });

  it('answers 500 when collect throws synchronously', async () => {
    const { port } = await started((() => {
      throw new Error('sync');
    }) as () => Promise<ResourceMetrics>);
    assert.equal((await request(port, '/metrics')).status, 500);
  });

  it('reports metrics it cannot expose through diag, once each', async () => {
    const b = batch([scope('d', [counter('deltas', [num(1)], {}, Temporality.DELTA)])]);
    const { port, diag } = await started(async () => b);
    await request(port, '/metrics');
    await request(port, '/metrics');
    const warnings = diag.lines.filter((l) => l.level === 'warn');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.message, /deltas has delta temporality/);
  });

  it('runs the server and each scrape with tracing suppressed', async () => {
    const store = new AsyncLocalStorage<string>();
    let seen: string | undefined = 'not collected';
    const suppressed = <R>(fn: () => R): R => store.run('suppressed', fn);
    const { port } = await started(
      async () => {
        seen = store.getStore();
        return undefined;
      },
      { suppressed },
    );
    // the request is made outside the store: only the exporter can have put it there
    assert.equal(store.getStore(), undefined);
    await request(port, '/metrics');
    assert.equal(seen, 'suppressed');
  });

  it('warns, naming host, port and the setting, when the port is in use; never throws', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const diag = recordingDiag();
      const exporter = new PrometheusExporter({ host: '127.0.0.1', port, collect: async () => undefined, diag });
      await exporter.start();
      assert.equal(exporter.address, undefined);
      const warnings = diag.lines.filter((l) => l.level === 'warn');
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
      assert.match(warnings[0]!.message, /in use/);
      assert.match(warnings[0]!.message, /OTEL_EXPORTER_PROMETHEUS_PORT/);
      await exporter.shutdown();
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('warns about a host it cannot bind, and never throws', async () => {
    const diag = recordingDiag();
    // TEST-NET-1 (RFC 5737): never an address of this machine
    const exporter = new PrometheusExporter({ host: '192.0.2.1', port: 0, collect: async () => undefined, diag });
    await exporter.start();
    assert.equal(exporter.address, undefined);
    const warnings = diag.lines.filter((l) => l.level === 'warn');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.message, /192\.0\.2\.1:0/);
    assert.match(warnings[0]!.message, /OTEL_EXPORTER_PROMETHEUS_HOST/);
  });

  it('starts once, and stops listening on shutdown', async () => {
    const { exporter, port } = await started(async () => undefined);
    await exporter.start();
    assert.equal(exporter.address?.port, port);
    await exporter.shutdown();
    assert.equal(exporter.address, undefined);
    await assert.rejects(request(port, '/metrics'), /ECONNREFUSED/);
    await exporter.shutdown();
    await exporter.start();
    assert.equal(exporter.address, undefined);
  });

  it('closes keep-alive connections on shutdown', async () => {
    const { exporter, port } = await started(async () => undefined);
    const agent = new http.Agent({ keepAlive: true });
    try {
      assert.equal((await request(port, '/metrics', 'GET', agent)).status, 200);
      await exporter.shutdown();
    } finally {
      agent.destroy();
    }
  });

  it('never keeps the program alive, not even with scrapers connected', async () => {
    // The child starts the endpoint and holds on only while its stdin is open. The test scrapes it
    // over a connection it keeps open, opens a second one with a request begun and not finished (a
    // server waits for such a request's headers for half a minute at least), waits until the child
    // has accepted both, then closes the child's stdin: the child must end on its own, with both
    // connections still open, long before the guard below would kill it.
    const program = `
      const { PrometheusExporter } = require(${JSON.stringify(MODULE)});
      let accepted = 0;
      require('node:diagnostics_channel').subscribe('net.server.socket', () => process.stdout.write('accepted ' + ++accepted + '\\n'));
      const diag = { warn: (m) => process.stderr.write(m + '\\n'), error() {}, info() {}, debug() {}, verbose() {}, enabled: () => false, once() {}, child() { return diag; } };
      const batch = { resource: { attributes: { 'service.name': 'child' } }, scopeMetrics: [] };
      const exporter = new PrometheusExporter({ host: '127.0.0.1', port: 0, collect: async () => batch, diag });
      exporter.start().then(() => process.stdout.write('port ' + exporter.address.port + '\\n'));
      process.stdin.resume();
      process.stdin.on('end', () => process.stdin.pause());
    `;
    const child = spawn(process.execPath, ['-e', program], { stdio: ['pipe', 'pipe', 'pipe'], env: bareEnv() });
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    let stdout = '';
    let stderr = '';
    const waiters: Array<() => void> = [];
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      for (const w of waiters.splice(0)) w();
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
      child.on('exit', (code, signal) => {
        for (const w of waiters.splice(0)) w();
        r({ code, signal });
      }),
    );
    /** Resolves with the first match of `re` in the child's stdout. */
    const printed = (re: RegExp) =>
      new Promise<RegExpExecArray>((resolveMatch, reject) => {
        const look = () => {
          const m = re.exec(stdout);
          if (m) resolveMatch(m);
          else if (child.exitCode !== null || child.signalCode !== null) reject(new Error(`the child ended early: ${stdout}${stderr}`));
          else waiters.push(look);
        };
        look();
      });
    const sockets: net.Socket[] = [];
    try {
      const port = Number((await printed(/port (\d+)/))[1]);
      const scraper = net.connect(port, '127.0.0.1');
      const slow = net.connect(port, '127.0.0.1');
      sockets.push(scraper, slow);
      const response = await new Promise<string>((resolveResponse, reject) => {
        let got = '';
        scraper.setEncoding('utf8');
        scraper.on('data', (c: string) => {
          got += c;
          if (got.includes('target_info{service_name="child"} 1\n')) resolveResponse(got);
        });
        scraper.on('error', reject);
        scraper.write('GET /metrics HTTP/1.1\r\nHost: test\r\nConnection: keep-alive\r\n\r\n');
      });
      assert.match(response, /^HTTP\/1\.1 200/);
      slow.write('GET /metrics HTTP/1.1\r\nHost: test\r\n');
      await printed(/accepted 2/);
      child.stdin.end();
      const { code, signal } = await exited;
      assert.equal(signal, null, `the child was kept alive and had to be killed; stderr: ${stderr}`);
      assert.equal(code, 0, stderr);
    } finally {
      clearTimeout(guard);
      for (const s of sockets) s.destroy();
      child.kill('SIGKILL');
    }
  });
});

describe('PrometheusExporter under our own http instrumentation', () => {
  // The http instrumentation patches this process's http module (Server.prototype.emit) for the
  // tests below only; the exporter is given the suppression the agent gives it.
  const engine = testEngine();
  const { contextManager, memory } = engine;
  const suppressed = <R>(fn: () => R): R => contextManager.with(suppressTracing(contextManager.active()), fn);
  let registry: Registry;
  before(() => {
    registry = new Registry(
      CATALOG.filter((e) => e.id === 'http'),
      engine.config,
      realDiag,
      engine.services,
    );
    registry.onModule('http', http, undefined, 'commonjs');
  });
  after(() => registry.disable('http'));

  const SERVER = 1;
  const serverSpans = () => memory.spans.filter((s) => s.kind === SERVER);

  it('traces a server of the program (the instrumentation is on)', async () => {
    memory.clear();
    const server = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      await request((server.address() as net.AddressInfo).port, '/');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
    assert.equal(serverSpans().length, 1);
  });

  it('does not trace scrapes of the endpoint', async () => {
    memory.clear();
    const exporter = new PrometheusExporter({ host: '127.0.0.1', port: 0, collect: async () => richSample(), diag: recordingDiag(), suppressed });
    await exporter.start();
    try {
      const port = exporter.address!.port;
      assert.equal((await request(port, '/metrics')).status, 200);
      assert.equal((await request(port, '/nothing')).status, 404);
    } finally {
      await exporter.shutdown();
    }
    assert.deepEqual(
      serverSpans().map((s) => s.name),
      [],
    );
  });
});
