import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ROOT_CONTEXT, suppressTracing } from '../../../src/context/context';
import {
  B3Propagator,
  createB3MultiPropagator,
  createB3Propagator,
  getSamplingDecision,
  isDebug,
} from '../../../src/propagation/index';
import { getSpanContext } from '../../../src/trace/span-context';
import { BASE, extract, inject, remote, SPAN_ID, TRACE_ID, unchanged, withSpan } from './helpers';

const single = createB3Propagator();
const multi = createB3MultiPropagator();
const T64 = 'a3ce929d0e0e4736';
const PARENT = '05e3ac9a4f6e3b90';

describe('b3 single header extract', () => {
  it('reads a 128-bit trace id, span id and sampling state, for both propagators', () => {
    for (const p of [single, multi]) {
      const ctx = extract(p, { b3: `${TRACE_ID}-${SPAN_ID}-1-${PARENT}` });
      const sc = remote(ctx);
      assert.deepEqual([sc.traceId, sc.spanId, sc.traceFlags], [TRACE_ID, SPAN_ID, 1]);
      assert.equal(isDebug(ctx), false);
    }
  });

  it('left-pads a 64-bit trace id to 128 bits', () => {
    assert.equal(remote(extract(single, { b3: `${T64}-${SPAN_ID}-1` })).traceId, `0000000000000000${T64}`);
  });

  it('reads the sampling state: 1 sampled, 0 not, absent (defer) not, d debug and sampled', () => {
    assert.equal(remote(extract(single, { b3: `${TRACE_ID}-${SPAN_ID}-1` })).traceFlags, 1);
    assert.equal(remote(extract(single, { b3: `${TRACE_ID}-${SPAN_ID}-0` })).traceFlags, 0);
    assert.equal(remote(extract(single, { b3: `${TRACE_ID}-${SPAN_ID}` })).traceFlags, 0);
    const debug = extract(single, { b3: `${TRACE_ID}-${SPAN_ID}-d` });
    assert.equal(remote(debug).traceFlags, 1);
    assert.equal(isDebug(debug), true);
  });

  it('keeps a bare sampling state as a decision, without a span context', () => {
    const deny = extract(single, { b3: '0' });
    assert.equal(getSpanContext(deny), undefined);
    assert.equal(getSamplingDecision(deny), false);
    assert.equal(getSamplingDecision(extract(single, { b3: '1' })), true);
    const d = extract(single, { b3: 'd' });
    assert.equal(getSamplingDecision(d), true);
    assert.equal(isDebug(d), true);
  });

  it('rejects malformed headers', () => {
    for (const b3 of [
      `${TRACE_ID.toUpperCase()}-${SPAN_ID}-1`,
      `${TRACE_ID}-${SPAN_ID.toUpperCase()}-1`,
      `${TRACE_ID.slice(1)}-${SPAN_ID}-1`,
      `${T64.slice(1)}-${SPAN_ID}-1`,
      `${TRACE_ID}-${SPAN_ID.slice(1)}-1`,
      `${TRACE_ID}-${SPAN_ID}-x`,
      `${TRACE_ID}-${SPAN_ID}-10`,
      `${TRACE_ID}-${SPAN_ID}-1-${PARENT}-extra`,
      `${TRACE_ID}-${SPAN_ID}-1-${PARENT.slice(1)}`,
      `${TRACE_ID}-${SPAN_ID}--${PARENT}`,
      `00000000000000000000000000000000-${SPAN_ID}-1`,
      `0000000000000000-${SPAN_ID}-1`,
      `${TRACE_ID}-0000000000000000-1`,
      `${TRACE_ID}:${SPAN_ID}:1`,
      '2',
      'D',
      '',
      `${TRACE_ID}-${SPAN_ID}-1`.repeat(10),
    ]) {
      unchanged(extract(single, { b3 }));
    }
  });

  it('ignores OWS around the value', () => {
    assert.equal(remote(extract(single, { b3: ` \t${TRACE_ID}-${SPAN_ID}-1 ` })).spanId, SPAN_ID);
  });

  it('falls back to the multiple headers when the single header is invalid', () => {
    const sc = remote(extract(single, { b3: 'garbage', 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID }));
    assert.equal(sc.traceId, TRACE_ID);
  });

  it('prefers the single header when both are valid', () => {
    const other = 'ffffffffffffffffffffffffffffffff';
    const sc = remote(
      extract(multi, { b3: `${TRACE_ID}-${SPAN_ID}-1`, 'x-b3-traceid': other, 'x-b3-spanid': SPAN_ID, 'x-b3-sampled': '0' }),
    );
    assert.deepEqual([sc.traceId, sc.traceFlags], [TRACE_ID, 1]);
  });
});

