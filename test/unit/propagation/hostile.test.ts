// Whatever the carrier, getter, setter or context holds, no propagator throws, an extract that finds
// nothing valid returns its context unchanged, and nothing invalid is ever injected.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { type Context, ROOT_CONTEXT, SPAN_KEY } from '../../../src/context/context';
import {
  type Baggage,
  createBaggage,
  createPropagator,
  defaultTextMapGetter,
  defaultTextMapSetter,
  getBaggage,
  setBaggage,
  type TextMapGetter,
  type TextMapPropagator,
} from '../../../src/propagation/index';
import { getSpanContext, isValidSpanId, isValidTraceId } from '../../../src/trace/span-context';
import type { TraceState } from '../../../src/trace/types';
import { BASE, HEADER_SAFE, prng, SPAN_ID, TRACE_ID, TRACEPARENT, withSpan } from './helpers';

const NAMES = ['tracecontext', 'baggage', 'b3', 'b3multi', 'jaeger'];
const PROPAGATORS: [string, TextMapPropagator][] = [
  ...NAMES.map((n) => [n, createPropagator([n])] as [string, TextMapPropagator]),
  ['all', createPropagator(NAMES)],
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
  'uber-trace-id',
  'uberctx-k',
];
const STRICT_TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

function each(fn: (name: string, p: TextMapPropagator) => void): void {
  for (const [name, p] of PROPAGATORS) {
    try {
      fn(name, p);
    } catch (error) {
      (error as Error).message = `[${name}] ${(error as Error).message}`;
      throw error;
    }
  }
}

function everyHeader(value: unknown): Record<string, unknown> {
  return Object.fromEntries(HEADERS.map((h) => [h, value]));
}

function throwingEverywhere(): object {
  return new Proxy(
    {},
    {
      get() {
        throw new Error('get');
      },
      ownKeys() {
        throw new Error('ownKeys');
      },
      has() {
        throw new Error('has');
      },
      getOwnPropertyDescriptor() {
        throw new Error('descriptor');
      },
    },
  );
}

function withThrowingGetters(): object {
  const o = {};
  for (const h of HEADERS) {
    Object.defineProperty(o, h, {
      enumerable: true,
      get() {
        throw new Error(h);
      },
    });
  }
  return o;
}

/** Every value we inject: printable ASCII, and a traceparent in the exact version 00 format. */
function assertValidOutput(carrier: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(carrier)) {
    assert.equal(typeof v, 'string', k);
    assert.match(v as string, HEADER_SAFE, `${k}: ${JSON.stringify(v)}`);
  }
  if (carrier.traceparent !== undefined) assert.match(carrier.traceparent as string, STRICT_TRACEPARENT);
  if (carrier.tracestate !== undefined) assert.notEqual(carrier.tracestate, '');
  if (carrier.baggage !== undefined) assert.ok((carrier.baggage as string).length <= 8192);
}

/** The extracted context: unchanged, or with a valid span context and valid baggage. */
function assertValidContext(ctx: Context): void {
  const sc = getSpanContext(ctx);
  if (sc !== undefined) {
    assert.ok(isValidTraceId(sc.traceId), sc.traceId);
    assert.ok(isValidSpanId(sc.spanId), sc.spanId);
    assert.equal(typeof sc.traceFlags, 'number');
  }
  const b = getBaggage(ctx);
  if (b !== undefined) {
    const all = b.getAllEntries();
    assert.ok(all.length <= 64 + 64);
    for (const [k, e] of all) {
      assert.equal(typeof k, 'string');
      assert.equal(typeof e.value, 'string');
    }
  }
}

