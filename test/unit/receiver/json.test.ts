import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  DecodeError,
  decodeJsonRequest,
  decodeProtobufRequest,
  flattenLogs,
  flattenMetrics,
  flattenTraces,
  type Signal,
} from '../../../src/receiver';
import { encodeRequest, FIXTURES, SPAN_ID, TRACE_ID } from '../../helpers/otlp-official';

const SIGNALS: Signal[] = ['traces', 'metrics', 'logs'];

function decodeError(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DecodeError, `a DecodeError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a DecodeError');
}

/** The same object with every key renamed to snake_case (attribute keys are values: untouched). */
function snakeKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(snakeKeys);
  if (v && typeof v === 'object' && !Buffer.isBuffer(v)) {
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snakeKeys(x)]),
    );
  }
  return v;
}

/** A traces request with one span made of `span` (JSON text). */
const spanRequest = (span: string) => `{"resourceSpans":[{"scopeSpans":[{"spans":[${span}]}]}]}`;
const firstSpan = (text: string) => decodeJsonRequest('traces', text).resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
const attribute = (value: string) => spanRequest(`{"attributes":[{"key":"a","value":${value}}]}`);

describe('decodeJsonRequest', () => {
  for (const signal of SIGNALS) {
    it(`decodes the hand-written OTLP/JSON ${signal} request into the tree the official protobuf encoding gives`, () => {
      const fromJson = decodeJsonRequest(signal, JSON.stringify(FIXTURES[signal].json));
      const fromProtobuf = decodeProtobufRequest(signal, encodeRequest(signal, FIXTURES[signal].official));
      assert.deepStrictEqual(fromJson, fromProtobuf);
      const flat =
        signal === 'traces'
          ? flattenTraces(fromJson as never, 'http/json')
          : signal === 'metrics'
            ? flattenMetrics(fromJson as never, 'http/json')
            : flattenLogs(fromJson as never, 'http/json');
      assert.deepStrictEqual(
        flat,
        FIXTURES[signal].expected.map((e) => ({ ...e, protocol: 'http/json' })),
      );
    });

    it(`accepts the ${signal} request with snake_case field names`, () => {
      const snake = JSON.stringify(snakeKeys(FIXTURES[signal].json));
      assert.ok(snake.includes('"scope_') || snake.includes('"resource_'), 'the keys were renamed');
      assert.deepStrictEqual(
        decodeJsonRequest(signal, snake),
        decodeJsonRequest(signal, JSON.stringify(FIXTURES[signal].json)),
      );
    });
  }

  it('accepts a Buffer, a UTF-8 byte order mark, and whitespace', () => {
    const text = ` \n${JSON.stringify(FIXTURES.logs.json)}\n `;
    const expected = decodeJsonRequest('logs', text);
    assert.deepStrictEqual(decodeJsonRequest('logs', Buffer.from(`\ufeff${text}`)), expected);
    assert.deepStrictEqual(decodeJsonRequest('logs', new Uint8Array(Buffer.from(text))), expected);
  });

  it('accepts enum value names', () => {
    const span = firstSpan(spanRequest('{"kind":"SPAN_KIND_CLIENT","status":{"code":"STATUS_CODE_ERROR"}}'));
    assert.equal(span.kind, 3);
    assert.equal(span.status.code, 2);
    const metrics = decodeJsonRequest(
      'metrics',
      '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"sum":{"aggregationTemporality":"AGGREGATION_TEMPORALITY_DELTA"}}]}]}]}',
    );
    assert.equal(metrics.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.sum!.aggregationTemporality, 1);
    const severities: [string, number][] = [
      ['SEVERITY_NUMBER_UNSPECIFIED', 0],
      ['SEVERITY_NUMBER_TRACE', 1],
      ['SEVERITY_NUMBER_DEBUG2', 6],
      ['SEVERITY_NUMBER_INFO', 9],
      ['SEVERITY_NUMBER_WARN3', 15],
      ['SEVERITY_NUMBER_ERROR4', 20],
      ['SEVERITY_NUMBER_FATAL4', 24],
    ];
    for (const [name, n] of severities) {
      const logs = decodeJsonRequest('logs', `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":"${name}"}]}]}]}`);
      assert.equal(logs.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!.severityNumber, n, name);
    }
  });

  it('accepts 64-bit integers as JSON numbers, exactly, and 32-bit ones and doubles as strings', () => {
    const span = firstSpan(
      spanRequest(
        '{"startTimeUnixNano":1700000000123456789,"endTimeUnixNano":18446744073709551615,"droppedAttributesCount":"3",' +
          '"flags":"4294967295","attributes":[{"key":"big","value":{"intValue":9007199254740993}},' +
          '{"key":"neg","value":{"intValue":-9223372036854775808}},{"key":"small","value":{"intValue":12}},' +
          '{"key":"d","value":{"doubleValue":"1.5e3"}},{"key":"inf","value":{"doubleValue":"Infinity"}},' +
          '{"key":"e","value":{"doubleValue":1e300}},{"key":"x","value":{"doubleValue":12345678901234567890}}]}',
      ),
    );
    assert.equal(span.startTimeUnixNano, '1700000000123456789');
    assert.equal(span.endTimeUnixNano, '18446744073709551615');
    assert.equal(span.droppedAttributesCount, 3);
    assert.equal(span.flags, 4294967295);
    assert.deepStrictEqual(span.attributes, [
      { key: 'big', value: { intValue: '9007199254740993' } },
      { key: 'neg', value: { intValue: '-9223372036854775808' } },
      { key: 'small', value: { intValue: 12 } },
      { key: 'd', value: { doubleValue: 1500 } },
      { key: 'inf', value: { doubleValue: Infinity } },
      { key: 'e', value: { doubleValue: 1e300 } },
      { key: 'x', value: { doubleValue: 12345678901234567890 } },
    ]);
  });

  it('ignores unknown fields at every level, and takes null for an absent field', () => {
    const text =
      '{"future":1,"resourceSpans":[{"resource":null,"extra":{"a":[1,2]},"scopeSpans":[{"scope":{"name":"s","x":true},' +
      `"spans":[{"name":"n","traceId":"${TRACE_ID.toUpperCase()}","spanId":null,"newField":{"deep":[{}]},` +
      '"attributes":[{"key":"k","value":{"stringValue":"v","futureValue":1}}]}]}]}]}';
    const expected = {
      resourceSpans: [
        {
          resource: { attributes: [], droppedAttributesCount: 0, entityRefs: [] },
          schemaUrl: '',
          scopeSpans: [
            {
              scope: { name: 's', version: '', attributes: [], droppedAttributesCount: 0 },
              schemaUrl: '',
              spans: [
                {
                  traceId: TRACE_ID,
                  spanId: '',
                  traceState: '',
                  parentSpanId: '',
                  flags: 0,
                  name: 'n',
                  kind: 0,
                  startTimeUnixNano: 0,
                  endTimeUnixNano: 0,
                  attributes: [{ key: 'k', value: { stringValue: 'v' } }],
                  droppedAttributesCount: 0,
                  events: [],
                  droppedEventsCount: 0,
                  links: [],
                  droppedLinksCount: 0,
                  status: { message: '', code: 0 },
                },
              ],
            },
          ],
        },
      ],
    };
    assert.deepStrictEqual(decodeJsonRequest('traces', text), expected);
  });

  it('is not fooled by __proto__ keys', () => {
    for (const big of ['1', '18446744073709551615']) {
      const text = `{"__proto__":{"resourceSpans":5},"resourceSpans":[{"__proto__":{"x":1},"scopeSpans":[{"spans":[{"startTimeUnixNano":${big}}]}]}]}`;
      const span = firstSpan(text);
      assert.equal(String(span.startTimeUnixNano), big);
      assert.equal(Object.getPrototypeOf(span), Object.prototype);
    }
  });
});

