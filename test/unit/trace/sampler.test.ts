import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { resolveConfig } from '../../../src/config/resolve';
import { newSpanId, newTraceId } from '../../../src/trace/ids';
import { alwaysOff, alwaysOn, parentBased, samplerFromConfig, SamplingDecision, traceIdRatio, type Sampler } from '../../../src/trace/sampler';
import { SpanKind, type SpanContext } from '../../../src/trace/types';

const decide = (s: Sampler, traceId = newTraceId(), parent?: SpanContext) =>
  s.shouldSample(parent, traceId, 'op', SpanKind.INTERNAL, undefined).decision;

const parent = (sampled: boolean, isRemote: boolean): SpanContext => ({
  traceId: newTraceId(),
  spanId: newSpanId(),
  traceFlags: sampled ? 1 : 0,
  isRemote,
});

function config(env: Record<string, string>) {
  const r = resolveConfig({ env, cwd: process.cwd() });
  assert.deepEqual(r.problems, [], 'the test environment must be valid');
  return r.config;
}

/** The share of `n` random trace ids the sampler samples (without a parent). */
function sampledShare(s: Sampler, n = 10_000): number {
  let sampled = 0;
  for (let i = 0; i < n; i++) if (decide(s) === SamplingDecision.RECORD_AND_SAMPLED) sampled++;
  return sampled / n;
}

describe('alwaysOn and alwaysOff', () => {
  it('always samples / never samples, whatever the parent', () => {
    for (const p of [undefined, parent(true, false), parent(false, true)]) {
      assert.equal(decide(alwaysOn, newTraceId(), p), SamplingDecision.RECORD_AND_SAMPLED);
      assert.equal(decide(alwaysOff, newTraceId(), p), SamplingDecision.NOT_RECORD);
    }
    assert.equal(alwaysOn.toString(), 'AlwaysOnSampler');
    assert.equal(alwaysOff.toString(), 'AlwaysOffSampler');
  });
});

describe('traceIdRatio', () => {
  it('is deterministic by trace id', () => {
    const s = traceIdRatio(0.5);
    for (let i = 0; i < 1000; i++) {
      const id = newTraceId();
      const first = decide(s, id);
      for (let k = 0; k < 3; k++) assert.equal(decide(traceIdRatio(0.5), id), first);
    }
  });

  it('decides by the random low-order part of the trace id', () => {
    const s = traceIdRatio(0.25);
    // 13 low hex digits: 0x0…0 is below every bound, 0xf…f above every bound below 1
    assert.equal(decide(s, 'ffffffffffffffffff' + '0' + '0000000000001'), SamplingDecision.RECORD_AND_SAMPLED);
    assert.equal(decide(s, '0000000000000000000' + 'fffffffffffff'), SamplingDecision.NOT_RECORD);
    assert.equal(decide(s, '0000000000000000000' + '3ffffffffffff'), SamplingDecision.RECORD_AND_SAMPLED);
    assert.equal(decide(s, '0000000000000000000' + '4000000000000'), SamplingDecision.NOT_RECORD);
  });

  for (const ratio of [0.25, 0.5, 0.9, 0.01]) {
    it(`samples close to ${ratio} of random trace ids`, () => {
      const share = sampledShare(traceIdRatio(ratio));
      assert.ok(Math.abs(share - ratio) <= 0.03, `sampled ${share}, expected ${ratio} ± 0.03`);
    });
  }

  it('ratio 0 samples nothing, ratio 1 everything', () => {
    assert.equal(sampledShare(traceIdRatio(0), 2000), 0);
    assert.equal(sampledShare(traceIdRatio(1), 2000), 1);
    assert.equal(decide(traceIdRatio(1), '0000000000000000000fffffffffffff'), SamplingDecision.RECORD_AND_SAMPLED);
    assert.equal(decide(traceIdRatio(0), '00000000000000000000000000000001'), SamplingDecision.NOT_RECORD);
  });

  it('clamps out-of-range ratios; a non-number means 1', () => {
    assert.equal(sampledShare(traceIdRatio(-3), 500), 0);
    assert.equal(sampledShare(traceIdRatio(7), 500), 1);
    assert.equal(sampledShare(traceIdRatio(NaN), 500), 1);
    assert.equal(traceIdRatio(0.25).toString(), 'TraceIdRatioBased{0.25}');
  });

  it('ignores the parent (a root-span sampler)', () => {
    const s = traceIdRatio(0);
    assert.equal(decide(s, newTraceId(), parent(true, false)), SamplingDecision.NOT_RECORD);
  });
});