describe('hostile carriers on extract', () => {
  const carriers: [string, unknown][] = [
    ['null', null],
    ['undefined', undefined],
    ['number', 42],
    ['string', TRACEPARENT],
    ['boolean', true],
    ['array', [TRACEPARENT]],
    ['function', () => TRACEPARENT],
    ['symbol', Symbol('carrier')],
    ['numbers', everyHeader(12345)],
    ['objects', everyHeader({ toString: () => TRACEPARENT })],
    ['arrays of numbers', everyHeader([1, 2])],
    ['arrays of objects', everyHeader([{}, null, undefined])],
    ['nested arrays', everyHeader([[TRACEPARENT]])],
    ['empty strings', everyHeader('')],
    ['control characters', everyHeader('\x00\x01\r\n\x1b[31m\x7f')],
    ['header injection', everyHeader(`${TRACEPARENT}\r\nset-cookie: a=b`)],
    ['unicode', everyHeader('é😀\uD800\uFFFF')],
    ['huge', everyHeader('x'.repeat(1_000_000))],
    ['huge commas', everyHeader(','.repeat(1_000_000))],
    ['huge spaces around a valid value', everyHeader(`${' '.repeat(100_000)}${TRACEPARENT}`)],
    ['a throwing proxy', throwingEverywhere()],
    ['throwing getters', withThrowingGetters()],
    ['null prototype', Object.assign(Object.create(null), { traceparent: 7 })],
  ];

  for (const [label, carrier] of carriers) {
    it(`${label}: no throw, the context unchanged`, () => {
      each((_, p) => {
        const result = p.extract(BASE, carrier, defaultTextMapGetter);
        assert.equal(result, BASE);
      });
    });
  }

  it('sparse and array-like values do not throw', () => {
    const sparse: string[] = [];
    sparse.length = 3;
    each((_, p) => assert.equal(p.extract(BASE, everyHeader(sparse), defaultTextMapGetter), BASE));
  });

  it('a getter that throws, or returns anything at all', () => {
    const odd: unknown[] = [42, {}, null, [1], [TRACEPARENT, 1], Symbol('x'), () => 'x', new String(TRACEPARENT)];
    const getters: TextMapGetter[] = [
      {
        get() {
          throw new Error('get');
        },
        keys() {
          throw new Error('keys');
        },
      },
      ...odd.map((value) => ({
        get: () => value as string,
        keys: () => value as string[],
      })),
    ];
    each((_, p) => {
      for (const getter of getters) assert.equal(p.extract(BASE, {}, getter), BASE);
    });
  });

  it('a hostile context on extract: no throw, the same context back', () => {
    const hostile = {
      getValue() {
        throw new Error('getValue');
      },
      setValue() {
        throw new Error('setValue');
      },
      deleteValue() {
        throw new Error('deleteValue');
      },
    } as Context;
    const carrier = { traceparent: TRACEPARENT, baggage: 'a=1', b3: '0', 'uber-trace-id': `${TRACE_ID}:${SPAN_ID}:0:1` };
    each((_, p) => assert.equal(p.extract(hostile, carrier, defaultTextMapGetter), hostile));
  });
});