describe('malformed OTLP/JSON', () => {
  const cases: [string, string, RegExp][] = [
    ['not JSON', 'resourceSpans', /^invalid JSON: /],
    ['truncated JSON', '{"resourceSpans":[', /^invalid JSON: /],
    ['an array', '[]', /^expected an object \(ExportTraceServiceRequest\), got an array$/],
    ['a string', '"x"', /expected an object/],
    ['resourceSpans an object', '{"resourceSpans":{}}', /^resourceSpans: expected an array, got an object$/],
    ['a span a number', spanRequest('5'), /^resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]: expected an object \(Span\), got 5$/],
    ['a name a number', spanRequest('{"name":5}'), /spans\[0\]\.name: expected a string, got 5$/],
    ['a short trace id', spanRequest('{"traceId":"abc"}'), /traceId: a trace id must be 32 hex digits, got "abc"$/],
    ['a base64 trace id', spanRequest('{"traceId":"W47/95gDgQPSabYzgT/GDA=="}'), /traceId: a trace id must be 32 hex digits/],
    ['a non-hex span id', spanRequest('{"spanId":"zzzzzzzzzzzzzzzz"}'), /spanId: a span id must be 16 hex digits/],
    ['a fractional time', spanRequest('{"startTimeUnixNano":1.5}'), /startTimeUnixNano: expected an integer, got 1\.5$/],
    ['a fractional time string', spanRequest('{"startTimeUnixNano":"1.5"}'), /startTimeUnixNano: expected an integer/],
    ['a negative time', spanRequest('{"startTimeUnixNano":"-1"}'), /startTimeUnixNano: "-1" is out of range \[0, 18446744073709551615\]$/],
    ['a negative time number', spanRequest('{"startTimeUnixNano":-1}'), /startTimeUnixNano: -1 is out of range/],
    ['a time past 2^64', spanRequest('{"startTimeUnixNano":"18446744073709551616"}'), /out of range/],
    ['a time past 2^64 as a number', spanRequest('{"startTimeUnixNano":18446744073709551616}'), /out of range/],
    ['a boolean time', spanRequest('{"startTimeUnixNano":true}'), /startTimeUnixNano: expected an integer/],
    ['an int past 2^63', attribute('{"intValue":"9223372036854775808"}'), /intValue: "9223372036854775808" is out of range/],
    ['an unknown enum name', spanRequest('{"kind":"SPAN_KIND_NOPE"}'), /kind: unknown enum value name "SPAN_KIND_NOPE"$/],
    ['a fractional enum', spanRequest('{"kind":1.5}'), /kind: expected an integer/],
    ['a negative count', spanRequest('{"droppedAttributesCount":-1}'), /droppedAttributesCount: -1 is out of range \[0, 4294967295\]$/],
    ['a count past 2^32', spanRequest('{"droppedAttributesCount":4294967296}'), /out of range/],
    ['two values of a oneof', attribute('{"stringValue":"a","intValue":"1"}'), /attributes\[0\]\.value: both stringValue and intValue are set/],
    ['a string bool', attribute('{"boolValue":"true"}'), /boolValue: expected true or false, got "true"$/],
    ['bad base64', attribute('{"bytesValue":"***"}'), /bytesValue: expected base64 bytes/],
    ['a word for a double', attribute('{"doubleValue":"abc"}'), /doubleValue: expected a number, got "abc"$/],
    ['an array for a kvlist', attribute('{"kvlistValue":[]}'), /kvlistValue: expected an object \(KeyValueList\), got an array$/],
    ['a null in a list', spanRequest('{"events":[null]}'), /events\[0\]: expected an object \(Span\.Event\), got null$/],
    ['two metric data', '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":{},"sum":{}}]}]}]}', /metrics\[0\]: both gauge and sum are set/],
  ];
  for (const [what, text, pattern] of cases) {
    it(`rejects ${what}`, () => {
      const signal: Signal = text.includes('resourceMetrics') ? 'metrics' : 'traces';
      assert.match(decodeError(() => decodeJsonRequest(signal, text)).message, pattern);
    });
  }

  it('rejects AnyValues nested more than 64 deep, in arrays and kvlists', () => {
    const nest = (levels: number, kind: 'array' | 'kvlist') => {
      let v = '{"stringValue":"leaf"}';
      for (let i = 1; i < levels; i++) {
        v = kind === 'array' ? `{"arrayValue":{"values":[${v}]}}` : `{"kvlistValue":{"values":[{"key":"k","value":${v}}]}}`;
      }
      return v;
    };
    for (const kind of ['array', 'kvlist'] as const) {
      assert.doesNotThrow(() => decodeJsonRequest('traces', attribute(nest(64, kind))));
      assert.match(
        decodeError(() => decodeJsonRequest('traces', attribute(nest(65, kind)))).message,
        /nested more than 64 levels deep/,
      );
    }
  });

  it('rejects JSON nested 100 000 deep without overflowing the stack, also on the exact-integer path', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    assert.match(decodeError(() => decodeJsonRequest('traces', `{"resourceSpans":${deep}}`)).message, /expected an object/);
    const deepValue = `${'{"arrayValue":{"values":['.repeat(50_000)}${']}}'.repeat(50_000)}`;
    assert.match(decodeError(() => decodeJsonRequest('traces', attribute(deepValue))).message, /nested more than 64/);
    // A JSON number beyond 2^53 makes the decoder parse the text again, with its own parser.
    const withBig = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":18446744073709551615}]}]}],"x":${deep}}`;
    assert.match(decodeError(() => decodeJsonRequest('traces', withBig)).message, /invalid JSON: nesting deeper than/);
  });

  it('rejects garbage the same way on the exact-integer path', () => {
    const cases = [
      spanRequest('{"startTimeUnixNano":18446744073709551615,"traceId":"nope"}'),
      spanRequest('{"startTimeUnixNano":18446744073709551615,"name":5}'),
      spanRequest('{"startTimeUnixNano":18446744073709551615}') + 'x',
      spanRequest('{"startTimeUnixNano":99999999999999999999999}'),
      spanRequest('{"startTimeUnixNano":18446744073709551615,"kind":99999999999999999999}'),
    ];
    for (const text of cases) decodeError(() => decodeJsonRequest('traces', text));
  });

  it('never throws anything but a DecodeError on mangled JSON', () => {
    let seed = 7;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const alphabet = '{}[]",:0123456789-.eE truenfalsNxyz\\';
    let decoded = 0;
    for (const signal of SIGNALS) {
      const text = JSON.stringify(FIXTURES[signal].json);
      for (let i = 0; i < 1000; i++) {
        const chars = [...text];
        const edits = 1 + Math.floor(random() * 3);
        for (let k = 0; k < edits; k++) {
          chars[Math.floor(random() * chars.length)] = alphabet[Math.floor(random() * alphabet.length)]!;
        }
        try {
          decodeJsonRequest(signal, chars.join(''));
          decoded++;
        } catch (e) {
          assert.ok(e instanceof DecodeError, `${String(e)} for ${chars.join('')}`);
        }
      }
    }
    assert.ok(decoded > 0, 'some edits leave a valid request');
  });
});

describe('OTLP/JSON ids', () => {
  it('lower-cases hex ids and keeps empty ones empty', () => {
    const span = firstSpan(spanRequest(`{"traceId":"${TRACE_ID.toUpperCase()}","spanId":"${SPAN_ID}","parentSpanId":""}`));
    assert.equal(span.traceId, TRACE_ID);
    assert.equal(span.spanId, SPAN_ID);
    assert.equal(span.parentSpanId, '');
  });
});
