/**
 * B3 (https://github.com/openzipkin/b3-propagation), single and multiple headers, following the
 * OpenTelemetry specification's "B3 Requirements" (API Propagators):
 * - extract tries the single header first, then the multiple headers (both propagators do);
 * - the debug flag is kept (DEBUG_KEY) and sent on, and it sets the sampled flag;
 * - inject writes the single header ('b3') or the multiple headers ('b3multi'), never
 *   X-B3-ParentSpanId; fields() names the headers inject writes.
 *
 * Single:   b3: {TraceId}-{SpanId}[-{SamplingState}[-{ParentSpanId}]]   or   b3: {SamplingState}
 *           TraceId 32 or 16 lower-hex (64-bit ids are left-padded with zeros to 128 bits),
 *           SpanId and ParentSpanId 16 lower-hex, SamplingState 1 (accept), 0 (deny), d (debug).
 * Multiple: X-B3-TraceId, X-B3-SpanId, X-B3-ParentSpanId, X-B3-Sampled (1/0, and the older
 *           true/false), X-B3-Flags (1 = debug, which implies accept; X-B3-Sampled is then not sent).
 *
 * Decisions made here: a single header that is present but invalid falls back to the multiple
 * headers (as the Go implementation does) rather than ending the extraction; when the sampling
 * state is absent ("defer"), the extracted context is not sampled (traceFlags 0), as in the
 * OpenTelemetry JS and Go B3 propagators; a sampling state without ids (`b3: 0`, or X-B3-Sampled
 * alone) is kept as SAMPLING_DECISION_KEY, since there is no span context to carry it.
 */
import { type Context, isTracingSuppressed } from '../context/context';
import { TraceFlags } from '../trace/types';
import { injectableSpanContext, isSampledContext, setRemoteSpanContext, singleValue, trimOws, ZERO_SPAN_ID, ZERO_TRACE_ID } from './internal';
import { getSamplingDecision, isDebug, SAMPLING_DECISION_KEY, withDebug } from './sampling-flags';
import type { TextMapGetter, TextMapPropagator, TextMapSetter } from './types';

export const B3_CONTEXT_HEADER = 'b3';
export const X_B3_TRACE_ID = 'x-b3-traceid';
export const X_B3_SPAN_ID = 'x-b3-spanid';
export const X_B3_SAMPLED = 'x-b3-sampled';
export const X_B3_PARENT_SPAN_ID = 'x-b3-parentspanid';
export const X_B3_FLAGS = 'x-b3-flags';

const SINGLE = /^(?:[0-9a-f]{32}|[0-9a-f]{16})-[0-9a-f]{16}(?:-[01d](?:-[0-9a-f]{16})?)?$/;
const SINGLE_MAX_LENGTH = 32 + 1 + 16 + 1 + 1 + 1 + 16;
const TRACE_ID = /^(?:[0-9a-f]{32}|[0-9a-f]{16})$/;
const SPAN_ID = /^[0-9a-f]{16}$/;

export type B3InjectEncoding = 'single' | 'multi';

function withRemoteContext(
  context: Context,
  traceId: string,
  spanId: string,
  sampled: boolean,
  debug: boolean,
): Context | undefined {
  const id = traceId.length === 16 ? ZERO_SPAN_ID + traceId : traceId;
  if (id === ZERO_TRACE_ID || spanId === ZERO_SPAN_ID) return undefined;
  const next = setRemoteSpanContext(context, id, spanId, sampled || debug ? TraceFlags.SAMPLED : TraceFlags.NONE);
  return withDebug(next, debug);
}

function withDecision(context: Context, sampled: boolean, debug: boolean): Context {
  return withDebug(context.setValue(SAMPLING_DECISION_KEY, sampled || debug), debug);
}

function extractSingle(context: Context, header: string): Context | undefined {
  if (header.length > SINGLE_MAX_LENGTH + 64) return undefined;
  const h = trimOws(header);
  if (h.length === 1) {
    if (h === '0') return withDecision(context, false, false);
    if (h === '1') return withDecision(context, true, false);
    if (h === 'd') return withDecision(context, true, true);
    return undefined;
  }
  if (h.length > SINGLE_MAX_LENGTH || !SINGLE.test(h)) return undefined;
  const dash = h.charCodeAt(16) === 0x2d ? 16 : 32;
  const state = h.length > dash + 17 ? h.charCodeAt(dash + 18) : -1;
  const debug = state === 0x64; /* 'd' */
  return withRemoteContext(context, h.slice(0, dash), h.slice(dash + 1, dash + 17), state === 0x31 || debug, debug);
}