describe('hostile setters, carriers and contexts on inject', () => {
  const ctx = setBaggage(withSpan(), createBaggage({ k: { value: 'v' } }));

  it('a throwing setter, a frozen carrier, a carrier that is not an object', () => {
    const throwing = {
      set() {
        throw new Error('set');
      },
    };
    each((_, p) => {
      p.inject(ctx, {}, throwing);
      p.inject(ctx, Object.freeze({}), defaultTextMapSetter);
      for (const carrier of [null, undefined, 1, 'x', Symbol('c')]) p.inject(ctx, carrier, defaultTextMapSetter);
    });
  });

  function span(spanContext: () => unknown): Context {
    return ROOT_CONTEXT.setValue(SPAN_KEY, { spanContext });
  }
  const badTraceState = (serialize: () => unknown): TraceState =>
    ({ get: () => undefined, set: () => badTraceState(serialize), unset: () => badTraceState(serialize), serialize }) as TraceState;
  const contexts: [string, Context][] = [
    [
      'spanContext() throws',
      span(() => {
        throw new Error('spanContext');
      }),
    ],
    ['spanContext() returns null', span(() => null)],
    ['spanContext() returns a string', span(() => 'x')],
    ['ids are objects', span(() => ({ traceId: { toString: () => TRACE_ID }, spanId: { toString: () => SPAN_ID } }))],
    ['ids with CRLF', span(() => ({ traceId: `${TRACE_ID}\r\n`, spanId: SPAN_ID, traceFlags: 1 }))],
    ['flags are a string', span(() => ({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: '\r\n' }))],
    ['flags are huge', span(() => ({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 2 ** 40 + 1 }))],
    ['flags are NaN', span(() => ({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: NaN }))],
    [
      'traceState.serialize throws',
      withSpan({
        traceState: badTraceState(() => {
          throw new Error('serialize');
        }),
      }),
    ],
    ['traceState serializes CRLF', withSpan({ traceState: badTraceState(() => 'a=1\r\nset-cookie: x=y,b=2') })],
    ['traceState serializes a number', withSpan({ traceState: badTraceState(() => 7) })],
    ['traceState is a string', withSpan({ traceState: 'a=1' as unknown as TraceState })],
    ['getValue throws', { getValue: () => { throw new Error('getValue'); } } as unknown as Context],
    ['baggage is not a Baggage', ROOT_CONTEXT.setValue(Symbol.for('ts-otel-run.context.baggage'), 'junk')],
    [
      'getAllEntries throws',
      setBaggage(ROOT_CONTEXT, {
        getAllEntries() {
          throw new Error('entries');
        },
      } as unknown as Baggage),
    ],
    [
      'getAllEntries returns junk',
      setBaggage(ROOT_CONTEXT, {
        getAllEntries: () => [null, 1, 'x', [1, 2], ['k', null], ['k', { value: 1 }], ['\r\n', { value: 'v' }], ['ok', { value: 'v\r\n' }]],
      } as unknown as Baggage),
    ],
    ['getAllEntries returns no array', setBaggage(ROOT_CONTEXT, { getAllEntries: () => 'x' } as unknown as Baggage)],
    [
      'metadata toString throws',
      setBaggage(
        ROOT_CONTEXT,
        createBaggage({
          k: {
            value: 'v',
            metadata: {
              toString() {
                throw new Error('toString');
              },
            },
          },
        }),
      ),
    ],
    [
      'metadata with CRLF and commas',
      setBaggage(ROOT_CONTEXT, createBaggage({ k: { value: 'v', metadata: { toString: () => 'p\r\n,x=1' } } })),
    ],
    ['a value with every control character', setBaggage(ROOT_CONTEXT, createBaggage({ k: { value: '\x00\r\n\t\x7f"\\' } }))],
    [
      'keys with separators',
      setBaggage(ROOT_CONTEXT, createBaggage({ 'a=b': { value: '1' }, 'a;b': { value: '1' }, 'a\nb': { value: '1' } })),
    ],
  ];

  for (const [label, context] of contexts) {
    it(`${label}: no throw, only valid output`, () => {
      each((_, p) => {
        const carrier: Record<string, unknown> = {};
        p.inject(context, carrier, defaultTextMapSetter);
        assertValidOutput(carrier);
      });
    });
  }

  it('a foreign traceState serializing CRLF is cleaned, not copied', () => {
    const carrier: Record<string, unknown> = {};
    createPropagator(['tracecontext']).inject(
      withSpan({ traceState: badTraceState(() => 'a=1,evil=x\r\nset-cookie: y,b=2') }),
      carrier,
      defaultTextMapSetter,
    );
    assert.deepEqual(carrier, { traceparent: TRACEPARENT, tracestate: 'a=1,b=2' });
  });

  it('flags are masked to one byte', () => {
    const carrier: Record<string, unknown> = {};
    createPropagator(['tracecontext']).inject(
      ROOT_CONTEXT.setValue(SPAN_KEY, { spanContext: () => ({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 0x1ff }) }),
      carrier,
      defaultTextMapSetter,
    );
    assert.equal(carrier.traceparent, `00-${TRACE_ID}-${SPAN_ID}-ff`);
  });
});

