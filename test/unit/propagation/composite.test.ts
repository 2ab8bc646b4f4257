import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import type { TextMapPropagator as ApiTextMapPropagator } from '@opentelemetry/api';
import { ROOT_CONTEXT } from '../../../src/context/context';
import { setSink } from '../../../src/diag/index';
import {
  CompositePropagator,
  createBaggage,
  createPropagator,
  getBaggage,
  NOOP_PROPAGATOR,
  parseTraceState,
  setBaggage,
  W3CTraceContextPropagator,
  type TextMapPropagator,
} from '../../../src/propagation/index';
import { BASE, extract, inject, remote, SPAN_ID, TRACE_ID, TRACEPARENT, unchanged, withSpan } from './helpers';

const lines: string[] = [];
const previousSink = setSink((line) => lines.push(line));
after(() => setSink(previousSink));

const ALL = ['tracecontext', 'baggage', 'b3', 'b3multi', 'jaeger'];

describe('createPropagator', () => {
  it('gives the no-op propagator for none, or an empty list', () => {
    for (const names of [[], ['none'], ['', ' '], ['none', 'none']]) {
      const p = createPropagator(names);
      assert.equal(p, NOOP_PROPAGATOR, JSON.stringify(names));
      assert.deepEqual(p.fields(), []);
      assert.deepEqual(inject(p, withSpan()), {});
      unchanged(extract(p, { traceparent: TRACEPARENT }));
    }
  });

  it('returns a single propagator as it is', () => {
    assert.ok(createPropagator(['tracecontext']) instanceof W3CTraceContextPropagator);
  });

  it('ignores duplicates, keeping the first place, and compares names trimmed and lower-cased', () => {
    const p = createPropagator(['baggage', ' TraceContext ', 'baggage', 'tracecontext']);
    assert.deepEqual(p.fields(), ['baggage', 'traceparent', 'tracestate']);
  });

  it('warns about unknown or unsupported names, and about none next to others, then ignores them', () => {
    lines.length = 0;
    const p = createPropagator(['tracecontext', 'bogus', 'xray', 'none']);
    assert.deepEqual(p.fields(), ['traceparent', 'tracestate']);
    assert.equal(lines.length, 3, lines.join(''));
    assert.match(lines[0] as string, /unknown propagator "bogus"/);
    assert.match(lines[1] as string, /"xray" is not supported/);
    assert.match(lines[2] as string, /"none" ignored/);
  });

  it('unions the fields of all, in order, each once', () => {
    assert.deepEqual(createPropagator(ALL).fields(), [
      'traceparent',
      'tracestate',
      'baggage',
      'b3',
      'x-b3-traceid',
      'x-b3-spanid',
      'x-b3-sampled',
      'x-b3-flags',
      'uber-trace-id',
    ]);
  });

  it('is a TextMapPropagator of @opentelemetry/api', () => {
    const api: ApiTextMapPropagator = createPropagator(ALL);
    assert.equal(api.fields().length, 9);
  });
});

