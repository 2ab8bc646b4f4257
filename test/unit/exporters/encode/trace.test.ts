import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { encodeTraceRequest, encodeTraceRequestSliced, spanFlags } from '../../../../src/exporters/otlp/encode/trace';
import { type HrTime, SpanKind, StatusCode } from '../../../../src/trace/types';
import {
  batch,
  clientSpan,
  decodeTraceRequest,
  expectedBatch,
  ExportTraceServiceRequest,
  REMOTE_PARENT,
  resourceA,
  resourceB,
  scopeHttp,
  scopePg,
  serverSpan,
  span,
  SPAN_1,
  SPAN_2,
  TRACE_1,
} from './fixtures';

/** The only span of a one-span request, as decoded by the official definitions. */
function decodedSpan(bytes: Uint8Array): Record<string, unknown> {
  const req = decodeTraceRequest(bytes) as { resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
  assert.equal(req.resourceSpans.length, 1);
  assert.equal(req.resourceSpans[0]!.scopeSpans.length, 1);
  assert.equal(req.resourceSpans[0]!.scopeSpans[0]!.spans.length, 1);
  return req.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
}

describe('encodeTraceRequest (binary protobuf), decoded with the official definitions', () => {
  it('decodes a realistic batch to exactly the expected request', () => {
    assert.deepStrictEqual(decodeTraceRequest(encodeTraceRequest(batch)), expectedBatch);
  });

  it('writes canonical bytes: the official encoder re-encodes the decoded request to the same bytes', () => {
    const ours = encodeTraceRequest(batch);
    const theirs = ExportTraceServiceRequest.encode(ExportTraceServiceRequest.decode(ours)).finish();
    assert.equal(Buffer.from(ours).toString('hex'), Buffer.from(theirs).toString('hex'));
  });

  it('groups by resource identity, then scope identity, in order of first appearance', () => {
    const twinOfA = { attributes: { ...resourceA.attributes }, schemaUrl: resourceA.schemaUrl };
    const twinOfHttp = { ...scopeHttp };
    const spans = [
      span({ spanId: '0000000000000001', resource: resourceB, instrumentationScope: scopePg }),
      span({ spanId: '0000000000000002', resource: resourceA, instrumentationScope: scopeHttp }),
      span({ spanId: '0000000000000003', resource: twinOfA, instrumentationScope: scopeHttp }),
      span({ spanId: '0000000000000004', resource: resourceB, instrumentationScope: scopeHttp }),
      span({ spanId: '0000000000000005', resource: resourceA, instrumentationScope: twinOfHttp }),
      span({ spanId: '0000000000000006', resource: resourceB, instrumentationScope: scopePg }),
      span({ spanId: '0000000000000007', resource: resourceA, instrumentationScope: scopeHttp }),
    ];
    const req = decodeTraceRequest(encodeTraceRequest(spans)) as {
      resourceSpans: { resource: { attributes: { value: { stringValue: string } }[] }; scopeSpans: { scope: { name: string }; spans: { spanId: string }[] }[] }[];
    };
    const shape = req.resourceSpans.map((rs) => [
      rs.resource.attributes[0]!.value.stringValue,
      rs.scopeSpans.map((ss) => [ss.scope.name, ss.spans.map((s) => Number.parseInt(s.spanId, 16))]),
    ]);
    assert.deepStrictEqual(shape, [
      ['wörker ✓', [['pg', [1, 6]], ['@opentelemetry/instrumentation-http', [4]]]],
      ['checkout', [['@opentelemetry/instrumentation-http', [2, 7]], ['@opentelemetry/instrumentation-http', [5]]]],
      ['checkout', [['@opentelemetry/instrumentation-http', [3]]]],
    ]);
  });

  it('writes nothing for an empty batch (an empty request)', () => {
    const bytes = encodeTraceRequest([]);
    assert.equal(bytes.length, 0);
    assert.deepStrictEqual(decodeTraceRequest(bytes), {});
  });

  it('encodes HrTime as exact fixed64 nanoseconds, up to the largest uint64', () => {
    const times: HrTime[] = [
      [0, 1],
      [1, 0],
      [0, 999999999],
      [9007199, 254740991],
      [9007199, 254740993],
      [1700000000, 123456789],
      [4294967295, 999999999],
      [4294967296, 0],
      [4294967296, 999999999],
      [9223372036, 854775807],
      [9223372036, 854775808],
      [18446744073, 709551615],
    ];
    for (const t of times) {
      const expected = (BigInt(t[0]) * 1000000000n + BigInt(t[1])).toString();
      const got = decodedSpan(encodeTraceRequest([span({ startTime: t, endTime: t })]));
      assert.equal(got['startTimeUnixNano'], expected, `start ${t}`);
      assert.equal(got['endTimeUnixNano'], expected, `end ${t}`);
    }
  });

  it('matches exact fixed64 times for many random HrTimes', () => {
    let seed = 12345;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
    for (let i = 0; i < 500; i++) {
      const t: HrTime = [Math.floor(rand() * 18446744073), Math.floor(rand() * 1e9)];
      const got = decodedSpan(encodeTraceRequest([span({ startTime: t, endTime: [1, 0] })]));
      assert.equal(got['startTimeUnixNano'], (BigInt(t[0]) * 1000000000n + BigInt(t[1])).toString(), `${t}`);
    }
  });

  it('writes hex ids as bytes, upper-case hex included', () => {
    const lower = decodedSpan(encodeTraceRequest([span({ traceId: TRACE_1, spanId: SPAN_1, parentSpanId: SPAN_2 })]));
    const upper = decodedSpan(
      encodeTraceRequest([span({ traceId: TRACE_1.toUpperCase(), spanId: SPAN_1.toUpperCase(), parentSpanId: SPAN_2.toUpperCase() })]),
    );
    assert.equal(lower['traceId'], TRACE_1);
    assert.equal(lower['spanId'], SPAN_1);
    assert.equal(lower['parentSpanId'], SPAN_2);
    assert.deepStrictEqual(upper, lower);
  });

  it('sets the span flags from the trace flags and whether the parent is remote', () => {
    const cases: [number, boolean | undefined, number | undefined][] = [
      [0, undefined, undefined],
      [1, undefined, 0x001],
      [1, false, 0x101],
      [1, true, 0x301],
      [0, true, 0x300],
      [0, false, 0x100],
      [0xff, undefined, 0xff],
      [0x1ff, true, 0x3ff],
    ];
    for (const [traceFlags, parentIsRemote, expected] of cases) {
      const got = decodedSpan(encodeTraceRequest([span({ traceFlags, parentSpanId: REMOTE_PARENT, parentIsRemote })]));
      assert.equal(got['flags'], expected, `traceFlags ${traceFlags}, parentIsRemote ${parentIsRemote}`);
      assert.equal(spanFlags(traceFlags, parentIsRemote), expected ?? 0);
    }
  });

  it('writes the OTLP span kind (the API kind + 1)', () => {
    const kinds = [SpanKind.INTERNAL, SpanKind.SERVER, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER];
    assert.deepStrictEqual(
      kinds.map((kind) => decodedSpan(encodeTraceRequest([span({ kind })]))['kind']),
      [1, 2, 3, 4, 5],
    );
  });

  it('omits default values as proto3 does', () => {
    const minimal = span({
      name: '',
      traceFlags: 0,
      startTime: [0, 0],
      endTime: [0, 0],
      status: { code: StatusCode.UNSET, message: '' },
      resource: { attributes: {} },
      instrumentationScope: { name: '', version: '', schemaUrl: '' },
    });
    const req = decodeTraceRequest(encodeTraceRequest([minimal]));
    assert.deepStrictEqual(req, {
      resourceSpans: [{ resource: {}, scopeSpans: [{ scope: {}, spans: [{ traceId: TRACE_1, spanId: SPAN_1, kind: 1 }] }] }],
    });
  });

  it('writes the status: ERROR with its message, OK alone, nothing for UNSET', () => {
    const status = (s: { code: StatusCode; message?: string }) => decodedSpan(encodeTraceRequest([span({ status: s })]))['status'];
    assert.deepStrictEqual(status({ code: StatusCode.ERROR, message: 'boom' }), { code: 2, message: 'boom' });
    assert.deepStrictEqual(status({ code: StatusCode.ERROR }), { code: 2 });
    assert.deepStrictEqual(status({ code: StatusCode.OK }), { code: 1 });
    assert.equal(status({ code: StatusCode.UNSET }), undefined);
  });

  it('replaces lone surrogates with U+FFFD instead of writing invalid UTF-8', () => {
    const bytes = encodeTraceRequest([span({ name: 'a\ud800b', attributes: { ['k\udc00']: 'truncated \ud83d', long: `${'x'.repeat(50)}\ud800` } })]);
    // the UTF-8 of a surrogate (ED A0..BF xx) must not appear
    assert.equal(/\xed[\xa0-\xbf]/.test(Buffer.from(bytes).toString('latin1')), false);
    const got = decodedSpan(bytes);
    assert.equal(got['name'], 'a\ufffdb');
    assert.deepStrictEqual(got['attributes'], [
      { key: 'k\ufffd', value: { stringValue: 'truncated \ufffd' } },
      { key: 'long', value: { stringValue: `${'x'.repeat(50)}\ufffd` } },
    ]);
    // a valid pair is kept
    assert.equal(decodedSpan(encodeTraceRequest([span({ name: '😀' })]))['name'], '😀');
  });

  it('returns independent buffers for successive requests (the writer is reused)', () => {
    const first = encodeTraceRequest([serverSpan]);
    const copy = Buffer.from(first);
    const second = encodeTraceRequest([clientSpan, clientSpan, clientSpan]);
    assert.deepStrictEqual(Buffer.from(first), copy);
    assert.equal((decodeTraceRequest(second) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] }).resourceSpans[0]!.scopeSpans[0]!.spans.length, 3);
  });

  it('encodes a large batch (lengths beyond one varint byte at every level)', () => {
    const spans = Array.from({ length: 2000 }, (_, i) =>
      span({ spanId: i.toString(16).padStart(16, '0').replace(/^0/, '1'), name: `op ${i}`, attributes: { i, text: 'y'.repeat(i % 300) } }),
    );
    const req = decodeTraceRequest(encodeTraceRequest(spans)) as {
      resourceSpans: { scopeSpans: { spans: { name: string; attributes: { value: { intValue?: string; stringValue?: string } }[] }[] }[] }[];
    };
    const got = req.resourceSpans[0]!.scopeSpans[0]!.spans;
    assert.equal(got.length, 2000);
    for (let i = 0; i < 2000; i += 97) {
      assert.equal(got[i]!.name, `op ${i}`);
      assert.equal(got[i]!.attributes[0]!.value.intValue, String(i));
      assert.equal(got[i]!.attributes[1]!.value.stringValue, 'y'.repeat(i % 300));
    }
  });
});

