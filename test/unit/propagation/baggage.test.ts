import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  baggageEntryMetadataFromString as apiMetadata,
  propagation as apiPropagation,
  type TextMapPropagator as ApiTextMapPropagator,
} from '@opentelemetry/api';
import { BAGGAGE_KEY, ROOT_CONTEXT, suppressTracing } from '../../../src/context/context';
import {
  type Baggage,
  baggageEntryMetadataFromString,
  createBaggage,
  deleteBaggage,
  getBaggage,
  MAX_BAGGAGE_BYTES,
  MAX_BAGGAGE_MEMBERS,
  parseBaggage,
  serializeBaggage,
  setBaggage,
  W3CBaggagePropagator,
} from '../../../src/propagation/index';
import { BASE, extract, inject, unchanged } from './helpers';

const p = new W3CBaggagePropagator();

/** The extracted entries as { key: value } (and metadata as `key;` → text), for deepEqual. */
function entries(baggage: Baggage | undefined): Record<string, string> {
  assert.ok(baggage, 'expected baggage in the context');
  const out: Record<string, string> = {};
  for (const [k, e] of baggage.getAllEntries()) {
    out[k] = e.value;
    if (e.metadata !== undefined) out[`${k};`] = e.metadata.toString();
  }
  return out;
}

function extracted(header: string | string[]): Record<string, string> {
  return entries(getBaggage(extract(p, { baggage: header })));
}

function injected(values: Record<string, string>): string | undefined {
  const b = createBaggage(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { value: v }])));
  return inject(p, setBaggage(ROOT_CONTEXT, b)).baggage;
}

describe('Baggage', () => {
  it('is immutable: setEntry, removeEntry, removeEntries and clear return new baggage', () => {
    const a = createBaggage({ k1: { value: 'v1' }, k2: { value: 'v2' } });
    const b = a.setEntry('k3', { value: 'v3' });
    assert.deepEqual(entries(a), { k1: 'v1', k2: 'v2' });
    assert.deepEqual(entries(b), { k1: 'v1', k2: 'v2', k3: 'v3' });
    assert.deepEqual(entries(b.removeEntry('k1')), { k2: 'v2', k3: 'v3' });
    assert.deepEqual(entries(b.removeEntries('k1', 'k3')), { k2: 'v2' });
    assert.deepEqual(entries(b.clear()), {});
    assert.deepEqual(entries(b), { k1: 'v1', k2: 'v2', k3: 'v3' });
  });

  it('getEntry returns a copy; unknown keys give undefined', () => {
    const b = createBaggage({ k: { value: 'v' } });
    const e = b.getEntry('k');
    assert.deepEqual(e, { value: 'v' });
    if (e) e.value = 'changed';
    assert.equal(b.getEntry('k')?.value, 'v');
    assert.equal(b.getEntry('nope'), undefined);
  });

  it('keeps insertion order, and an updated key keeps its place', () => {
    const b = createBaggage({ a: { value: '1' } }).setEntry('b', { value: '2' }).setEntry('a', { value: '3' });
    assert.deepEqual(
      b.getAllEntries().map(([k, e]) => `${k}=${e.value}`),
      ['a=3', 'b=2'],
    );
  });

  it('lives in the context under BAGGAGE_KEY', () => {
    const b = createBaggage({ k: { value: 'v' } });
    const ctx = setBaggage(ROOT_CONTEXT, b);
    assert.equal(ctx.getValue(BAGGAGE_KEY), b);
    assert.equal(getBaggage(ctx), b);
    assert.equal(getBaggage(deleteBaggage(ctx)), undefined);
    assert.equal(getBaggage(ROOT_CONTEXT), undefined);
  });

  it('metadata is an opaque string', () => {
    const m = baggageEntryMetadataFromString('p1;p2=x');
    assert.equal(m.toString(), 'p1;p2=x');
    assert.equal(baggageEntryMetadataFromString(42 as unknown as string).toString(), '');
  });
});