describe('fuzzing every header at once', () => {
  const FRAGMENTS = [
    TRACEPARENT,
    TRACE_ID,
    SPAN_ID,
    'a3ce929d0e0e4736',
    '00',
    'ff',
    'cc',
    '01',
    'd',
    '0',
    '1',
    '-',
    ':',
    '%3A',
    '%',
    '%E2%82',
    ',',
    ';',
    '=',
    ' ',
    '\t',
    '\r\n',
    '\x00',
    'é',
    '😀',
    '\uD800',
    'A',
    'key',
    'vendor@sys',
    'true',
    '"',
    '\\',
  ];

  const VALID: Record<string, string> = {
    traceparent: TRACEPARENT,
    tracestate: 'a=1,vendor@sys=x y',
    baggage: 'k=v;p,x=%20%C3%A9',
    b3: `${TRACE_ID}-${SPAN_ID}-1`,
    'x-b3-traceid': TRACE_ID,
    'x-b3-spanid': SPAN_ID,
    'x-b3-sampled': '1',
    'x-b3-flags': '1',
    'uber-trace-id': `${TRACE_ID}:${SPAN_ID}:0:1`,
    'uberctx-k': 'v%20w',
  };

  function fragment(next: () => number): string {
    return next() < 0.8
      ? (FRAGMENTS[Math.floor(next() * FRAGMENTS.length)] as string)
      : String.fromCharCode(Math.floor(next() * 0x10000));
  }

  function fuzzString(next: () => number): string {
    let s = '';
    const parts = Math.floor(next() * 24);
    for (let i = 0; i < parts; i++) s += fragment(next);
    return s;
  }

  /** A valid value, kept as it is or with a few characters replaced, inserted or deleted. */
  function mutate(valid: string, next: () => number): string {
    let s = valid;
    if (next() < 0.4) return s;
    const edits = 1 + Math.floor(next() * 3);
    for (let i = 0; i < edits; i++) {
      const at = Math.floor(next() * (s.length + 1));
      const r = next();
      if (r < 0.33) s = s.slice(0, at) + fragment(next) + s.slice(at + 1);
      else if (r < 0.66) s = s.slice(0, at) + fragment(next) + s.slice(at);
      else s = s.slice(0, at) + s.slice(at + 1);
    }
    return s;
  }

  function fuzzValue(header: string, next: () => number): unknown {
    const r = next();
    if (r < 0.5) return mutate(VALID[header] as string, next);
    if (r < 0.55) return [mutate(VALID[header] as string, next), fuzzString(next)];
    if (r < 0.58) return next() * 1e6;
    if (r < 0.6) return undefined;
    return fuzzString(next);
  }

  it('3000 random carriers: no throw, valid contexts, valid re-injected headers', () => {
    const next = prng(0x5eed);
    let extractedSpans = 0;
    for (let i = 0; i < 3000; i++) {
      const carrier: Record<string, unknown> = {};
      for (const h of HEADERS) if (next() < 0.7) carrier[h] = fuzzValue(h, next);
      for (const [, p] of PROPAGATORS) {
        const ctx = p.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
        assertValidContext(ctx);
        if (getSpanContext(ctx) !== undefined) extractedSpans++;
        const out: Record<string, unknown> = {};
        p.inject(ctx, out, defaultTextMapSetter);
        assertValidOutput(out);
        // What we inject, we read back the same.
        const again: Record<string, unknown> = {};
        p.inject(p.extract(ROOT_CONTEXT, out, defaultTextMapGetter), again, defaultTextMapSetter);
        assert.deepEqual(again, out);
      }
    }
    // The fuzzer must also hit valid inputs, or it tests only the rejection paths.
    assert.ok(extractedSpans > 100, `only ${extractedSpans} valid span contexts extracted`);
  });
});