describe('encodeTraceRequestSliced: the same request, a slice of spans per step', () => {
  /** Spans over two resources and two scopes each, interleaved, `n` in all. */
  const mixed = (n: number) =>
    Array.from({ length: n }, (_, i) =>
      span({
        name: `op ${i}`,
        spanId: (i + 1).toString(16).padStart(16, '0'),
        attributes: { 'http.request.method': 'GET', i },
        resource: i % 3 === 0 ? resourceB : resourceA,
        instrumentationScope: i % 2 === 0 ? scopePg : scopeHttp,
      }),
    );

  for (const [n, slice] of [
    [0, 64],
    [1, 64],
    [63, 64],
    [64, 64],
    [65, 64],
    [300, 64],
    [300, 1],
    [10, 7],
  ] as const) {
    it(`${n} spans in slices of ${slice}: byte for byte what encodeTraceRequest writes, pausing between slices`, () => {
      const spans = mixed(n);
      const expected = Buffer.from(encodeTraceRequest(spans));
      const steps = encodeTraceRequestSliced(spans, slice);
      let pauses = 0;
      let next = steps.next();
      while (!next.done) {
        pauses++;
        next = steps.next();
      }
      assert.deepEqual(Buffer.from(next.value), expected);
      assert.equal(pauses, n === 0 ? 0 : Math.ceil(n / slice) - 1);
    });
  }

  it('bodies of steps interleaved with other encodes stay intact', () => {
    const spans = mixed(200);
    const expected = Buffer.from(encodeTraceRequest(spans));
    const steps = encodeTraceRequestSliced(spans, 64);
    let next = steps.next();
    const others: Array<[Uint8Array, Buffer]> = [];
    while (!next.done) {
      // Another exporter encodes meanwhile (a log batch, a metric collection): its own writer.
      const other = encodeTraceRequest(mixed(5));
      others.push([other, Buffer.from(other)]);
      next = steps.next();
    }
    assert.deepEqual(Buffer.from(next.value), expected);
    for (const [body, copy] of others) assert.deepEqual(Buffer.from(body), copy);
  });
});