describe('baggage extract', () => {
  it('reads key=value members with OWS around keys, values and commas (W3C examples)', () => {
    assert.deepEqual(extracted('userId=alice,serverNode=DF%2028,isProduction=false'), {
      userId: 'alice',
      serverNode: 'DF 28',
      isProduction: 'false',
    });
    assert.deepEqual(extracted('userId =   alice , \t serverNode = DF%2028\t'), { userId: 'alice', serverNode: 'DF 28' });
    assert.deepEqual(extracted('SomeKey \t = \t SomeValue \t , \t SomeKey2 \t = \t SomeValue2'), {
      SomeKey: 'SomeValue',
      SomeKey2: 'SomeValue2',
    });
  });

  it('combines several baggage headers (an array, or joined by Node with ", ")', () => {
    assert.deepEqual(extracted(['userId=alice', 'serverNode=DF%2028,isProduction=false']), {
      userId: 'alice',
      serverNode: 'DF 28',
      isProduction: 'false',
    });
    assert.deepEqual(extracted('a=1, b=2'), { a: '1', b: '2' });
  });

  it('allows "=" in values (SomeKey=SomeValue=equals)', () => {
    assert.deepEqual(extracted('SomeKey=SomeValue=equals'), { SomeKey: 'SomeValue=equals' });
  });

  it('percent-decodes values as UTF-8 and leaves keys as they are (keys are tokens)', () => {
    assert.deepEqual(extracted('userId=Am%C3%A9lie'), { userId: 'Amélie' });
    assert.deepEqual(extracted('k=%F0%9F%98%80%E4%B8%AD'), { k: '😀中' });
    assert.deepEqual(extracted('my%20key=1'), { 'my%20key': '1' });
    // The W3C baggage test suite's percent-encoded value: "\t \"';=asdf!@#$%^&*()".
    assert.deepEqual(extracted('SomeKey=%09%20%22%27%3B%3Dasdf%21%40%23%24%25%5E%26%2A%28%29'), {
      SomeKey: '\t "\';=asdf!@#$%^&*()',
    });
  });

  it('replaces invalid UTF-8 sequences with U+FFFD and keeps a lone "%" as it is', () => {
    assert.deepEqual(extracted('a=%FF,b=x%E2%82,c=100%,d=%zz,e=%4'), {
      a: '\uFFFD',
      b: 'x\uFFFD',
      c: '100%',
      d: '%zz',
      e: '%4',
    });
  });

  it('keeps properties as opaque metadata', () => {
    assert.deepEqual(extracted('key1=value1;property1;property2, key2 = value2, key3=value3; propertyKey=propertyValue'), {
      key1: 'value1',
      'key1;': 'property1;property2',
      key2: 'value2',
      key3: 'value3',
      'key3;': 'propertyKey=propertyValue',
    });
    assert.deepEqual(extracted('k=v;p=%20x'), { k: 'v', 'k;': 'p=%20x' });
    assert.deepEqual(extracted('k=v;'), { k: 'v' }, 'an empty property list is no metadata');
  });

  it('skips invalid members and keeps the valid ones', () => {
    const header = [
      'nokv',
      '=novalue',
      'k y=1',
      'k\u00e9=1',
      'a=b c',
      'a="q"',
      'a=back\\slash',
      'a=é',
      'a=\x01',
      'k=v;bad property',
      'k=v;p=a b',
      'good=1',
    ].join(',');
    assert.deepEqual(extracted(header), { good: '1' });
  });

  it('accepts an empty value (value = *baggage-octet)', () => {
    assert.deepEqual(extracted('empty=,x=1'), { empty: '', x: '1' });
  });

  it('lets a later duplicate win', () => {
    assert.deepEqual(extracted('k=1,k=2'), { k: '2' });
  });

  it('returns the context unchanged when there is nothing valid', () => {
    for (const header of ['', ' , ,', 'garbage', ['', 'x'], []]) unchanged(extract(p, { baggage: header }));
    unchanged(extract(p, {}));
  });

  it('extracts at most 64 members (W3C Baggage 2024, Limits)', () => {
    const header = Array.from({ length: 100 }, (_, i) => `k${i}=v`).join(',');
    const got = extracted(header);
    assert.equal(Object.keys(got).length, MAX_BAGGAGE_MEMBERS);
    assert.equal(got.k63, 'v');
    assert.equal(got.k64, undefined);
  });

  it('skips a member that would take the total over 8192 bytes, across headers', () => {
    const big = `big=${'x'.repeat(8188)}`; // 8192 bytes alone
    assert.deepEqual(Object.keys(extracted(big)), ['big']);
    assert.deepEqual(Object.keys(extracted(['a=1', big, 'b=2'])), ['a', 'b']);
    unchanged(extract(p, { baggage: `${big}x` }));
  });
});

