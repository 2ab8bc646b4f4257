import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ROOT_CONTEXT, suppressTracing } from '../../../src/context/context';
import {
  parseTraceParent,
  parseTraceState,
  TRACEPARENT_HEADER,
  TRACESTATE_HEADER,
  W3CTraceContextPropagator,
} from '../../../src/propagation/index';
import { getSpanContext } from '../../../src/trace/span-context';
import { BASE, extract, inject, remote, SPAN_ID, TRACE_ID, TRACEPARENT, unchanged, withSpan } from './helpers';

const p = new W3CTraceContextPropagator();
const ID = '12345678901234567890123456789012';
const PARENT = '1234567890123456';

function accepted(traceparent: unknown): void {
  const sc = remote(extract(p, { traceparent }));
  assert.equal(sc.traceId, ID, JSON.stringify(traceparent));
  assert.equal(sc.spanId, PARENT);
}

function rejected(traceparent: unknown): void {
  unchanged(extract(p, { traceparent }));
}

describe('tracecontext extract: the W3C test suite cases', () => {
  it('accepts a valid version 00 header, as a remote context with its flags', () => {
    const sc = remote(extract(p, { traceparent: TRACEPARENT }));
    assert.deepEqual(
      { traceId: sc.traceId, spanId: sc.spanId, traceFlags: sc.traceFlags },
      { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 },
    );
    assert.equal(remote(extract(p, { traceparent: `00-${ID}-${PARENT}-00` })).traceFlags, 0);
    assert.equal(remote(extract(p, { traceparent: `00-${ID}-${PARENT}-ff` })).traceFlags, 0xff);
  });

  it('keeps the base context values and does not touch the carrier', () => {
    const carrier = { traceparent: TRACEPARENT };
    const ctx = extract(p, carrier);
    assert.equal(ctx.getValue(Symbol.for('propagation-test.base')), 'base');
    assert.deepEqual(carrier, { traceparent: TRACEPARENT });
  });

  it('rejects version 00 with anything after the flags (test_traceparent_version_0x00)', () => {
    rejected(`00-${ID}-${PARENT}-01.`);
    rejected(`00-${ID}-${PARENT}-01-what-the-future-will-be-like`);
    rejected(`00-${ID}-${PARENT}-01-`);
  });

  it('accepts a future version, with or without more fields (test_traceparent_version_0xcc)', () => {
    accepted(`cc-${ID}-${PARENT}-01`);
    accepted(`cc-${ID}-${PARENT}-01-what-the-future-will-be-like`);
    accepted(`01-${ID}-${PARENT}-01-`);
    rejected(`cc-${ID}-${PARENT}-01.what-the-future-will-be-like`);
    rejected(`cc-${ID}-${PARENT}-010`);
  });

  it('rejects version ff (test_traceparent_version_0xff)', () => {
    rejected(`ff-${ID}-${PARENT}-01`);
    rejected(`ff-${ID}-${PARENT}-01-future`);
  });

  it('rejects illegal, too long and too short versions', () => {
    rejected(`.0-${ID}-${PARENT}-01`);
    rejected(`0.-${ID}-${PARENT}-01`);
    rejected(`000-${ID}-${PARENT}-01`);
    rejected(`0000-${ID}-${PARENT}-01`);
    rejected(`0-${ID}-${PARENT}-01`);
  });

  it('rejects bad trace ids: all zero, illegal characters, too long, too short', () => {
    rejected(`00-00000000000000000000000000000000-${PARENT}-01`);
    rejected(`00-.2345678901234567890123456789012-${PARENT}-01`);
    rejected(`00-1234567890123456789012345678901.-${PARENT}-01`);
    rejected(`00-123456789012345678901234567890123-${PARENT}-01`);
    rejected(`00-1234567890123456789012345678901-${PARENT}-01`);
  });

  it('rejects bad parent ids: all zero, illegal characters, too long, too short', () => {
    rejected(`00-${ID}-0000000000000000-01`);
    rejected(`00-${ID}-.234567890123456-01`);
    rejected(`00-${ID}-123456789012345.-01`);
    rejected(`00-${ID}-12345678901234567-01`);
    rejected(`00-${ID}-123456789012345-01`);
  });

  it('rejects bad flags: illegal characters, too long, too short', () => {
    rejected(`00-${ID}-${PARENT}-.0`);
    rejected(`00-${ID}-${PARENT}-0.`);
    rejected(`00-${ID}-${PARENT}-001`);
    rejected(`00-${ID}-${PARENT}-1`);
  });

  it('rejects upper-case hex anywhere', () => {
    rejected(`00-${ID.replace('1', 'A')}-${PARENT}-01`);
    rejected(`00-0AF7651916CD43DD8448EB211C80319C-${PARENT}-01`);
    rejected(`00-${ID}-B7AD6B7169203331-01`);
    rejected(`00-${ID}-${PARENT}-0A`);
    rejected(`CC-${ID}-${PARENT}-01`);
  });

  it('rejects other separators and whitespace inside', () => {
    rejected(`00_${ID}_${PARENT}_01`);
    rejected(`00-${ID}-${PARENT} -01`);
    rejected(`00 -${ID}-${PARENT}-01`);
  });

  it('ignores leading and trailing OWS (test_traceparent_ows_handling)', () => {
    accepted(` 00-${ID}-${PARENT}-01`);
    accepted(`\t00-${ID}-${PARENT}-01`);
    accepted(`00-${ID}-${PARENT}-01 `);
    accepted(`00-${ID}-${PARENT}-01\t`);
    accepted(`\t 00-${ID}-${PARENT}-01 \t`);
    rejected(`\n00-${ID}-${PARENT}-01`);
    rejected(`00-${ID}-${PARENT}-01\r\n`);
  });

  it('rejects several traceparent values (test_traceparent_duplicated)', () => {
    rejected([`00-${ID.slice(0, 31)}1-${PARENT}-01`, `00-${ID}-${PARENT}-01`]);
    rejected([`00-${ID}-${PARENT}-01`, `00-${ID}-${PARENT}-01`]);
    // Node joins repeated headers it does not know with ", ".
    rejected(`00-${ID}-${PARENT}-01, 00-${ID}-${PARENT}-01`);
    accepted([`00-${ID}-${PARENT}-01`]);
    rejected([]);
  });

  it('ignores misspelled header names (test_traceparent_header_name)', () => {
    unchanged(extract(p, { 'trace-parent': TRACEPARENT }));
    unchanged(extract(p, { 'trace.parent': TRACEPARENT }));
  });

  it('ignores an oversized header without reading it', () => {
    rejected(`cc-${ID}-${PARENT}-01-${'x'.repeat(600)}`);
    accepted(`cc-${ID}-${PARENT}-01-${'x'.repeat(400)}`);
  });

  it('parseTraceParent returns the fields, or undefined', () => {
    assert.deepEqual(parseTraceParent(TRACEPARENT), { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 });
    assert.equal(parseTraceParent(undefined), undefined);
    assert.equal(parseTraceParent(55), undefined);
  });
});

