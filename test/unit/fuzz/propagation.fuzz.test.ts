// Property-based tests of the propagators, the parsers of the most hostile input the agent reads:
// request headers. Whatever a carrier holds, extract never throws and yields either nothing or a
// valid span context and valid baggage within the W3C limits; whatever was extracted is injected
// again as valid header values; valid contexts round-trip through inject and extract.
// Every property runs with a fixed seed, so a failure is reproduced by the same run.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import * as fc from 'fast-check';
import { type Context, ROOT_CONTEXT } from '../../../src/context/context';
import {
  B3Propagator,
  type Baggage,
  baggageEntryMetadataFromString,
  contextFromEnvironment,
  createBaggage,
  createPropagator,
  createTraceState,
  defaultTextMapGetter,
  defaultTextMapSetter,
  type EnvironmentCarrier,
  getBaggage,
  injectIntoEnvironment,
  JaegerPropagator,
  MAX_BAGGAGE_BYTES,
  MAX_BAGGAGE_MEMBERS,
  MAX_TRACE_STATE_MEMBERS,
  parseBaggage,
  parseTraceParent,
  parseTraceState,
  serializeBaggage,
  serializeTraceState,
  setBaggage,
  type TextMapPropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '../../../src/propagation/index';
import { percentDecode, percentEncode } from '../../../src/propagation/internal';
import { getSpanContext, setSpanContext } from '../../../src/trace/span-context';
import type { SpanContext, TraceState } from '../../../src/trace/types';

// --- what valid output looks like, written down here independently of the sources -------------

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
// W3C Trace Context §3.3.1 (key and value grammar).
const TS_KEY = /^(?:[a-z][_0-9a-z\-*/]{0,255}|[a-z0-9][_0-9a-z\-*/]{0,240}@[a-z][_0-9a-z\-*/]{0,13})$/;
const TS_VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;
// RFC 7230 token: baggage keys, header names.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What a header value may hold after our inject: printable ASCII, so no CR, LF, NUL or DEL. */
const HEADER_SAFE = /^[\x20-\x7e]*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const NAMES = ['tracecontext', 'baggage', 'b3', 'b3multi', 'jaeger'] as const;
const PROPAGATORS: [string, TextMapPropagator][] = [
  ['tracecontext', new W3CTraceContextPropagator()],
  ['baggage', new W3CBaggagePropagator()],
  ['b3', new B3Propagator('single')],
  ['b3multi', new B3Propagator('multi')],
  ['jaeger', new JaegerPropagator()],
  ['composite', createPropagator([...NAMES])],
];
const HEADERS = [
  'traceparent',
  'tracestate',
  'baggage',
  'b3',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-sampled',
  'x-b3-flags',
  'x-b3-parentspanid',
  'uber-trace-id',
  'uberctx-k',
  'uberctx-',
];

function checkSpanContext(sc: SpanContext | undefined, where: string): void {
  if (sc === undefined) return;
  assert.match(sc.traceId, TRACE_ID, `${where}: trace id`);
  assert.notEqual(sc.traceId, '0'.repeat(32), `${where}: all-zero trace id`);
  assert.match(sc.spanId, SPAN_ID, `${where}: span id`);
  assert.notEqual(sc.spanId, '0'.repeat(16), `${where}: all-zero span id`);
  assert.ok(Number.isInteger(sc.traceFlags) && sc.traceFlags >= 0 && sc.traceFlags <= 0xff, `${where}: flags ${sc.traceFlags}`);
  assert.equal(sc.isRemote, true, `${where}: an extracted span context is remote`);
  if (sc.traceState !== undefined) checkTraceState(sc.traceState, where);
}

/** At most 32 members, unique valid keys, valid values, within the size of 32 longest members. */
function checkTraceState(state: TraceState, where: string): void {
  const serialized = state.serialize();
  assert.equal(typeof serialized, 'string');
  if (serialized === '') return;
  const members = serialized.split(',');
  assert.ok(members.length <= MAX_TRACE_STATE_MEMBERS, `${where}: ${members.length} tracestate members`);
  const keys = new Set<string>();
  for (const m of members) {
    const eq = m.indexOf('=');
    const key = m.slice(0, eq);
    const value = m.slice(eq + 1);
    assert.match(key, TS_KEY, `${where}: tracestate key`);
    assert.match(value, TS_VALUE, `${where}: tracestate value`);
    assert.ok(!keys.has(key), `${where}: duplicate tracestate key ${key}`);
    keys.add(key);
    assert.equal(state.get(key), value);
  }
  assert.ok(serialized.length <= MAX_TRACE_STATE_MEMBERS * (256 + 1 + 256) + MAX_TRACE_STATE_MEMBERS - 1);
  assert.match(serialized, HEADER_SAFE);
}

function checkBaggage(baggage: Baggage | undefined, where: string): void {
  if (baggage === undefined) return;
  const entries = baggage.getAllEntries();
  assert.ok(entries.length <= MAX_BAGGAGE_MEMBERS, `${where}: ${entries.length} baggage entries`);
  for (const [key, entry] of entries) {
    assert.equal(typeof key, 'string');
    assert.equal(typeof entry.value, 'string');
  }
  checkBaggageHeader(serializeBaggage(baggage), where);
}

function checkBaggageHeader(header: string, where: string): void {
  assert.match(header, HEADER_SAFE, `${where}: baggage header`);
  assert.ok(Buffer.byteLength(header) <= MAX_BAGGAGE_BYTES, `${where}: baggage header of ${header.length} bytes`);
  if (header === '') return;
  const members = header.split(',');
  assert.ok(members.length <= MAX_BAGGAGE_MEMBERS, `${where}: ${members.length} baggage members`);
  for (const m of members) assert.match(m.slice(0, m.indexOf('=')), TOKEN, `${where}: baggage key`);
}

/** Injects `context` with every propagator: only known fields, only header-safe values. */
function checkInjected(context: Context, where: string): Record<string, string> {
  const all: Record<string, string> = {};
  for (const [name, p] of PROPAGATORS) {
    const carrier: Record<string, unknown> = {};
    p.inject(context, carrier, defaultTextMapSetter);
    const fields = p.fields();
    for (const [k, v] of Object.entries(carrier)) {
      assert.ok(fields.includes(k) || (k.startsWith('uberctx-') && TOKEN.test(k)), `${where}/${name}: field ${k}`);
      assert.equal(typeof v, 'string');
      assert.match(v as string, HEADER_SAFE, `${where}/${name}: value of ${k}: ${JSON.stringify(v)}`);
      if (k === 'baggage') checkBaggageHeader(v as string, `${where}/${name}`);
      if (k === 'traceparent') assert.match(v as string, /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/);
      if (k === 'tracestate') checkTraceState(parseTraceState(v), `${where}/${name}`);
      all[k] = v as string;
    }
  }
  return all;
}

// --- arbitraries ----------------------------------------------------------------------------------

const hexChar = fc.constantFrom(...'0123456789abcdef');
const hex = (length: number) => fc.string({ unit: hexChar, minLength: length, maxLength: length });
const validTraceId = hex(32).filter((s) => s !== '0'.repeat(32));
const validSpanId = hex(16).filter((s) => s !== '0'.repeat(16));

/** Characters that matter to the parsers, and a few that must never get through. */
const PUNCTUATION = [...'0123456789abcdefABCDEF-=,;:%@*/_ \t', '\r', '\n', '\0', '\x7f', 'é', '\u2028', '\ud800', '\udc00', '😀'];
const nearGrammar = fc.string({ unit: fc.constantFrom(...PUNCTUATION), maxLength: 120 });

/** A valid header of each format, so that mutations of it land close to the grammar. */
const validHeader = fc.oneof(
  fc.tuple(hex(2), validTraceId, validSpanId, hex(2)).map(([v, t, s, f]) => `${v}-${t}-${s}-${f}`),
  fc.tuple(validTraceId, validSpanId, fc.constantFrom('', '-0', '-1', '-d')).map(([t, s, x]) => `${t}-${s}${x}`),
  fc.tuple(validTraceId, validSpanId, hex(16), hex(2)).map(([t, s, p, f]) => `${t}:${s}:${p}:${f}`),
  fc.constantFrom('k=v', 'a=1,b=2;p=q', 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7', 'tenant@sys=v', '0', '1', 'd', 'true'),
);

/** A valid header with a few characters replaced, inserted or removed. */
const mutatedHeader = fc
  .tuple(
    validHeader,
    fc.array(fc.tuple(fc.nat(), fc.constantFrom('replace', 'insert', 'delete'), fc.constantFrom(...PUNCTUATION)), {
      minLength: 1,
      maxLength: 4,
    }),
  )
  .map(([header, edits]) => {
    let s = header;
    for (const [at, op, c] of edits) {
      const i = s.length === 0 ? 0 : at % s.length;
      if (op === 'replace') s = s.slice(0, i) + c + s.slice(i + 1);
      else if (op === 'insert') s = s.slice(0, i) + c + s.slice(i);
      else s = s.slice(0, i) + s.slice(i + 1);
    }
    return s;
  });

/** Long values: a piece repeated, past every length bound the parsers have. */
const longHeader = fc
  .tuple(fc.oneof(validHeader, nearGrammar, fc.constantFrom('k=v,', 'a', ' ', ',', '%', '%zz', '=')), fc.integer({ min: 200, max: 5000 }))
  .map(([piece, n]) => piece.repeat(Math.ceil(n / Math.max(1, piece.length))));

const headerString = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', maxLength: 200 }), weight: 2 },
  { arbitrary: fc.string({ maxLength: 200 }), weight: 1 },
  { arbitrary: nearGrammar, weight: 3 },
  { arbitrary: validHeader, weight: 2 },
  { arbitrary: mutatedHeader, weight: 4 },
  { arbitrary: longHeader, weight: 1 },
);

/** What a carrier may hold under a header name: a string, several, nothing, or anything at all. */
const headerField = fc.oneof(
  { arbitrary: headerString, weight: 6 },
  { arbitrary: fc.array(headerString, { maxLength: 4 }), weight: 2 },
  { arbitrary: fc.constant(undefined), weight: 1 },
  { arbitrary: fc.anything({ maxDepth: 1 }), weight: 1 },
);

const carrier = fc
  .tuple(
    fc.record(Object.fromEntries(HEADERS.map((h) => [h, headerField])) as Record<string, fc.Arbitrary<unknown>>, {
      requiredKeys: [],
    }),
    fc.dictionary(fc.string({ maxLength: 12 }).map((k) => `uberctx-${k}`), headerField, { maxKeys: 4 }),
  )
  .map(([known, uber]) => ({ ...uber, ...known }) as Record<string, unknown>);

const BASE = ROOT_CONTEXT.setValue(Symbol('fuzz.base'), true);

// --- properties -----------------------------------------------------------------------------------

describe('propagation, property-based', () => {
  it('extract never throws; it yields nothing or a valid span context and baggage within the limits', () => {
    fc.assert(
      fc.property(carrier, (c) => {
        for (const [name, p] of PROPAGATORS) {
          const extracted = p.extract(BASE, c, defaultTextMapGetter);
          assert.ok(extracted, `${name}: a context`);
          checkSpanContext(getSpanContext(extracted), name);
          checkBaggage(getBaggage(extracted), name);
          checkInjected(extracted, name);
        }
      }),
      { seed: 0x5eed01, numRuns: 400 },
    );
  });

  it('inject after extract gives headers that extract to the same span context and baggage', () => {
    const all = createPropagator([...NAMES]);
    fc.assert(
      fc.property(carrier, (c) => {
        const first = all.extract(BASE, c, defaultTextMapGetter);
        const headers = checkInjected(first, 'first');
        const second = all.extract(BASE, headers, defaultTextMapGetter);
        const a = getSpanContext(first);
        const b = getSpanContext(second);
        assert.equal(b?.traceId, a?.traceId);
        assert.equal(b?.spanId, a?.spanId);
        // Baggage: what comes back is what was extracted, less the entries no inject may send (a
        // value that grows past the size limits once percent-encoded), and stable from then on.
        const entries = (context: Context) => getBaggage(context)?.getAllEntries().map(([k, e]) => [k, e.value]) ?? [];
        const before = new Map(entries(first) as [string, string][]);
        for (const [k, v] of entries(second)) assert.equal(before.get(k as string), v, `baggage ${k}`);
        const third = all.extract(BASE, checkInjected(second, 'second'), defaultTextMapGetter);
        assert.deepEqual(entries(third), entries(second));
      }),
      { seed: 0x5eed02, numRuns: 200 },
    );
  });

  it('parseTraceParent: anything gives undefined or valid ids and a flags byte', () => {
    fc.assert(
      fc.property(fc.oneof(headerString, fc.anything({ maxDepth: 1 })), (h) => {
        const parsed = parseTraceParent(h);
        if (parsed === undefined) return;
        checkSpanContext({ ...parsed, isRemote: true }, 'traceparent');
      }),
      { seed: 0x5eed03, numRuns: 500 },
    );
  });

  const tsKey = fc.oneof(
    fc.stringMatching(/^[a-z][_0-9a-z\-*/]{0,20}$/),
    fc.stringMatching(/^[a-z0-9][_0-9a-z\-*/]{0,10}@[a-z][_0-9a-z\-*/]{0,13}$/),
  );
  const tsValue = fc.stringMatching(/^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,30}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/);
  const tsMember = fc.oneof(
    { arbitrary: fc.tuple(tsKey, tsValue).map(([k, v]) => `${k}=${v}`), weight: 3 },
    { arbitrary: mutatedHeader, weight: 1 },
    { arbitrary: nearGrammar, weight: 1 },
    { arbitrary: fc.constantFrom('', ' ', '\t', '=', 'k=', '=v', 'K=v', 'k=v=w', `${'a'.repeat(257)}=v`, `k=${'v'.repeat(257)}`), weight: 1 },
  );

  it('tracestate: at most 32 members, only valid keys and values, whatever the header', () => {
    fc.assert(
      fc.property(fc.array(tsMember, { maxLength: 60 }), fc.constantFrom(',', ' ,', ', ', '\t,\t', ',,'), (members, sep) => {
        const state = parseTraceState(members.join(sep));
        checkTraceState(state, 'parse');
        // set() keeps the state valid whatever it is given, and within 32 members.
        checkTraceState(state.set(members[0] ?? '', members[1] ?? ''), 'set');
        const [k, v] = (members[0] ?? 'k=v').split('=');
        checkTraceState(state.set(k ?? '', v ?? ''), 'set');
        // A foreign state whose serialize() returns anything is cleaned on the way out.
        const foreign = { serialize: () => members.join(sep), get: () => undefined, set: () => foreign, unset: () => foreign };
        checkTraceState(parseTraceState(serializeTraceState(foreign as TraceState)), 'foreign');
        assert.match(serializeTraceState(foreign as TraceState), HEADER_SAFE);
      }),
      { seed: 0x5eed04, numRuns: 300 },
    );
  });

  it('tracestate: valid members round-trip, left-most first, the first 32 distinct keys kept', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(tsKey, tsValue), { maxLength: 40 }), (pairs) => {
        const expected: [string, string][] = [];
        for (const [k, v] of pairs) if (expected.length < 32 && !expected.some(([x]) => x === k)) expected.push([k, v]);
        const header = pairs.map(([k, v]) => `${k}=${v}`).join(',');
        const state = parseTraceState(header);
        assert.equal(state.serialize(), expected.map(([k, v]) => `${k}=${v}`).join(','));
      }),
      { seed: 0x5eed05, numRuns: 200 },
    );
  });

  const spanContext = fc.record({
    traceId: validTraceId,
    spanId: validSpanId,
    traceFlags: fc.integer({ min: 0, max: 255 }),
    traceState: fc.option(fc.array(fc.tuple(tsKey, tsValue), { maxLength: 34 }), { nil: undefined }),
  });

  function contextOf(sc: { traceId: string; spanId: string; traceFlags: number; traceState: [string, string][] | undefined }): Context {
    let state: TraceState | undefined;
    if (sc.traceState !== undefined) {
      state = createTraceState();
      for (let i = sc.traceState.length - 1; i >= 0; i--) state = state.set(...(sc.traceState[i] as [string, string]));
    }
    return setSpanContext(ROOT_CONTEXT, {
      traceId: sc.traceId,
      spanId: sc.spanId,
      traceFlags: sc.traceFlags,
      ...(state ? { traceState: state } : {}),
    });
  }

  it('tracecontext: inject then extract gives the span context back, flags and tracestate included', () => {
    const p = new W3CTraceContextPropagator();
    fc.assert(
      fc.property(spanContext, (sc) => {
        const context = contextOf(sc);
        const headers: Record<string, string> = {};
        p.inject(context, headers, defaultTextMapSetter);
        const back = getSpanContext(p.extract(ROOT_CONTEXT, headers, defaultTextMapGetter));
        assert.ok(back);
        assert.equal(back.traceId, sc.traceId);
        assert.equal(back.spanId, sc.spanId);
        assert.equal(back.traceFlags, sc.traceFlags);
        const sent = getSpanContext(context)?.traceState?.serialize() ?? '';
        assert.equal(back.traceState?.serialize() ?? '', sent);
        checkSpanContext(back, 'tracecontext');
      }),
      { seed: 0x5eed06, numRuns: 300 },
    );
  });

  for (const [name, p] of [
    ['b3', new B3Propagator('single')],
    ['b3multi', new B3Propagator('multi')],
    ['jaeger', new JaegerPropagator()],
  ] as const) {
    it(`${name}: inject then extract gives the ids back and the sampled flag`, () => {
      fc.assert(
        fc.property(spanContext, (sc) => {
          const headers: Record<string, string> = {};
          p.inject(contextOf(sc), headers, defaultTextMapSetter);
          const back = getSpanContext(p.extract(ROOT_CONTEXT, headers, defaultTextMapGetter));
          assert.ok(back);
          assert.equal(back.traceId, sc.traceId);
          assert.equal(back.spanId, sc.spanId);
          assert.equal(back.traceFlags, sc.traceFlags & 1);
        }),
        { seed: 0x5eed07, numRuns: 150 },
      );
    });
  }

  const baggageKey = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,16}$/);
  const baggageValue = fc
    .oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 }), nearGrammar)
    .filter((v) => !LONE_SURROGATE.test(v));
  const property = fc.oneof(
    fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,8}$/),
    fc
      .tuple(fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,8}$/), fc.stringMatching(/^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]{0,8}$/))
      .map(([k, v]) => `${k}=${v}`),
  );
  const baggageEntries = fc.uniqueArray(
    fc.tuple(baggageKey, baggageValue, fc.option(fc.array(property, { minLength: 1, maxLength: 3 }), { nil: undefined })),
    { selector: ([k]) => k, maxLength: 80 },
  );

  function baggageOf(entries: [string, string, string[] | undefined][]): Baggage {
    let b = createBaggage();
    for (const [k, value, props] of entries) {
      b = b.setEntry(k, props === undefined ? { value } : { value, metadata: baggageEntryMetadataFromString(props.join(';')) });
    }
    return b;
  }

  it('baggage: the header respects 64 members and 8192 bytes, and extracts to the entries sent', () => {
    const p = new W3CBaggagePropagator();
    fc.assert(
      fc.property(baggageEntries, (entries) => {
        const header = serializeBaggage(baggageOf(entries));
        checkBaggageHeader(header, 'serialize');
        const headers: Record<string, string> = {};
        p.inject(setBaggage(ROOT_CONTEXT, baggageOf(entries)), headers, defaultTextMapSetter);
        assert.equal(headers.baggage ?? '', header);
        const back = getBaggage(p.extract(ROOT_CONTEXT, headers, defaultTextMapGetter));
        const got = back?.getAllEntries() ?? [];
        // What was sent comes back exactly, in order: the first entries that fit.
        const sent = header === '' ? [] : header.split(",").map((m) => m.slice(0, m.indexOf("=")));
        assert.deepEqual(got.map(([k]) => k), sent);
        for (const [k, e] of got) {
          const original = entries.find(([x]) => x === k)!;
          assert.equal(e.value, original[1]);
          assert.equal(e.metadata?.toString() ?? '', original[2]?.join(';') ?? '');
        }
        // Everything is sent when it fits.
        const fits = entries.length <= MAX_BAGGAGE_MEMBERS && entries.reduce((n, [k, v, m]) => n + k.length + 1 + percentEncode(v).length + (m ? 1 + m.join(';').length : 0), 0) + entries.length - 1 <= MAX_BAGGAGE_BYTES;
        if (fits) assert.equal(got.length, entries.length);
      }),
      { seed: 0x5eed08, numRuns: 200 },
    );
  });

  it('baggage: parsing any header keeps at most 64 members of at most 8192 bytes in all', () => {
    const member = fc.oneof(
      fc.tuple(baggageKey, baggageValue).map(([k, v]) => `${k}=${percentEncode(v)}`),
      fc.tuple(baggageKey, fc.integer({ min: 100, max: 3000 })).map(([k, n]) => `${k}=${'v'.repeat(n)}`),
      mutatedHeader,
      nearGrammar,
    );
    fc.assert(
      fc.property(fc.array(fc.array(member, { maxLength: 100 }), { minLength: 1, maxLength: 3 }), (headers) => {
        const values = headers.map((h) => h.join(','));
        const baggage = parseBaggage(values.length === 1 ? (values[0] as string) : values);
        const entries = baggage.getAllEntries();
        assert.ok(entries.length <= MAX_BAGGAGE_MEMBERS);
        checkBaggage(baggage, 'parse');
        const header = serializeBaggage(baggage);
        checkBaggageHeader(header, 'serialize');
      }),
      { seed: 0x5eed09, numRuns: 150 },
    );
  });

  it('percent-decoding never throws, whatever the escapes; encoding gives baggage-octets only', () => {
    const escapes = fc.string({ unit: fc.constantFrom('%', '%2', '%zz', '%C3', '%A9', '%ED%A0%80', '%F0%9F', '%25', 'a', '\ud800', 'é', '%E2%82%AC'), maxLength: 30 });
    fc.assert(
      fc.property(fc.oneof(escapes, headerString), (s) => {
        const decoded = percentDecode(s);
        assert.equal(typeof decoded, 'string');
        const encoded = percentEncode(decoded);
        assert.match(encoded, /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/);
        if (!LONE_SURROGATE.test(decoded)) assert.equal(percentDecode(encoded), decoded);
      }),
      { seed: 0x5eed0a, numRuns: 400 },
    );
  });

  it('environment carrier: any TRACEPARENT, TRACESTATE, BAGGAGE… never throws and gives valid contexts', () => {
    const all = createPropagator([...NAMES]);
    const envName = fc.constantFrom('TRACEPARENT', 'TRACESTATE', 'BAGGAGE', 'B3', 'X_B3_TRACEID', 'X_B3_SPANID', 'X_B3_SAMPLED', 'UBER_TRACE_ID', 'UBERCTX_K', 'UBERCTX_', 'PATH');
    const env = fc.dictionary(envName, fc.option(headerString, { nil: undefined }), { maxKeys: 8 });
    fc.assert(
      fc.property(env, (e: EnvironmentCarrier) => {
        const extracted = contextFromEnvironment(all, e);
        checkSpanContext(getSpanContext(extracted), 'env');
        checkBaggage(getBaggage(extracted), 'env');
        const child = injectIntoEnvironment(all, extracted, { ...e });
        for (const [k, v] of Object.entries(child)) {
          if (v !== e[k]) assert.match(v ?? '', HEADER_SAFE, `env ${k}`);
        }
      }),
      { seed: 0x5eed0b, numRuns: 300 },
    );
  });

  it('environment carrier: a valid context round-trips through a child environment', () => {
    const w3c = createPropagator(['tracecontext', 'baggage']);
    fc.assert(
      fc.property(spanContext, baggageEntries, (sc, entries) => {
        const context = setBaggage(contextOf(sc), baggageOf(entries));
        const env = injectIntoEnvironment(w3c, context, { TRACESTATE: 'stale=1', PATH: '/bin' });
        assert.equal(env.PATH, '/bin');
        const back = contextFromEnvironment(w3c, env);
        const a = getSpanContext(context)!;
        const b = getSpanContext(back);
        assert.ok(b);
        assert.deepEqual([b.traceId, b.spanId, b.traceFlags], [a.traceId, a.spanId, a.traceFlags]);
        assert.equal(b.traceState?.serialize() ?? '', a.traceState?.serialize() ?? '');
        assert.equal(serializeBaggage(getBaggage(back) ?? createBaggage()), serializeBaggage(getBaggage(context)!));
      }),
      { seed: 0x5eed0c, numRuns: 150 },
    );
  });
});
