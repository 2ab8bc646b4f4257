/**
 * What B3 and Jaeger carry besides a span context, kept in the Context so it can be honoured and
 * passed on. Shared by both, so a debug request that arrives as B3 leaves as Jaeger's debug flag
 * too, when both are configured.
 */
import { type Context, createContextKey } from '../context/context';

/**
 * true when the caller asked for debug tracing (B3 `d` or `X-B3-Flags: 1`, Jaeger flag 0x02).
 * The OpenTelemetry specification (B3 Extract) requires the debug flag to be preserved and sent on
 * with subsequent requests; the sampled flag is set along with it.
 */
export const DEBUG_KEY = createContextKey('propagation.debug');

/**
 * A sampling decision that came without any trace or span id (B3 `b3: 0`, `b3: 1`, `b3: d`, or
 * `X-B3-Sampled` / `X-B3-Flags` without ids): true to sample, false to drop. There is no span
 * context to carry it, so it is kept here; a sampler may read it, and the B3 propagators send it
 * on when there is still no valid span context to inject.
 */
export const SAMPLING_DECISION_KEY = createContextKey('propagation.sampling-decision');

export function isDebug(context: Context): boolean {
  return context.getValue(DEBUG_KEY) === true;
}

export function getSamplingDecision(context: Context): boolean | undefined {
  const decision = context.getValue(SAMPLING_DECISION_KEY);
  return typeof decision === 'boolean' ? decision : undefined;
}

/** The context with the debug mark set or removed (no new context when nothing changes). */
export function withDebug(context: Context, debug: boolean): Context {
  if (debug) return context.getValue(DEBUG_KEY) === true ? context : context.setValue(DEBUG_KEY, true);
  return context.getValue(DEBUG_KEY) === undefined ? context : context.deleteValue(DEBUG_KEY);
}