/** X-B3-Sampled: true, false, or undefined when absent or not one of 1, 0, true, false. */
function parseSampled(raw: string | undefined): boolean | undefined {
  if (raw === undefined || raw.length > 16) return undefined;
  const v = trimOws(raw).toLowerCase();
  if (v === '1' || v === 'true') return true;
  if (v === '0' || v === 'false') return false;
  return undefined;
}

function extractMulti(context: Context, carrier: unknown, getter: TextMapGetter): Context | undefined {
  const rawTraceId = singleValue(getter.get(carrier, X_B3_TRACE_ID));
  const rawSpanId = singleValue(getter.get(carrier, X_B3_SPAN_ID));
  const sampled = parseSampled(singleValue(getter.get(carrier, X_B3_SAMPLED)));
  const flags = singleValue(getter.get(carrier, X_B3_FLAGS));
  const debug = flags !== undefined && flags.length < 16 && trimOws(flags) === '1';
  if (rawTraceId === undefined && rawSpanId === undefined) {
    if (debug) return withDecision(context, true, true);
    return sampled === undefined ? undefined : withDecision(context, sampled, false);
  }
  if (rawTraceId === undefined || rawSpanId === undefined) return undefined;
  if (rawTraceId.length > 64 || rawSpanId.length > 64) return undefined;
  const traceId = trimOws(rawTraceId);
  const spanId = trimOws(rawSpanId);
  if (!TRACE_ID.test(traceId) || !SPAN_ID.test(spanId)) return undefined;
  return withRemoteContext(context, traceId, spanId, sampled === true || debug, debug);
}

export class B3Propagator implements TextMapPropagator {
  private readonly injectFields: readonly string[];

  constructor(private readonly encoding: B3InjectEncoding = 'single') {
    this.injectFields =
      encoding === 'single' ? [B3_CONTEXT_HEADER] : [X_B3_TRACE_ID, X_B3_SPAN_ID, X_B3_SAMPLED, X_B3_FLAGS];
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    try {
      if (isTracingSuppressed(context)) return;
      const debug = isDebug(context);
      const sc = injectableSpanContext(context);
      if (sc) {
        const sampled = isSampledContext(sc);
        if (this.encoding === 'single') {
          setter.set(carrier, B3_CONTEXT_HEADER, `${sc.traceId}-${sc.spanId}-${debug ? 'd' : sampled ? '1' : '0'}`);
        } else {
          setter.set(carrier, X_B3_TRACE_ID, sc.traceId);
          setter.set(carrier, X_B3_SPAN_ID, sc.spanId);
          if (debug) setter.set(carrier, X_B3_FLAGS, '1');
          else setter.set(carrier, X_B3_SAMPLED, sampled ? '1' : '0');
        }
        return;
      }
      // No span context to send: pass on a bare sampling decision, if one came in.
      const decision = getSamplingDecision(context);
      if (decision === undefined) return;
      if (this.encoding === 'single') setter.set(carrier, B3_CONTEXT_HEADER, debug ? 'd' : decision ? '1' : '0');
      else if (debug) setter.set(carrier, X_B3_FLAGS, '1');
      else setter.set(carrier, X_B3_SAMPLED, decision ? '1' : '0');
    } catch {
      // A throwing setter, carrier or foreign span: propagation is never worth an exception.
    }
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    try {
      const single = singleValue(getter.get(carrier, B3_CONTEXT_HEADER));
      if (single !== undefined) {
        const extracted = extractSingle(context, single);
        if (extracted !== undefined) return extracted;
      }
      return extractMulti(context, carrier, getter) ?? context;
    } catch {
      return context;
    }
  }

  fields(): string[] {
    return this.injectFields.slice();
  }
}

/** OTEL_PROPAGATORS=b3: extracts either form, injects the single `b3` header. */
export function createB3Propagator(): TextMapPropagator {
  return new B3Propagator('single');
}

/** OTEL_PROPAGATORS=b3multi: extracts either form, injects the X-B3-* headers. */
export function createB3MultiPropagator(): TextMapPropagator {
  return new B3Propagator('multi');
}
