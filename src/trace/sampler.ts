import type { Config } from '../config/settings';
import type { Attributes, SpanContext, SpanKind, TraceState } from './types';
import { TraceFlags } from './types';

export const SamplingDecision = { NOT_RECORD: 0, RECORD: 1, RECORD_AND_SAMPLED: 2 } as const;
export type SamplingDecision = (typeof SamplingDecision)[keyof typeof SamplingDecision];

export interface SamplingResult {
  readonly decision: SamplingDecision;
  readonly attributes?: Attributes;
  readonly traceState?: TraceState;
}

export interface Sampler {
  /** `parent` is the parent's span context, if it has a valid one. */
  shouldSample(parent: SpanContext | undefined, traceId: string, name: string, kind: SpanKind, attributes: Attributes | undefined): SamplingResult;
  toString(): string;
}

const SAMPLED: SamplingResult = Object.freeze({ decision: SamplingDecision.RECORD_AND_SAMPLED });
const DROPPED: SamplingResult = Object.freeze({ decision: SamplingDecision.NOT_RECORD });

export const alwaysOn: Sampler = { shouldSample: () => SAMPLED, toString: () => 'AlwaysOnSampler' };
export const alwaysOff: Sampler = { shouldSample: () => DROPPED, toString: () => 'AlwaysOffSampler' };

/**
 * Samples a fraction of traces, decided by the trace id alone so that every process of a trace
 * decides alike. It reads the trace id's last 13 hex digits (52 random bits, within the range a
 * double holds exactly; W3C trace-context level 2 puts the randomness in the right-most bytes).
 */
export function traceIdRatio(ratio: number): Sampler {
  const r = Number.isFinite(ratio) ? Math.min(1, Math.max(0, ratio)) : 1;
  const bound = r * 2 ** 52;
  return {
    shouldSample(_parent, traceId) {
      if (r >= 1) return SAMPLED;
      if (r <= 0) return DROPPED;
      return parseInt(traceId.slice(19), 16) < bound ? SAMPLED : DROPPED;
    },
    toString: () => `TraceIdRatioBased{${r}}`,
  };
}

/** Follows the parent's decision; uses `root` for spans without a parent. */
export function parentBased(root: Sampler): Sampler {
  return {
    shouldSample(parent, traceId, name, kind, attributes) {
      if (!parent) return root.shouldSample(parent, traceId, name, kind, attributes);
      return (parent.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? SAMPLED : DROPPED;
    },
    toString: () => `ParentBased{root=${root.toString()}}`,
  };
}

/** The sampler OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG name. */
export function samplerFromConfig(config: Config): Sampler {
  const ratio = config.OTEL_TRACES_SAMPLER_ARG ?? 1;
  switch (config.OTEL_TRACES_SAMPLER) {
    case 'always_on':
      return alwaysOn;
    case 'always_off':
      return alwaysOff;
    case 'traceidratio':
      return traceIdRatio(ratio);
    case 'parentbased_always_off':
      return parentBased(alwaysOff);
    case 'parentbased_traceidratio':
      return parentBased(traceIdRatio(ratio));
    default:
      return parentBased(alwaysOn);
  }
}