describe('tracecontext extract: tracestate', () => {
  it('carries the parsed tracestate (test_tracestate_included_traceparent_included)', () => {
    const sc = remote(extract(p, { traceparent: TRACEPARENT, tracestate: 'foo=1,bar=2' }));
    assert.equal(sc.traceState?.get('foo'), '1');
    assert.equal(sc.traceState?.get('bar'), '2');
  });

  it('combines several tracestate headers in order (test_tracestate_multiple_headers_different_keys)', () => {
    const sc = remote(
      extract(p, { traceparent: TRACEPARENT, tracestate: ['foo=1,bar=2', 'rojo=1,congo=2', 'baz=3'] }),
    );
    assert.equal(sc.traceState?.serialize(), 'foo=1,bar=2,rojo=1,congo=2,baz=3');
  });

  it('tolerates empty tracestate headers (test_tracestate_empty_header)', () => {
    assert.equal(remote(extract(p, { traceparent: TRACEPARENT, tracestate: '' })).traceState?.serialize(), '');
    assert.equal(
      remote(extract(p, { traceparent: TRACEPARENT, tracestate: ['foo=1', ''] })).traceState?.get('foo'),
      '1',
    );
    assert.equal(
      remote(extract(p, { traceparent: TRACEPARENT, tracestate: ['', 'foo=1'] })).traceState?.get('foo'),
      '1',
    );
  });

  it('counts the 32-member limit across headers (test_tracestate_member_count_limit)', () => {
    const parts = [1, 11, 21, 31].map((from) => {
      const out: string[] = [];
      for (let i = from; i < Math.min(from + 10, 34); i++) out.push(`bar${String(i).padStart(2, '0')}=${i}`);
      return out.join(',');
    });
    const state = remote(extract(p, { traceparent: TRACEPARENT, tracestate: parts })).traceState;
    assert.equal(state?.serialize().split(',').length, 32);
    assert.equal(state?.get('bar01'), '1');
    assert.equal(state?.get('bar33'), undefined);
  });

  it('leaves traceState unset without a tracestate header', () => {
    assert.equal(remote(extract(p, { traceparent: TRACEPARENT })).traceState, undefined);
  });

  it('ignores tracestate without a valid traceparent (test_tracestate_included_traceparent_missing)', () => {
    unchanged(extract(p, { tracestate: 'foo=1' }));
    unchanged(extract(p, { traceparent: `00-${ID}-${PARENT}-0x`, tracestate: 'foo=1' }));
  });

  it('ignores misspelled tracestate names (test_tracestate_header_name)', () => {
    assert.equal(remote(extract(p, { traceparent: TRACEPARENT, 'trace-state': 'foo=1' })).traceState, undefined);
  });
});