describe('b3 multiple headers extract', () => {
  function multiHeaders(extra: Record<string, string | string[]> = {}) {
    return { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID, 'x-b3-parentspanid': PARENT, ...extra };
  }

  it('reads ids and X-B3-Sampled as 1/0/true/false, for both propagators', () => {
    for (const p of [single, multi]) {
      for (const [sampled, flags] of [
        ['1', 1],
        ['0', 0],
        ['true', 1],
        ['false', 0],
        ['True', 1],
        ['yes', 0],
      ] as const) {
        const sc = remote(extract(p, multiHeaders({ 'x-b3-sampled': sampled })));
        assert.deepEqual([sc.traceId, sc.spanId, sc.traceFlags], [TRACE_ID, SPAN_ID, flags], sampled);
      }
      assert.equal(remote(extract(p, multiHeaders())).traceFlags, 0, 'absent: deferred, not sampled');
    }
  });

  it('X-B3-Flags: 1 is debug, and sampled', () => {
    const ctx = extract(multi, multiHeaders({ 'x-b3-flags': '1', 'x-b3-sampled': '0' }));
    assert.equal(remote(ctx).traceFlags, 1);
    assert.equal(isDebug(ctx), true);
    assert.equal(isDebug(extract(multi, multiHeaders({ 'x-b3-flags': '0' }))), false);
  });

  it('left-pads a 64-bit trace id', () => {
    assert.equal(
      remote(extract(multi, { 'x-b3-traceid': T64, 'x-b3-spanid': SPAN_ID })).traceId,
      `0000000000000000${T64}`,
    );
  });

  it('needs both ids, valid, lower-case, not zero', () => {
    unchanged(extract(multi, { 'x-b3-traceid': TRACE_ID }));
    unchanged(extract(multi, { 'x-b3-spanid': SPAN_ID }));
    unchanged(extract(multi, { 'x-b3-traceid': TRACE_ID.toUpperCase(), 'x-b3-spanid': SPAN_ID }));
    unchanged(extract(multi, { 'x-b3-traceid': `${TRACE_ID}0`, 'x-b3-spanid': SPAN_ID }));
    unchanged(extract(multi, { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': '0000000000000000' }));
    unchanged(extract(multi, { 'x-b3-traceid': [TRACE_ID, TRACE_ID], 'x-b3-spanid': SPAN_ID }));
  });

  it('keeps X-B3-Sampled or X-B3-Flags without ids as a decision', () => {
    assert.equal(getSamplingDecision(extract(multi, { 'x-b3-sampled': '0' })), false);
    assert.equal(getSamplingDecision(extract(multi, { 'x-b3-sampled': 'true' })), true);
    const debug = extract(multi, { 'x-b3-flags': '1' });
    assert.equal(getSamplingDecision(debug), true);
    assert.equal(isDebug(debug), true);
    unchanged(extract(multi, { 'x-b3-sampled': 'maybe' }));
  });
});

describe('b3 inject', () => {
  it('b3 writes the single header with the sampling state, and no parent id', () => {
    assert.deepEqual(inject(single, withSpan()), { b3: `${TRACE_ID}-${SPAN_ID}-1` });
    assert.deepEqual(inject(single, withSpan({ traceFlags: 0 })), { b3: `${TRACE_ID}-${SPAN_ID}-0` });
  });

  it('b3multi writes X-B3-TraceId, X-B3-SpanId and X-B3-Sampled, never X-B3-ParentSpanId', () => {
    assert.deepEqual(inject(multi, withSpan()), {
      'x-b3-traceid': TRACE_ID,
      'x-b3-spanid': SPAN_ID,
      'x-b3-sampled': '1',
    });
    assert.equal(inject(multi, withSpan({ traceFlags: 0 }))['x-b3-sampled'], '0');
  });

  it('passes debug on: d in the single header, X-B3-Flags: 1 (without X-B3-Sampled) in the multiple', () => {
    const ctx = extract(single, { b3: `${TRACE_ID}-${SPAN_ID}-d` }, ROOT_CONTEXT);
    // A local child span under the debug request.
    const child = withSpan({ spanId: '00f067aa0ba902b7' }, ctx);
    assert.deepEqual(inject(single, child), { b3: `${TRACE_ID}-00f067aa0ba902b7-d` });
    assert.deepEqual(inject(multi, child), { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': '00f067aa0ba902b7', 'x-b3-flags': '1' });
  });

  it('passes a bare deny (or accept) decision on when there is no span context', () => {
    assert.deepEqual(inject(single, extract(single, { b3: '0' })), { b3: '0' });
    assert.deepEqual(inject(multi, extract(single, { b3: '0' })), { 'x-b3-sampled': '0' });
    assert.deepEqual(inject(single, extract(multi, { 'x-b3-sampled': '1' })), { b3: '1' });
    assert.deepEqual(inject(single, extract(single, { b3: 'd' })), { b3: 'd' });
    assert.deepEqual(inject(multi, extract(single, { b3: 'd' })), { 'x-b3-flags': '1' });
  });

  it('writes nothing without a valid span context or decision, or while suppressed', () => {
    assert.deepEqual(inject(single, ROOT_CONTEXT), {});
    assert.deepEqual(inject(multi, withSpan({ traceId: 'nope' })), {});
    assert.deepEqual(inject(single, suppressTracing(withSpan())), {});
  });

  it('round-trips, a 64-bit id leaving as its 128-bit form', () => {
    const b3 = `${TRACE_ID}-${SPAN_ID}-1`;
    assert.deepEqual(inject(single, extract(single, { b3 })), { b3 });
    assert.deepEqual(inject(single, extract(multi, { b3: `${T64}-${SPAN_ID}-0` })), {
      b3: `0000000000000000${T64}-${SPAN_ID}-0`,
    });
    const headers = { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID, 'x-b3-sampled': '1' };
    assert.deepEqual(inject(multi, extract(multi, headers)), headers);
  });

  it('fields() names the headers inject writes', () => {
    assert.deepEqual(single.fields(), ['b3']);
    assert.deepEqual(multi.fields(), ['x-b3-traceid', 'x-b3-spanid', 'x-b3-sampled', 'x-b3-flags']);
    assert.deepEqual(new B3Propagator().fields(), ['b3']);
  });

  it('a plain context stays untouched when nothing is found', () => {
    unchanged(extract(single, {}));
    unchanged(extract(multi, { unrelated: 'x' }), BASE);
  });
});
