/**
 * W3C Trace Context: the traceparent and tracestate headers.
 *
 * traceparent (W3C Trace Context Level 1, §3.2, and "Versioning of traceparent"):
 *   version 00:  00-<trace-id: 32 lower-hex>-<parent-id: 16 lower-hex>-<trace-flags: 2 lower-hex>,
 *                exactly 55 characters; anything after the flags makes it invalid.
 *   version ff:  invalid.
 *   higher:      parsed as version 00 for its first 55 characters, which must be followed by the
 *                end of the header or a '-' (later fields are ignored).
 *   all-zero trace-id or parent-id, upper-case hex, several traceparent values: invalid.
 * Leading and trailing OWS around the value is not part of it (HTTP field values; the W3C test
 * suite's test_traceparent_ows_handling). An invalid traceparent is ignored, so a new trace starts,
 * and then tracestate is ignored too.
 */
import type { Context } from '../context/context';
import { setSpanContext } from '../trace/span-context';
import type { SpanContext } from '../trace/types';
import { flagsToHex, hexValue, injectableSpanContext, isOws, joinedValue, singleValue, ZERO_SPAN_ID, ZERO_TRACE_ID } from './internal';
import { parseTraceState, serializeTraceState } from './trace-state';
import type { TextMapGetter, TextMapPropagator, TextMapSetter } from './types';

export const TRACEPARENT_HEADER = 'traceparent';
export const TRACESTATE_HEADER = 'tracestate';

const VERSION_00_LENGTH = 55;
/**
 * Our bound for a future version's traceparent, OWS included; longer values are ignored without
 * being read. Version 00 is 55 characters; later versions may only append fields.
 */
export const MAX_TRACEPARENT_LENGTH = 512;
// The first 55 characters of every version; anchored at the start only, the rest is checked by hand.
const TRACEPARENT_PREFIX = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}/;

/** The ids and flags of a traceparent value, or undefined when it is not a valid one. */
export function parseTraceParent(header: unknown): Pick<SpanContext, 'traceId' | 'spanId' | 'traceFlags'> | undefined {
  if (typeof header !== 'string' || header.length > MAX_TRACEPARENT_LENGTH) return undefined;
  let start = 0;
  let end = header.length;
  while (start < end && isOws(header.charCodeAt(start))) start++;
  while (end > start && isOws(header.charCodeAt(end - 1))) end--;
  const length = end - start;
  if (length < VERSION_00_LENGTH) return undefined;
  const value = start === 0 && end === header.length ? header : header.slice(start, end);
  if (!TRACEPARENT_PREFIX.test(value)) return undefined;
  const version = value.charCodeAt(0) * 256 + value.charCodeAt(1);
  if (version === 0x6666 /* "ff" */) return undefined;
  if (version === 0x3030 /* "00" */) {
    if (length !== VERSION_00_LENGTH) return undefined;
  } else if (length > VERSION_00_LENGTH && value.charCodeAt(VERSION_00_LENGTH) !== 0x2d /* '-' */) {
    return undefined;
  }
  const traceId = value.slice(3, 35);
  const spanId = value.slice(36, 52);
  if (traceId === ZERO_TRACE_ID || spanId === ZERO_SPAN_ID) return undefined;
  return { traceId, spanId, traceFlags: hexValue(value.charCodeAt(53)) * 16 + hexValue(value.charCodeAt(54)) };
}

export class W3CTraceContextPropagator implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    try {
      const sc = injectableSpanContext(context);
      if (!sc) return;
      setter.set(carrier, TRACEPARENT_HEADER, `00-${sc.traceId}-${sc.spanId}-${flagsToHex(sc.traceFlags)}`);
      const state = sc.traceState;
      if (state !== undefined && state !== null) {
        const serialized = serializeTraceState(state);
        if (serialized.length > 0) setter.set(carrier, TRACESTATE_HEADER, serialized);
      }
    } catch {
      // A throwing setter, carrier or foreign span: propagation is never worth an exception.
    }
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    try {
      const parsed = parseTraceParent(singleValue(getter.get(carrier, TRACEPARENT_HEADER)));
      if (parsed === undefined) return context;
      const spanContext: SpanContext = {
        traceId: parsed.traceId,
        spanId: parsed.spanId,
        traceFlags: parsed.traceFlags,
        isRemote: true,
      };
      const state = joinedValue(getter.get(carrier, TRACESTATE_HEADER));
      if (state !== undefined) spanContext.traceState = parseTraceState(state);
      return setSpanContext(context, spanContext);
    } catch {
      return context;
    }
  }

  fields(): string[] {
    return [TRACEPARENT_HEADER, TRACESTATE_HEADER];
  }
}
