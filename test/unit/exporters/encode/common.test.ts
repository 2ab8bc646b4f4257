import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { Writer } from '../../../../src/exporters/otlp/encode/writer';
import {
  groupByResourceAndScope,
  tag,
  writeAnyValue,
  writeAttributes,
  writeHexId,
  writeKeyValue,
  writeResource,
  writeScope,
} from '../../../../src/exporters/otlp/encode/common';
import { jsonAnyValue, JsonWriter, writeJsonResource, writeJsonScope } from '../../../../src/exporters/otlp/encode/json-common';
import { asJson, EXACT, otlp } from './fixtures';

const { AnyValue, KeyValue, InstrumentationScope } = otlp.common.v1;
const { Resource } = otlp.resource.v1;

/** One AnyValue written by us, decoded by the official definitions. */
function any(value: unknown): unknown {
  const w = Writer.create();
  writeAnyValue(w, value);
  return AnyValue.toObject(AnyValue.decode(w.finish()), EXACT);
}

/** The same value through the JSON writer. */
const json = (value: unknown): unknown => JSON.parse(jsonAnyValue(value));

const bytes = Uint8Array.from([0, 1, 2, 250, 255]);
const bytesB64 = Buffer.from(bytes).toString('base64');

/** [value, expected AnyValue as the official toObject gives it (ints as strings, bytes as base64)]. */
const CASES: [string, unknown, unknown][] = [
  ['string', 'hello', { stringValue: 'hello' }],
  ['empty string (a oneof member, so written)', '', { stringValue: '' }],
  ['unicode string', 'Grüße, 世界 🌍', { stringValue: 'Grüße, 世界 🌍' }],
  ['true', true, { boolValue: true }],
  ['false (written)', false, { boolValue: false }],
  ['zero (written)', 0, { intValue: '0' }],
  ['small int', 7, { intValue: '7' }],
  ['uint32 boundary', 4294967295, { intValue: '4294967295' }],
  ['beyond uint32', 4294967296, { intValue: '4294967296' }],
  ['negative int', -1, { intValue: '-1' }],
  ['int32 minimum', -2147483648, { intValue: '-2147483648' }],
  ['below int32', -2147483649, { intValue: '-2147483649' }],
  ['max safe integer', Number.MAX_SAFE_INTEGER, { intValue: '9007199254740991' }],
  ['min safe integer', Number.MIN_SAFE_INTEGER, { intValue: '-9007199254740991' }],
  ['2^53: not safe, a double', 2 ** 53, { doubleValue: 2 ** 53 }],
  ['-2^60: a double', -(2 ** 60), { doubleValue: -(2 ** 60) }],
  ['fraction', 3.14159, { doubleValue: 3.14159 }],
  ['tiny negative', -5e-324, { doubleValue: -5e-324 }],
  ['NaN', NaN, { doubleValue: NaN }],
  ['Infinity', Infinity, { doubleValue: Infinity }],
  ['-Infinity', -Infinity, { doubleValue: -Infinity }],
  ['bigint in int64', 9223372036854775807n, { intValue: '9223372036854775807' }],
  ['negative bigint in int64', -9223372036854775808n, { intValue: '-9223372036854775808' }],
  ['small bigint', -5n, { intValue: '-5' }],
  ['bigint beyond int64: a double', 2n ** 64n, { doubleValue: 2 ** 64 }],
  ['Uint8Array', bytes, { bytesValue: bytesB64 }],
  ['Buffer', Buffer.from(bytes), { bytesValue: bytesB64 }],
  ['empty bytes', new Uint8Array(0), { bytesValue: '' }],
  ['array with null and undefined', ['a', null, 1, undefined, true], {
    arrayValue: { values: [{ stringValue: 'a' }, {}, { intValue: '1' }, {}, { boolValue: true }] },
  }],
  ['empty array', [], { arrayValue: {} }],
  ['nested arrays', [[1], []], { arrayValue: { values: [{ arrayValue: { values: [{ intValue: '1' }] } }, { arrayValue: {} }] } }],
  ['plain object → kvlist', { a: 1, b: 'two', u: undefined, n: null, nested: { list: [false], deeper: { x: 1.5 } } }, {
    kvlistValue: {
      values: [
        { key: 'a', value: { intValue: '1' } },
        { key: 'b', value: { stringValue: 'two' } },
        { key: 'n', value: {} },
        {
          key: 'nested',
          value: {
            kvlistValue: {
              values: [
                { key: 'list', value: { arrayValue: { values: [{ boolValue: false }] } } },
                { key: 'deeper', value: { kvlistValue: { values: [{ key: 'x', value: { doubleValue: 1.5 } }] } } },
              ],
            },
          },
        },
      ],
    },
  }],
  ['empty object', {}, { kvlistValue: {} }],
  ['Date', new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)), { stringValue: '2024-01-02T03:04:05.006Z' }],
  ['null', null, {}],
  ['undefined', undefined, {}],
  ['function', () => 1, {}],
  ['symbol', Symbol('s'), {}],
];

