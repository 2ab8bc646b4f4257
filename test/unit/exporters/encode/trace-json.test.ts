import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { encodeTraceRequest } from '../../../../src/exporters/otlp/encode/trace';
import { encodeTraceRequestJson, encodeTraceRequestJsonBuffer } from '../../../../src/exporters/otlp/encode/trace-json';
import { SpanKind, StatusCode } from '../../../../src/trace/types';
import {
  asJson,
  batch,
  decodeTraceRequest,
  expectedBatch,
  expectedServerSpan,
  REMOTE_PARENT,
  serverSpan,
  span,
  SPAN_1,
  SPAN_2,
  TRACE_1,
  traceState,
} from './fixtures';

const parse = (text: string): Record<string, unknown> => JSON.parse(text) as Record<string, unknown>;

function onlySpan(text: string): Record<string, unknown> {
  const req = parse(text) as { resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
  return req.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
}

describe('encodeTraceRequestJson (OTLP/JSON)', () => {
  it('encodes a realistic batch to exactly the expected request', () => {
    assert.deepStrictEqual(parse(encodeTraceRequestJson(batch)), asJson(expectedBatch));
  });

  it('agrees with the official decoding of our protobuf (proto3 JSON options, ids in hex)', () => {
    const fromProtobuf = decodeTraceRequest(encodeTraceRequest(batch), { longs: String, bytes: String, json: true });
    assert.deepStrictEqual(parse(encodeTraceRequestJson(batch)), fromProtobuf);
  });

  it('writes a span field by field per the OTLP/JSON rules', () => {
    const s = onlySpan(encodeTraceRequestJson([serverSpan]));
    // ids: lower-case hex strings, not base64
    assert.equal(s['traceId'], TRACE_1);
    assert.equal(s['spanId'], SPAN_1);
    assert.equal(s['parentSpanId'], REMOTE_PARENT);
    assert.equal(s['traceState'], 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
    // enums and 32-bit integers are numbers
    assert.equal(s['kind'], 2);
    assert.equal(s['flags'], 0x301);
    assert.equal(s['droppedAttributesCount'], 2);
    assert.equal(s['droppedEventsCount'], 3);
    assert.equal(s['droppedLinksCount'], 4);
    assert.deepStrictEqual(s['status'], { message: 'Internal Server Error', code: 2 });
    // 64-bit integers are decimal strings
    assert.equal(s['startTimeUnixNano'], '1700000000123456789');
    assert.equal(s['endTimeUnixNano'], '1700000000987654321');
    const attributes = s['attributes'] as { key: string; value: Record<string, unknown> }[];
    const byKey = Object.fromEntries(attributes.map((a) => [a.key, a.value]));
    assert.deepStrictEqual(byKey['http.response.status_code'], { intValue: '200' });
    assert.deepStrictEqual(byKey['min.safe.int'], { intValue: '-9007199254740991' });
    assert.deepStrictEqual(byKey['nan'], { doubleValue: 'NaN' });
    assert.deepStrictEqual(byKey['infinity'], { doubleValue: 'Infinity' });
    assert.deepStrictEqual(byKey['negative.infinity'], { doubleValue: '-Infinity' });
    assert.deepStrictEqual(byKey['double'], { doubleValue: 0.25 });
    assert.deepStrictEqual(byKey['empty.string'], { stringValue: '' });
    assert.deepStrictEqual(byKey['strings'], { arrayValue: { values: [{ stringValue: 'a' }, {}, { stringValue: '' }, { stringValue: 'ü' }] } });
    assert.deepStrictEqual(byKey['empty.array'], { arrayValue: {} });
    assert.deepStrictEqual(s['links'], asJson(expectedServerSpan.links));
    assert.deepStrictEqual(s['events'], asJson(expectedServerSpan.events));
    // lowerCamelCase only
    assert.equal(/"[a-z]+_[a-z_]+":/.test(encodeTraceRequestJson([serverSpan]).replace(/"key":"[^"]*"/g, '')), false);
  });

  it('omits default values', () => {
    const text = encodeTraceRequestJson([
      span({
        name: '',
        traceFlags: 0,
        kind: SpanKind.INTERNAL,
        startTime: [0, 0],
        endTime: [0, 0],
        status: { code: StatusCode.UNSET },
        resource: { attributes: {} },
        instrumentationScope: { name: '' },
      }),
    ]);
    assert.deepStrictEqual(parse(text), {
      resourceSpans: [{ resource: {}, scopeSpans: [{ scope: {}, spans: [{ traceId: TRACE_1, spanId: SPAN_1, kind: 1 }] }] }],
    });
  });

  it('writes ids in lower case whatever their case', () => {
    const s = onlySpan(
      encodeTraceRequestJson([
        span({
          traceId: TRACE_1.toUpperCase(),
          spanId: SPAN_1.toUpperCase(),
          parentSpanId: SPAN_2.toUpperCase(),
          links: [{ context: { traceId: 'ABCDEF0123456789ABCDEF0123456789', spanId: 'FEDCBA9876543210', traceFlags: 1 }, attributes: {}, droppedAttributesCount: 0 }],
        }),
      ]),
    );
    assert.equal(s['traceId'], TRACE_1);
    assert.equal(s['spanId'], SPAN_1);
    assert.equal(s['parentSpanId'], SPAN_2);
    assert.deepStrictEqual(s['links'], [{ traceId: 'abcdef0123456789abcdef0123456789', spanId: 'fedcba9876543210', flags: 1 }]);
  });

  it('stays valid JSON with hostile strings (quotes, control characters, lone surrogates) and garbage ids', () => {
    const nasty = 'a"b\\c\n\r\t\u0000\u001f\u2028\u2029 \ud800 😀 </script>';
    const text = encodeTraceRequestJson([
      span({
        traceId: 'not"hex\\',
        name: nasty,
        attributes: { [nasty]: nasty },
        traceState: traceState(nasty),
        resource: { attributes: { [nasty]: [nasty] } },
        instrumentationScope: { name: nasty, version: nasty, schemaUrl: nasty },
      }),
    ]);
    const req = parse(text) as {
      resourceSpans: { resource: { attributes: { key: string }[] }; scopeSpans: { scope: { name: string }; schemaUrl: string; spans: Record<string, unknown>[] }[] }[];
    };
    const s = req.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    assert.equal(s['traceId'], 'not"hex\\');
    assert.equal(s['name'], nasty);
    assert.equal(s['traceState'], nasty);
    assert.deepStrictEqual(s['attributes'], [{ key: nasty, value: { stringValue: nasty } }]);
    assert.equal(req.resourceSpans[0]!.resource.attributes[0]!.key, nasty);
    assert.equal(req.resourceSpans[0]!.scopeSpans[0]!.scope.name, nasty);
    assert.equal(req.resourceSpans[0]!.scopeSpans[0]!.schemaUrl, nasty);
  });

  it('writes `{}` for an empty batch', () => {
    assert.equal(encodeTraceRequestJson([]), '{}');
  });

  it('gives the same UTF-8 as a Buffer as it does as a string', () => {
    const text = encodeTraceRequestJson(batch);
    const buf = encodeTraceRequestJsonBuffer(batch);
    assert.ok(Buffer.isBuffer(buf));
    assert.equal(buf.toString('utf8'), text);
    assert.equal(buf.length, Buffer.byteLength(text));
  });

  it('writes exact decimal nanoseconds, including unnormalized HrTimes', () => {
    const cases: [[number, number], string][] = [
      [[0, 5], '5'],
      [[1, 5], '1000000005'],
      [[18446744073, 709551615], '18446744073709551615'],
      [[1700000000, 1500000000], '1700000001500000000'],
    ];
    for (const [t, expected] of cases) {
      assert.equal(onlySpan(encodeTraceRequestJson([span({ startTime: t })]))['startTimeUnixNano'], expected);
    }
  });

  it('returns independent buffers for successive requests (the writer is reused)', () => {
    const first = encodeTraceRequestJsonBuffer([serverSpan]);
    const copy = Buffer.from(first);
    encodeTraceRequestJsonBuffer(batch);
    assert.deepStrictEqual(first, copy);
  });

  it('grows past its initial buffer', () => {
    const spans = Array.from({ length: 300 }, (_, i) => span({ name: `n${i}`, attributes: { big: 'z'.repeat(1000 + i) } }));
    const req = parse(encodeTraceRequestJson(spans)) as { resourceSpans: { scopeSpans: { spans: { name: string; attributes: { value: { stringValue: string } }[] }[] }[] }[] };
    const got = req.resourceSpans[0]!.scopeSpans[0]!.spans;
    assert.equal(got.length, 300);
    assert.equal(got[299]!.name, 'n299');
    assert.equal(got[299]!.attributes[0]!.value.stringValue, 'z'.repeat(1299));
  });
});