describe('baggage inject', () => {
  it('writes key=value members in order', () => {
    assert.equal(injected({ userId: 'alice', isProduction: 'false' }), 'userId=alice,isProduction=false');
  });

  it('percent-encodes what is not a baggage-octet, and "%"', () => {
    assert.equal(injected({ serverNode: 'DF 28' }), 'serverNode=DF%2028');
    assert.equal(injected({ k: 'a,b;c"d\\e%f' }), 'k=a%2Cb%3Bc%22d%5Ce%25f');
    assert.equal(injected({ userId: 'Amélie' }), 'userId=Am%C3%A9lie');
    // '=' is a baggage-octet: it needs no encoding, and a value may hold any number of them.
    assert.equal(injected({ k: 'x=y' }), 'k=x=y');
    assert.deepEqual(extracted('k=x=y'), { k: 'x=y' });
  });

  it('encodes a lone surrogate as U+FFFD instead of throwing', () => {
    assert.equal(injected({ k: 'a\uD800b' }), 'k=a%EF%BF%BDb');
  });

  it('round-trips unicode and special values', () => {
    const values = {
      plain: 'alice',
      accents: 'Amélie Poulain',
      emoji: '🚀✨',
      cjk: '東京',
      spaces: '  padded  ',
      specials: '\t "\';=asdf!@#$%^&*(),\\',
      percent: '100%25',
      empty: '',
    };
    const header = injected(values);
    assert.ok(header);
    assert.deepEqual(extracted(header), values);
  });

  it('appends metadata after ";" and keeps it through a round trip', () => {
    const b = createBaggage({ k: { value: 'v', metadata: baggageEntryMetadataFromString('p1;p2=x') } });
    const header = inject(p, setBaggage(ROOT_CONTEXT, b)).baggage;
    assert.equal(header, 'k=v;p1;p2=x');
    assert.deepEqual(extracted(header as string), { k: 'v', 'k;': 'p1;p2=x' });
  });

  it('leaves out metadata that would break the header, and keeps its entry', () => {
    for (const text of ['a,b', 'x\r\ny', 'p=a b', 'é']) {
      const b = createBaggage({ k: { value: 'v', metadata: baggageEntryMetadataFromString(text) } });
      assert.equal(inject(p, setBaggage(ROOT_CONTEXT, b)).baggage, 'k=v', JSON.stringify(text));
    }
    const leading = createBaggage({ k: { value: 'v', metadata: baggageEntryMetadataFromString(' ;p') } });
    assert.equal(inject(p, setBaggage(ROOT_CONTEXT, leading)).baggage, 'k=v;p');
  });

  it('leaves out entries whose key is not a token or whose value is not a string', () => {
    const b = createBaggage({
      'has space': { value: '1' },
      'ключ': { value: '1' },
      'a,b': { value: '1' },
      '': { value: '1' },
      num: { value: 5 as unknown as string },
      ok: { value: '1' },
    });
    assert.equal(inject(p, setBaggage(ROOT_CONTEXT, b)).baggage, 'ok=1');
  });

  it('sends at most 64 members', () => {
    const values = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, 'v']));
    const header = injected(values) as string;
    assert.equal(header.split(',').length, 64);
    assert.ok(header.endsWith(',k63=v'));
  });

  it('drops only the entries that break the 8192-byte limit', () => {
    const header = injected({ a: '1', huge: 'x'.repeat(9000), b: '2' });
    assert.equal(header, 'a=1,b=2');
    // The W3C test suite's test_serialize_long_entry: exactly 8192 bytes must go through.
    assert.equal(injected({ a: '0123456789'.repeat(819) })?.length, 8192);
    const filler = injected({ a: 'x'.repeat(8000), b: 'y'.repeat(300), c: 'z' }) as string;
    assert.equal(filler, `a=${'x'.repeat(8000)},c=z`);
    assert.ok(Buffer.byteLength(filler) <= MAX_BAGGAGE_BYTES);
  });

  it('measures the limit on the encoded bytes', () => {
    // 'é' is 6 bytes encoded: 1400 of them are 8400 bytes.
    assert.equal(injected({ k: 'é'.repeat(1400), ok: '1' }), 'ok=1');
  });

  it('writes nothing for no or empty baggage, or while tracing is suppressed', () => {
    assert.deepEqual(inject(p, ROOT_CONTEXT), {});
    assert.deepEqual(inject(p, setBaggage(ROOT_CONTEXT, createBaggage())), {});
    assert.deepEqual(inject(p, suppressTracing(setBaggage(ROOT_CONTEXT, createBaggage({ k: { value: 'v' } })))), {});
  });

  it('injects a baggage made by @opentelemetry/api, and our propagator fits its interface', () => {
    const apiBaggage = apiPropagation
      .createBaggage({ k: { value: 'a b' } })
      .setEntry('m', { value: 'v', metadata: apiMetadata('p=1') });
    assert.equal(inject(p, setBaggage(ROOT_CONTEXT, apiBaggage)).baggage, 'k=a%20b,m=v;p=1');
    const asApi: ApiTextMapPropagator = p;
    assert.deepEqual(asApi.fields(), ['baggage']);
  });

  it('parseBaggage and serializeBaggage are the two halves of the propagator', () => {
    const b = parseBaggage(['a=1;p', 'b=%20']);
    assert.deepEqual(entries(b), { a: '1', 'a;': 'p', b: ' ' });
    assert.equal(serializeBaggage(b), 'a=1;p,b=%20');
    assert.equal(serializeBaggage(parseBaggage('')), '');
  });

  it('extract replaces the context baggage with the header one', () => {
    const ctx = setBaggage(BASE, createBaggage({ old: { value: '1' } }));
    assert.deepEqual(entries(getBaggage(extract(p, { baggage: 'new=2' }, ctx))), { new: '2' });
    assert.equal(extract(p, { baggage: 'bad' }, ctx), ctx);
  });
});