describe('tracecontext inject', () => {
  it('writes version 00 with the ids and two hex digits of flags', () => {
    assert.deepEqual(inject(p, withSpan()), { traceparent: TRACEPARENT });
    assert.deepEqual(inject(p, withSpan({ traceFlags: 0 })), { traceparent: `00-${TRACE_ID}-${SPAN_ID}-00` });
    assert.equal(inject(p, withSpan({ traceFlags: 0x103 })).traceparent, `00-${TRACE_ID}-${SPAN_ID}-03`);
    assert.equal(inject(p, withSpan({ traceFlags: 'x' as unknown as number })).traceparent, `00-${TRACE_ID}-${SPAN_ID}-00`);
  });

  it('writes tracestate only when it is not empty', () => {
    assert.deepEqual(inject(p, withSpan({ traceState: parseTraceState('a=1,b=2') })), {
      traceparent: TRACEPARENT,
      tracestate: 'a=1,b=2',
    });
    assert.deepEqual(inject(p, withSpan({ traceState: parseTraceState('') })), { traceparent: TRACEPARENT });
  });

  it('writes nothing without a valid span context', () => {
    assert.deepEqual(inject(p, ROOT_CONTEXT), {});
    for (const bad of [
      { traceId: '00000000000000000000000000000000' },
      { spanId: '0000000000000000' },
      { traceId: TRACE_ID.toUpperCase() },
      { spanId: SPAN_ID.slice(1) },
      { traceId: `${TRACE_ID}0` },
      { traceId: 42 as unknown as string },
    ]) {
      assert.deepEqual(inject(p, withSpan(bad)), {}, JSON.stringify(bad));
    }
  });

  it('writes nothing while tracing is suppressed', () => {
    assert.deepEqual(inject(p, suppressTracing(withSpan())), {});
  });

  it('round-trips: extract then inject gives the same headers', () => {
    const headers = { traceparent: `00-${ID}-${PARENT}-01`, tracestate: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7' };
    assert.deepEqual(inject(p, extract(p, headers)), headers);
    const normalized = inject(p, extract(p, { traceparent: ` cc-${ID}-${PARENT}-00-x`, tracestate: 'a=1 , B=2' }));
    assert.deepEqual(normalized, { traceparent: `00-${ID}-${PARENT}-00`, tracestate: 'a=1' });
  });

  it('a child span context is injected with the remote trace id and the new span id', () => {
    const parent = remote(extract(p, { traceparent: TRACEPARENT, tracestate: 'a=1' }));
    const child = withSpan({ traceId: parent.traceId, spanId: '00f067aa0ba902b7', traceState: parent.traceState });
    assert.deepEqual(inject(p, child), { traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01`, tracestate: 'a=1' });
  });

  it('names its fields', () => {
    assert.deepEqual(p.fields(), [TRACEPARENT_HEADER, TRACESTATE_HEADER]);
    p.fields().push('mutated');
    assert.deepEqual(p.fields(), ['traceparent', 'tracestate']);
  });

  it('extract overrides a span already in the context', () => {
    const ctx = p.extract(withSpan({ spanId: 'aaaaaaaaaaaaaaaa' }, BASE), { traceparent: TRACEPARENT }, {
      get: (c: Record<string, string>, k: string) => c[k],
      keys: (c: Record<string, string>) => Object.keys(c),
    });
    assert.equal(getSpanContext(ctx)?.spanId, SPAN_ID);
  });
});