describe('a composite of every propagator', () => {
  const all = createPropagator(ALL);

  it('injects every format', () => {
    const ctx = setBaggage(
      withSpan({ traceState: parseTraceState('vendor=x') }),
      createBaggage({ user: { value: 'Amélie' } }),
    );
    assert.deepEqual(inject(all, ctx), {
      traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
      tracestate: 'vendor=x',
      baggage: 'user=Am%C3%A9lie',
      b3: `${TRACE_ID}-${SPAN_ID}-1`,
      'x-b3-traceid': TRACE_ID,
      'x-b3-spanid': SPAN_ID,
      'x-b3-sampled': '1',
      'uber-trace-id': `${TRACE_ID}:${SPAN_ID}:0:01`,
      'uberctx-user': 'Am%C3%A9lie',
    });
  });

  it('round-trips its own output', () => {
    const ctx = setBaggage(withSpan({ traceFlags: 0 }), createBaggage({ a: { value: '1' }, b: { value: 'x y' } }));
    const carrier = inject(all, ctx);
    const back = extract(all, carrier);
    const sc = remote(back);
    assert.deepEqual([sc.traceId, sc.spanId, sc.traceFlags], [TRACE_ID, SPAN_ID, 0]);
    assert.deepEqual(
      getBaggage(back)
        ?.getAllEntries()
        .map(([k, e]) => `${k}=${e.value}`),
      ['a=1', 'b=x y'],
    );
    assert.deepEqual(inject(all, back), carrier);
  });

  it('extracts in order, a later propagator overriding an earlier one', () => {
    const b3Trace = 'ffffffffffffffffffffffffffffffff';
    const carrier = { traceparent: TRACEPARENT, b3: `${b3Trace}-${SPAN_ID}-0` };
    assert.equal(remote(extract(createPropagator(['tracecontext', 'b3']), carrier)).traceId, b3Trace);
    assert.equal(remote(extract(createPropagator(['b3', 'tracecontext']), carrier)).traceId, TRACE_ID);
  });

  it('keeps the tracestate when a later format names the same span, not when it names another', () => {
    const same = extract(all, { traceparent: TRACEPARENT, tracestate: 'v=1', b3: `${TRACE_ID}-${SPAN_ID}-1` });
    assert.equal(remote(same).traceState?.serialize(), 'v=1');
    const other = extract(all, { traceparent: TRACEPARENT, tracestate: 'v=1', b3: `${TRACE_ID}-00f067aa0ba902b7-1` });
    assert.equal(remote(other).traceState, undefined);
  });

  it('keeps what earlier propagators found when a later one finds nothing', () => {
    const sc = remote(extract(all, { traceparent: TRACEPARENT, b3: 'garbage', 'uber-trace-id': 'bad' }));
    assert.equal(sc.traceId, TRACE_ID);
    unchanged(extract(all, {}));
  });

  it('combines baggage from the baggage header and uberctx- headers', () => {
    const ctx = extract(all, { baggage: 'a=1', 'uberctx-b': '2' });
    assert.deepEqual(
      getBaggage(ctx)
        ?.getAllEntries()
        .map(([k, e]) => `${k}=${e.value}`),
      ['a=1', 'b=2'],
    );
  });

  it('an uberctx- header repeating a baggage entry leaves its metadata; a different value wins', () => {
    const ctx = extract(all, { baggage: 'a=1;p=x,b=2;q', 'uberctx-a': '1', 'uberctx-b': '3' });
    const b = getBaggage(ctx);
    assert.equal(b?.getEntry('a')?.metadata?.toString(), 'p=x');
    assert.deepEqual(b?.getEntry('b'), { value: '3' });
  });
});

describe('CompositePropagator', () => {
  const throwing: TextMapPropagator = {
    inject() {
      throw new Error('inject');
    },
    extract() {
      throw new Error('extract');
    },
    fields() {
      throw new Error('fields');
    },
  };

  it('a throwing member does not stop the others', () => {
    const c = new CompositePropagator([throwing, new W3CTraceContextPropagator(), throwing]);
    assert.deepEqual(c.fields(), ['traceparent', 'tracestate']);
    assert.deepEqual(inject(c, withSpan()), { traceparent: TRACEPARENT });
    assert.equal(remote(extract(c, { traceparent: TRACEPARENT })).spanId, SPAN_ID);
  });

  it('an empty composite does nothing', () => {
    const c = new CompositePropagator([]);
    assert.deepEqual(c.fields(), []);
    assert.equal(c.extract(BASE, {}, { get: () => undefined, keys: () => [] }), BASE);
    assert.deepEqual(inject(c, withSpan()), {});
  });

  it('returns a copy of its fields', () => {
    const c = createPropagator(['tracecontext', 'baggage']);
    c.fields().length = 0;
    assert.equal(c.fields().length, 3);
    assert.equal(c.extract(ROOT_CONTEXT, null, { get: () => undefined, keys: () => [] }), ROOT_CONTEXT);
  });
});
