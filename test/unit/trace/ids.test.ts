import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { newSpanId, newTraceId } from '../../../src/trace/ids';
import { isValidSpanId, isValidTraceId } from '../../../src/trace/span-context';

const N = 20000;

describe('newTraceId', () => {
  it('is 32 lower-case hex characters, never all zero', () => {
    for (let i = 0; i < N; i++) {
      const id = newTraceId();
      assert.match(id, /^[0-9a-f]{32}$/);
      assert.notEqual(id, '0'.repeat(32));
      assert.ok(isValidTraceId(id));
    }
  });

  it('differs on every call', () => {
    const seen = new Set<string>();
    for (let i = 0; i < N; i++) seen.add(newTraceId());
    assert.equal(seen.size, N);
  });

  it('uses every hex digit in every position (the bytes are random, not a counter)', () => {
    const perPosition = Array.from({ length: 32 }, () => new Set<string>());
    for (let i = 0; i < 2000; i++) {
      const id = newTraceId();
      for (let p = 0; p < 32; p++) perPosition[p]!.add(id[p]!);
    }
    for (const digits of perPosition) assert.equal(digits.size, 16);
  });
});

describe('newSpanId', () => {
  it('is 16 lower-case hex characters, never all zero', () => {
    for (let i = 0; i < N; i++) {
      const id = newSpanId();
      assert.match(id, /^[0-9a-f]{16}$/);
      assert.notEqual(id, '0'.repeat(16));
      assert.ok(isValidSpanId(id));
    }
  });

  it('differs on every call, also when interleaved with trace ids', () => {
    const spans = new Set<string>();
    const traces = new Set<string>();
    for (let i = 0; i < N; i++) {
      spans.add(newSpanId());
      traces.add(newTraceId());
    }
    assert.equal(spans.size, N);
    assert.equal(traces.size, N);
  });

  it('is not a slice of the trace id drawn just before it', () => {
    for (let i = 0; i < 1000; i++) {
      const t = newTraceId();
      const s = newSpanId();
      assert.ok(!t.includes(s));
    }
  });
});