describe('writeAnyValue, decoded with the official definitions', () => {
  for (const [name, value, expected] of CASES) {
    it(`encodes ${name}`, () => {
      assert.deepStrictEqual(any(value), expected);
    });
  }

  it('bounds the nesting of cyclic objects instead of overflowing the stack', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic['self'] = cyclic;
    let depth = 0;
    let node = any(cyclic) as { kvlistValue?: { values: { key: string; value: unknown }[] } };
    while (node.kvlistValue) {
      depth++;
      node = node.kvlistValue.values.find((v) => v.key === 'self')!.value as typeof node;
    }
    assert.deepStrictEqual(node, {});
    assert.equal(depth, 32);
  });
});

describe('jsonAnyValue (OTLP/JSON)', () => {
  for (const [name, value, expected] of CASES) {
    it(`encodes ${name}`, () => {
      assert.deepStrictEqual(json(value), asJson(expected));
    });
  }

  it('writes 64-bit integers as decimal strings and non-finite doubles as strings', () => {
    assert.equal(jsonAnyValue(-42), '{"intValue":"-42"}');
    assert.equal(jsonAnyValue(2 ** 53), '{"doubleValue":9007199254740992}');
    assert.equal(jsonAnyValue(NaN), '{"doubleValue":"NaN"}');
    assert.equal(jsonAnyValue(-Infinity), '{"doubleValue":"-Infinity"}');
    assert.equal(jsonAnyValue(''), '{"stringValue":""}');
    assert.equal(jsonAnyValue(null), '{}');
  });

  it('escapes strings', () => {
    const s = 'quote " backslash \\ newline \n tab \t nul \u0000 del \u007f é 😀 lone \ud800';
    const parsed = json(s) as { stringValue: string };
    assert.equal(parsed.stringValue, s);
  });
});

describe('KeyValue, attributes, Resource, InstrumentationScope writers', () => {
  it('writes one KeyValue', () => {
    const w = Writer.create();
    writeKeyValue(w, tag(1, 2), 'k', [1, 'x']);
    // field 1 of an enclosing message: strip the tag and the length to decode the KeyValue itself
    const all = w.finish();
    assert.equal(all[0], 0x0a);
    assert.deepStrictEqual(KeyValue.toObject(KeyValue.decode(all.subarray(2)), EXACT), {
      key: 'k',
      value: { arrayValue: { values: [{ intValue: '1' }, { stringValue: 'x' }] } },
    });
  });

  it('writes attribute maps as repeated KeyValue, skipping undefined values and inherited properties', () => {
    const proto = { inherited: 'no' };
    const attributes = Object.assign(Object.create(proto) as Record<string, unknown>, { a: 'x', skipped: undefined, b: 2 });
    const w = Writer.create();
    writeResource(w, tag(1, 2), { attributes, droppedAttributesCount: 3 });
    const all = w.finish();
    assert.deepStrictEqual(Resource.toObject(Resource.decode(all.subarray(2)), EXACT), {
      attributes: [
        { key: 'a', value: { stringValue: 'x' } },
        { key: 'b', value: { intValue: '2' } },
      ],
      droppedAttributesCount: 3,
    });
    const j = new JsonWriter(64);
    writeJsonResource(j, { attributes, droppedAttributesCount: 3 });
    assert.deepStrictEqual(JSON.parse(j.buf.toString('utf8', 0, j.pos)), {
      attributes: [
        { key: 'a', value: { stringValue: 'x' } },
        { key: 'b', value: { intValue: '2' } },
      ],
      droppedAttributesCount: 3,
    });
  });

  it('writes nothing for missing attribute maps', () => {
    const w = Writer.create();
    writeAttributes(w, tag(1, 2), undefined);
    writeAttributes(w, tag(1, 2), {});
    assert.equal(w.finish().length, 0);
  });

  it('writes scopes with their optional attributes (as the SDK has them)', () => {
    const scope = { name: 'lib', version: '1.0.0', attributes: { 'scope.attr': true }, droppedAttributesCount: 1 };
    const w = Writer.create();
    writeScope(w, tag(1, 2), scope);
    const expected = { name: 'lib', version: '1.0.0', attributes: [{ key: 'scope.attr', value: { boolValue: true } }], droppedAttributesCount: 1 };
    assert.deepStrictEqual(InstrumentationScope.toObject(InstrumentationScope.decode(w.finish().subarray(2)), EXACT), expected);
    const j = new JsonWriter(64);
    writeJsonScope(j, scope);
    assert.deepStrictEqual(JSON.parse(j.buf.toString('utf8', 0, j.pos)), expected);
  });

  it('writes hex ids of unusual lengths through the scratch buffer', () => {
    const w = Writer.create();
    writeHexId(w, tag(7, 2), '0a0B');
    writeHexId(w, tag(7, 2), '');
    writeHexId(w, tag(7, 2), 'ff'.repeat(40));
    assert.equal(Buffer.from(w.finish()).toString('hex'), `3a020a0b3a003a28${'ff'.repeat(40)}`);
  });
});