describe('parentBased', () => {
  it('follows a sampled parent, remote or local', () => {
    const s = parentBased(alwaysOff);
    assert.equal(decide(s, newTraceId(), parent(true, true)), SamplingDecision.RECORD_AND_SAMPLED);
    assert.equal(decide(s, newTraceId(), parent(true, false)), SamplingDecision.RECORD_AND_SAMPLED);
  });

  it('follows an unsampled parent, remote or local', () => {
    const s = parentBased(alwaysOn);
    assert.equal(decide(s, newTraceId(), parent(false, true)), SamplingDecision.NOT_RECORD);
    assert.equal(decide(s, newTraceId(), parent(false, false)), SamplingDecision.NOT_RECORD);
  });

  it('reads only the sampled bit of the flags', () => {
    const s = parentBased(alwaysOff);
    assert.equal(decide(s, newTraceId(), { ...parent(true, true), traceFlags: 0xff }), SamplingDecision.RECORD_AND_SAMPLED);
    assert.equal(decide(s, newTraceId(), { ...parent(true, true), traceFlags: 0x02 }), SamplingDecision.NOT_RECORD);
  });

  it('uses the root sampler without a parent, with every argument passed on', () => {
    const calls: unknown[][] = [];
    const root: Sampler = {
      shouldSample: (...args) => {
        calls.push(args);
        return { decision: SamplingDecision.RECORD };
      },
      toString: () => 'Root',
    };
    const s = parentBased(root);
    const result = s.shouldSample(undefined, 'a'.repeat(32), 'name', SpanKind.SERVER, { k: 1 });
    assert.equal(result.decision, SamplingDecision.RECORD);
    assert.deepEqual(calls, [[undefined, 'a'.repeat(32), 'name', SpanKind.SERVER, { k: 1 }]]);
    assert.equal(s.toString(), 'ParentBased{root=Root}');
  });
});

describe('samplerFromConfig', () => {
  const sampled = (s: Sampler, p?: SpanContext) => decide(s, newTraceId(), p) === SamplingDecision.RECORD_AND_SAMPLED;

  it('defaults to parentbased_always_on', () => {
    const s = samplerFromConfig(config({}));
    assert.equal(s.toString(), 'ParentBased{root=AlwaysOnSampler}');
    assert.equal(sampled(s), true);
    assert.equal(sampled(s, parent(false, true)), false);
  });

  it('always_on, always_off', () => {
    assert.equal(samplerFromConfig(config({ OTEL_TRACES_SAMPLER: 'always_on' })), alwaysOn);
    assert.equal(samplerFromConfig(config({ OTEL_TRACES_SAMPLER: 'always_off' })), alwaysOff);
  });

  it('parentbased_always_on, parentbased_always_off', () => {
    const on = samplerFromConfig(config({ OTEL_TRACES_SAMPLER: 'parentbased_always_on' }));
    assert.equal(on.toString(), 'ParentBased{root=AlwaysOnSampler}');
    const off = samplerFromConfig(config({ OTEL_TRACES_SAMPLER: 'parentbased_always_off' }));
    assert.equal(off.toString(), 'ParentBased{root=AlwaysOffSampler}');
    assert.equal(sampled(off), false);
    assert.equal(sampled(off, parent(true, true)), true);
  });

  it('traceidratio with its argument, and 1 without one', () => {
    const s = samplerFromConfig(config({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }));
    assert.equal(s.toString(), 'TraceIdRatioBased{0.25}');
    const share = sampledShare(s);
    assert.ok(Math.abs(share - 0.25) <= 0.03, String(share));
    assert.equal(samplerFromConfig(config({ OTEL_TRACES_SAMPLER: 'traceidratio' })).toString(), 'TraceIdRatioBased{1}');
    assert.equal(samplerFromConfig(config({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' })).toString(), 'TraceIdRatioBased{0}');
  });

  it('parentbased_traceidratio', () => {
    const s = samplerFromConfig(config({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }));
    assert.equal(s.toString(), 'ParentBased{root=TraceIdRatioBased{0}}');
    assert.equal(sampled(s), false);
    assert.equal(sampled(s, parent(true, false)), true);
  });
});
