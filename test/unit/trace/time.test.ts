import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { compareHr, durationMs, hrToIso, now, toHrTime } from '../../../src/trace/time';
import type { HrTime } from '../../../src/trace/types';

const toMs = (t: HrTime) => t[0] * 1e3 + t[1] / 1e6;

function assertWellFormed(t: HrTime) {
  assert.ok(Array.isArray(t) && t.length === 2);
  assert.ok(Number.isInteger(t[0]), `seconds ${t[0]}`);
  assert.ok(Number.isInteger(t[1]) && t[1] >= 0 && t[1] < 1e9, `nanoseconds ${t[1]}`);
}

describe('now', () => {
  it('is [seconds, nanoseconds] close to the wall clock', () => {
    const t = now();
    assertWellFormed(t);
    assert.ok(Math.abs(toMs(t) - Date.now()) < 60_000, `${toMs(t)} vs ${Date.now()}`);
  });

  it('never goes backwards', () => {
    let prev = now();
    for (let i = 0; i < 100_000; i++) {
      const t = now();
      assertWellFormed(t);
      assert.ok(compareHr(t, prev) >= 0, `${t} before ${prev}`);
      prev = t;
    }
  });

  it('advances over time', async () => {
    const a = now();
    await new Promise((r) => setTimeout(r, 20));
    const b = now();
    assert.ok(compareHr(b, a) > 0);
    assert.ok(durationMs(a, b) >= 15, `${durationMs(a, b)} ms`);
  });
});

describe('toHrTime', () => {
  it('takes an HrTime as it is (a copy)', () => {
    const input: HrTime = [1_700_000_000, 123_456_789];
    const out = toHrTime(input);
    assert.deepEqual(out, [1_700_000_000, 123_456_789]);
    assert.notEqual(out, input);
  });

  it('takes epoch milliseconds, fractions included', () => {
    assert.deepEqual(toHrTime(1_700_000_000_123), [1_700_000_000, 123_000_000]);
    const [s, ns] = toHrTime(1_700_000_000_123.5);
    assert.equal(s, 1_700_000_000);
    assert.ok(Math.abs(ns - 123_500_000) < 1000, String(ns));
  });

  it('takes epoch milliseconds from before the process started as epoch time, not as a performance.now() reading', () => {
    const earlier = Math.floor(performance.timeOrigin) - 5000;
    assert.ok(Math.abs(toMs(toHrTime(earlier)) - earlier) < 1, `${toMs(toHrTime(earlier))} vs ${earlier}`);
    const justBefore = Math.floor(performance.timeOrigin) - 1;
    assert.ok(Math.abs(toMs(toHrTime(justBefore)) - justBefore) < 1);
  });

  it('takes a Date', () => {
    assert.deepEqual(toHrTime(new Date('2024-02-29T12:34:56.789Z')), [Date.UTC(2024, 1, 29, 12, 34, 56) / 1000, 789_000_000]);
  });

  it('takes a performance.now() reading as time since the time origin', () => {
    const before = now();
    const t = toHrTime(performance.now());
    const after = now();
    assertWellFormed(t);
    assert.ok(compareHr(t, before) >= 0 && compareHr(after, t) >= 0, `${t} not within ${before}..${after}`);
    // a small reading is near the time origin, not near 1970
    const early = toHrTime(5);
    assert.ok(Math.abs(toMs(early) - (performance.timeOrigin + 5)) < 1, `${toMs(early)}`);
  });

  it('gives the current time for anything else', () => {
    for (const bad of [undefined, null, 'yesterday', {}, [1], [1, 2, 3], ['1', '2'], NaN, Infinity, -5, [NaN, 0]]) {
      const before = now();
      const t = toHrTime(bad);
      const after = now();
      assertWellFormed(t);
      assert.ok(compareHr(t, before) >= 0 && compareHr(after, t) >= 0, `for ${JSON.stringify(bad)}: ${t}`);
    }
  });

  it('keeps nanoseconds within [0, 1e9) for readings at a second boundary', () => {
    for (const ms of [999.9999999, 1999.99999999, 0, 1000, 1_700_000_000_999.9999]) assertWellFormed(toHrTime(ms));
  });
});

describe('compareHr and durationMs', () => {
  it('orders by seconds, then nanoseconds', () => {
    assert.ok(compareHr([1, 0], [0, 999_999_999]) > 0);
    assert.ok(compareHr([1, 5], [1, 6]) < 0);
    assert.equal(compareHr([3, 7], [3, 7]), 0);
  });

  it('measures across a second boundary', () => {
    assert.equal(durationMs([10, 900_000_000], [11, 100_000_000]), 200);
    assert.equal(durationMs([10, 0], [10, 1_500]), 0.0015);
  });
});

describe('hrToIso', () => {
  it('writes ISO 8601 UTC with nine fraction digits', () => {
    assert.equal(hrToIso([1_700_000_000, 123_456_789]), '2023-11-14T22:13:20.123456789Z');
    assert.equal(hrToIso([0, 5]), '1970-01-01T00:00:00.000000005Z');
    assert.equal(hrToIso([1_700_000_000, 0]), '2023-11-14T22:13:20.000000000Z');
  });

  it('round-trips with Date to the millisecond', () => {
    const d = new Date('2031-07-04T01:02:03.456Z');
    const iso = hrToIso(toHrTime(d));
    assert.match(iso, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    assert.equal(new Date(iso).getTime(), d.getTime());
  });
});