describe('groupByResourceAndScope', () => {
  it('groups by identity, keeping first-appearance order and record order', () => {
    const r1 = { attributes: {} };
    const r2 = { attributes: {} };
    const s1 = { name: 's' };
    const s2 = { name: 's' };
    const recs = [
      { id: 1, resource: r1, instrumentationScope: s1 },
      { id: 2, resource: r2, instrumentationScope: s1 },
      { id: 3, resource: r1, instrumentationScope: s2 },
      { id: 4, resource: r1, instrumentationScope: s1 },
      { id: 5, resource: r1, instrumentationScope: s1 },
    ];
    const groups = [...groupByResourceAndScope(recs)].map(([r, byScope]) => [
      r === r1 ? 'r1' : 'r2',
      [...byScope].map(([s, list]) => [s === s1 ? 's1' : 's2', list.map((x) => x.id)]),
    ]);
    assert.deepStrictEqual(groups, [
      ['r1', [['s1', [1, 4, 5]], ['s2', [3]]]],
      ['r2', [['s1', [2]]]],
    ]);
  });
});

describe('string KeyValues repeated: encoded once, then copied', () => {
  /** A KeyValue as writeKeyValue writes it the way it would without any cache, by hand. */
  function uncached(fieldTag: number, key: string, value: string): Buffer {
    const w = Writer.create();
    w.uint32(fieldTag).fork().uint32(tag(1, 2)).string(key).uint32(tag(2, 2)).fork().uint32(tag(1, 2)).string(value).ldelim().ldelim();
    return Buffer.from(w.finish());
  }
  const write = (fieldTag: number, key: string, value: string) => {
    const w = Writer.create();
    writeKeyValue(w, fieldTag, key, value);
    return Buffer.from(w.finish());
  };

  const CASES: Array<[string, string]> = [
    ['http.request.method', 'GET'],
    ['user_agent.original', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36'],
    ['db.query.text', 'SELECT $1::int AS id, $2::text AS name FROM "users" WHERE "users"."id" = $1 AND x'.repeat(2)],
    ['k', ''],
    ['ключ', 'значение ✓ 😀'],
    ['lone', 'a\ud800b'],
    ['long', 'x'.repeat(300)],
    ['big', 'y'.repeat(200)],
  ];

  for (const [key, value] of CASES) {
    it(`${JSON.stringify(key)}: the same bytes the first, second and third time, under any field tag`, () => {
      for (const fieldTag of [tag(9, 2), tag(1, 2), tag(3, 2)]) {
        const expected = uncached(fieldTag, key, value);
        for (let i = 0; i < 3; i++) assert.deepEqual(write(fieldTag, key, value), expected, `time ${i + 1}`);
      }
    });
  }

  it('many distinct pairs (past the cache size) keep encoding right, and so do the repeated ones among them', () => {
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 6000; i++) {
        const value = `/api/users/${i}`;
        if (i % 997 === 0) assert.deepEqual(write(tag(9, 2), 'url.path', value), uncached(tag(9, 2), 'url.path', value));
        else write(tag(9, 2), 'url.path', value);
      }
      assert.deepEqual(write(tag(9, 2), 'url.scheme', 'https'), uncached(tag(9, 2), 'url.scheme', 'https'));
    }
  });

  it('a body from before stays intact when the cache makes new entries', () => {
    const first = write(tag(9, 2), 'server.address', 'a.example');
    const copy = Buffer.from(first);
    for (let i = 0; i < 10; i++) write(tag(9, 2), 'server.address', `b${i}.example`);
    assert.deepEqual(first, copy);
  });
});
