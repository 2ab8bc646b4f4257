import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ROOT_CONTEXT, suppressTracing } from '../../../src/context/context';
import {
  createBaggage,
  createJaegerPropagator,
  getBaggage,
  isDebug,
  setBaggage,
  type Baggage,
} from '../../../src/propagation/index';
import { BASE, extract, inject, remote, SPAN_ID, TRACE_ID, unchanged, withSpan } from './helpers';

const p = createJaegerPropagator();

function values(baggage: Baggage | undefined): Record<string, string> {
  assert.ok(baggage, 'expected baggage in the context');
  return Object.fromEntries(baggage.getAllEntries().map(([k, e]) => [k, e.value]));
}

describe('jaeger extract: uber-trace-id', () => {
  it('reads a full 128-bit trace id, span id and flags', () => {
    const sc = remote(extract(p, { 'uber-trace-id': `${TRACE_ID}:${SPAN_ID}:0:1` }));
    assert.deepEqual([sc.traceId, sc.spanId, sc.traceFlags], [TRACE_ID, SPAN_ID, 1]);
  });

  it('left-pads short ids (64-bit trace ids, leading zeros omitted)', () => {
    const sc = remote(extract(p, { 'uber-trace-id': 'a3ce929d0e0e4736:f1:0:1' }));
    assert.equal(sc.traceId, '0000000000000000a3ce929d0e0e4736');
    assert.equal(sc.spanId, '00000000000000f1');
    const tiny = remote(extract(p, { 'uber-trace-id': '1:2:0:1' }));
    assert.deepEqual([tiny.traceId, tiny.spanId], ['00000000000000000000000000000001', '0000000000000002']);
  });

  it('accepts the url-encoded form (%3A, either case)', () => {
    assert.equal(remote(extract(p, { 'uber-trace-id': `${TRACE_ID}%3A${SPAN_ID}%3A0%3A1` })).spanId, SPAN_ID);
    assert.equal(remote(extract(p, { 'uber-trace-id': `${TRACE_ID}%3a${SPAN_ID}%3a0%3a01` })).spanId, SPAN_ID);
  });

  it('reads flags: bit 0 sampled, bit 1 debug (which implies sampled)', () => {
    const flags = (f: string) => extract(p, { 'uber-trace-id': `${TRACE_ID}:${SPAN_ID}:0:${f}` });
    assert.equal(remote(flags('0')).traceFlags, 0);
    assert.equal(remote(flags('00')).traceFlags, 0);
    assert.equal(remote(flags('01')).traceFlags, 1);
    assert.equal(isDebug(flags('01')), false);
    assert.equal(remote(flags('3')).traceFlags, 1);
    assert.equal(isDebug(flags('3')), true);
    assert.equal(remote(flags('2')).traceFlags, 1, 'debug alone still samples');
    assert.equal(remote(flags('08')).traceFlags, 0, 'firehose alone is not sampled');
  });

  it('rejects invalid values', () => {
    for (const value of [
      `0:${SPAN_ID}:0:1`,
      `00000000000000000000000000000000:${SPAN_ID}:0:1`,
      `${TRACE_ID}:0:0:1`,
      `${TRACE_ID}0:${SPAN_ID}:0:1`,
      `${TRACE_ID}:${SPAN_ID}0:0:1`,
      `${TRACE_ID.toUpperCase()}:${SPAN_ID}:0:1`,
      `${TRACE_ID}:${SPAN_ID}:0`,
      `${TRACE_ID}:${SPAN_ID}:0:1:5`,
      `${TRACE_ID}:${SPAN_ID}:xyz:1`,
      `${TRACE_ID}:${SPAN_ID}:0:100`,
      `${TRACE_ID}:${SPAN_ID}::1`,
      `${TRACE_ID}-${SPAN_ID}-0-1`,
      `${TRACE_ID}%3${SPAN_ID}%3A0%3A1`,
      '',
    ]) {
      unchanged(extract(p, { 'uber-trace-id': value }));
    }
    unchanged(extract(p, { 'uber-trace-id': [`${TRACE_ID}:${SPAN_ID}:0:1`, `${TRACE_ID}:${SPAN_ID}:0:1`] }));
  });
});

describe('jaeger baggage', () => {
  it('reads uberctx-{key} headers, url-decoded', () => {
    const ctx = extract(p, { 'uberctx-user': 'alice', 'uberctx-city': 'S%C3%A3o%20Paulo', other: 'x' });
    assert.deepEqual(values(getBaggage(ctx)), { user: 'alice', city: 'São Paulo' });
  });

  it('merges into the context baggage, over existing keys', () => {
    const base = setBaggage(BASE, createBaggage({ kept: { value: '1' }, user: { value: 'old' } }));
    const ctx = extract(p, { 'uberctx-user': 'new' }, base);
    assert.deepEqual(values(getBaggage(ctx)), { kept: '1', user: 'new' });
  });

  it('reads baggage even when uber-trace-id is invalid, and matches the prefix in any case', () => {
    const ctx = extract(p, { 'uber-trace-id': 'bad', 'UberCtx-Key': 'v' });
    assert.deepEqual(values(getBaggage(ctx)), { Key: 'v' });
  });

  it('ignores a bare prefix and non-string values', () => {
    unchanged(extract(p, { 'uberctx-': 'v', 'uberctx-n': 5 as unknown as string }));
  });

  it('ignores uberctx- names whose key is not a token, which no inject could send on (found by fuzzing)', () => {
    unchanged(extract(p, { 'uberctx- ': 'v', 'uberctx-a b': 'v', 'uberctx-k\u00e9': 'v', 'uberctx-a,b': 'v' }));
    assert.deepEqual(values(getBaggage(extract(p, { 'uberctx- ': 'x', 'uberctx-ok': 'v' }))), { ok: 'v' });
  });

  it('does not write a value longer url-encoded than extract reads (found by fuzzing)', () => {
    const context = setBaggage(ROOT_CONTEXT, createBaggage({ big: { value: ','.repeat(2731) }, small: { value: ',' } }));
    const carrier = inject(p, context);
    assert.deepEqual(carrier, { 'uberctx-small': '%2C' });
    assert.equal(inject(p, setBaggage(ROOT_CONTEXT, createBaggage({ k: { value: ','.repeat(2730) } })))['uberctx-k']?.length, 8190);
  });

  it('writes each entry as uberctx-{key}, url-encoded, and round-trips unicode', () => {
    const b = createBaggage({ user: { value: 'alice' }, city: { value: 'São Paulo' }, 'bad key': { value: 'x' } });
    const carrier = inject(p, setBaggage(ROOT_CONTEXT, b));
    assert.deepEqual(carrier, { 'uberctx-user': 'alice', 'uberctx-city': 'S%C3%A3o%20Paulo' });
    assert.deepEqual(values(getBaggage(extract(p, carrier))), { user: 'alice', city: 'São Paulo' });
  });
});

describe('jaeger inject', () => {
  it('writes {trace-id}:{span-id}:0:{flags}', () => {
    assert.deepEqual(inject(p, withSpan()), { 'uber-trace-id': `${TRACE_ID}:${SPAN_ID}:0:01` });
    assert.deepEqual(inject(p, withSpan({ traceFlags: 0 })), { 'uber-trace-id': `${TRACE_ID}:${SPAN_ID}:0:00` });
  });

  it('passes debug on as flags 03', () => {
    const ctx = extract(p, { 'uber-trace-id': `${TRACE_ID}:${SPAN_ID}:0:3` }, ROOT_CONTEXT);
    assert.deepEqual(inject(p, withSpan({ spanId: '00f067aa0ba902b7' }, ctx)), {
      'uber-trace-id': `${TRACE_ID}:00f067aa0ba902b7:0:03`,
    });
  });

  it('round-trips, short ids leaving padded', () => {
    const full = `${TRACE_ID}:${SPAN_ID}:0:01`;
    assert.deepEqual(inject(p, extract(p, { 'uber-trace-id': full })), { 'uber-trace-id': full });
    assert.deepEqual(inject(p, extract(p, { 'uber-trace-id': 'abc:def:0:1' })), {
      'uber-trace-id': '00000000000000000000000000000abc:0000000000000def:0:01',
    });
  });

  it('writes nothing without a span context or baggage, or while suppressed', () => {
    assert.deepEqual(inject(p, ROOT_CONTEXT), {});
    assert.deepEqual(inject(p, withSpan({ spanId: '0000000000000000' })), {});
    assert.deepEqual(inject(p, suppressTracing(setBaggage(withSpan(), createBaggage({ k: { value: 'v' } })))), {});
  });

  it('names uber-trace-id as its field', () => {
    assert.deepEqual(p.fields(), ['uber-trace-id']);
  });
});
