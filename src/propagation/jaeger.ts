/**
 * Jaeger's native format (https://www.jaegertracing.io/docs/latest/client-libraries/#propagation-format):
 *
 *   uber-trace-id: {trace-id}:{span-id}:{parent-span-id}:{flags}
 *     trace-id        64 or 128 bits in hex, leading zeros may be omitted (left-padded here); 0 is invalid
 *     span-id         64 bits in hex, leading zeros may be omitted; 0 is invalid
 *     parent-span-id  deprecated; read as hex and ignored, sent as 0
 *     flags           one byte as one or two hex digits: 0x01 sampled, 0x02 debug (sent with sampled)
 *   The value may arrive url-encoded (':' as %3A), as some Jaeger clients send it.
 *
 *   uberctx-{key}: {value}   one baggage entry per header, the value url-encoded; extracted entries are
 *                            merged into the context's baggage (set over existing keys; an entry
 *                            already there with the same value is left as it is, metadata included).
 *
 * Ids must be lower-case hex, as our span contexts are (the OpenTelemetry Go and JS Jaeger
 * propagators reject upper case as well). The debug flag is kept as DEBUG_KEY, shared with B3.
 * Baggage keys come from header names, which Node lower-cases: a key sent as `uberctx-UserId`
 * arrives as `userid`. Keys that are not valid header names are left out, on inject and on extract.
 */
import { type Context, isTracingSuppressed } from '../context/context';
import { TraceFlags } from '../trace/types';
import { createBaggage, getBaggage, setBaggage, type Baggage } from './baggage';
import {
  percentDecode,
  percentEncode,
  setRemoteSpanContext,
  singleValue,
  TOKEN,
  trimOws,
  ZERO_SPAN_ID,
  ZERO_TRACE_ID,
  injectableSpanContext,
  isSampledContext,
} from './internal';
import { isDebug, withDebug } from './sampling-flags';
import type { TextMapGetter, TextMapPropagator, TextMapSetter } from './types';

export const UBER_TRACE_ID_HEADER = 'uber-trace-id';
export const UBER_BAGGAGE_PREFIX = 'uberctx-';

const UBER_TRACE_ID = /^([0-9a-f]{1,32}):([0-9a-f]{1,16}):[0-9a-f]{1,16}:([0-9a-f]{1,2})$/;
const ENCODED_COLON = /%3a/gi;
const BAGGAGE_HEADER = /^uberctx-/i;
// A url-encoded value is printable ASCII; anything else (control characters, raw non-ASCII) is not
// one, and is skipped rather than guessed at.
const URL_ENCODED = /^[\x20-\x7e]*$/;
/** Longest valid value url-encoded (32 + 16 + 16 + 2 + 3 × "%3A"), with room for OWS. */
const MAX_UBER_TRACE_ID_LENGTH = 128;
/**
 * Bounds the uberctx- headers read per extract and written per inject (the W3C baggage member
 * limit), so a carrier or a baggage with thousands costs little.
 */
const MAX_BAGGAGE_HEADERS = 64;
/** Longest uberctx- value read, url-encoded, and so the longest one written. */
const MAX_BAGGAGE_VALUE_LENGTH = 8192;

function extractTraceId(context: Context, raw: string): Context | undefined {
  if (raw.length > MAX_UBER_TRACE_ID_LENGTH) return undefined;
  let value = trimOws(raw);
  if (value.indexOf('%') !== -1) value = value.replace(ENCODED_COLON, ':');
  const match = UBER_TRACE_ID.exec(value);
  if (match === null) return undefined;
  const traceId = (match[1] as string).padStart(32, '0');
  const spanId = (match[2] as string).padStart(16, '0');
  if (traceId === ZERO_TRACE_ID || spanId === ZERO_SPAN_ID) return undefined;
  const flags = parseInt(match[3] as string, 16);
  const debug = (flags & 0x02) !== 0;
  const sampled = (flags & 0x01) !== 0 || debug;
  const next = setRemoteSpanContext(context, traceId, spanId, sampled ? TraceFlags.SAMPLED : TraceFlags.NONE);
  return withDebug(next, debug);
}

function extractBaggage(context: Context, carrier: unknown, getter: TextMapGetter): Context {
  const keys: unknown = getter.keys(carrier);
  if (!Array.isArray(keys)) return context;
  const existing = getBaggage(context);
  let baggage: Baggage | undefined;
  let taken = 0;
  for (let i = 0; i < keys.length && taken < MAX_BAGGAGE_HEADERS; i++) {
    const name: unknown = keys[i];
    if (typeof name !== 'string' || name.length <= UBER_BAGGAGE_PREFIX.length || !BAGGAGE_HEADER.test(name)) continue;
    const raw = singleValue(getter.get(carrier, name));
    if (raw === undefined || raw.length > MAX_BAGGAGE_VALUE_LENGTH) continue;
    const value = trimOws(raw);
    if (value.length === 0 || !URL_ENCODED.test(value)) continue;
    const key = name.slice(UBER_BAGGAGE_PREFIX.length);
    // Only a key that inject (this one's and the W3C baggage propagator's) can send on: carriers
    // other than Node's request headers (the environment, message attributes) may have names with
    // spaces or any other character after the prefix.
    if (!TOKEN.test(key)) continue;
    taken++;
    if (baggage === undefined) baggage = existing ?? createBaggage();
    const decoded = percentDecode(value);
    // The same entry from the W3C baggage header (when both are configured) keeps its metadata.
    if (baggage.getEntry(key)?.value !== decoded) baggage = baggage.setEntry(key, { value: decoded });
  }
  return baggage === undefined || baggage === existing ? context : setBaggage(context, baggage);
}

export class JaegerPropagator implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    try {
      if (isTracingSuppressed(context)) return;
      const sc = injectableSpanContext(context);
      if (sc) {
        const flags = isDebug(context) ? '03' : isSampledContext(sc) ? '01' : '00';
        setter.set(carrier, UBER_TRACE_ID_HEADER, `${sc.traceId}:${sc.spanId}:0:${flags}`);
      }
      const baggage = getBaggage(context);
      if (baggage === undefined) return;
      const entries = baggage.getAllEntries();
      if (!Array.isArray(entries)) return;
      for (let i = 0, sent = 0; i < entries.length && sent < MAX_BAGGAGE_HEADERS; i++) {
        const pair: unknown = entries[i];
        if (!Array.isArray(pair)) continue;
        const key: unknown = pair[0];
        const entry: unknown = pair[1];
        if (typeof key !== 'string' || !TOKEN.test(key) || entry === null || typeof entry !== 'object') continue;
        const value: unknown = (entry as { value?: unknown }).value;
        if (typeof value !== 'string') continue;
        const encoded = percentEncode(value);
        // The bound extract applies: a longer value would be sent only to be ignored on arrival.
        if (encoded.length > MAX_BAGGAGE_VALUE_LENGTH) continue;
        setter.set(carrier, UBER_BAGGAGE_PREFIX + key, encoded);
        sent++;
      }
    } catch {
      // A throwing setter, carrier or foreign span: propagation is never worth an exception.
    }
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    let next = context;
    try {
      const header = singleValue(getter.get(carrier, UBER_TRACE_ID_HEADER));
      if (header !== undefined) next = extractTraceId(context, header) ?? context;
    } catch {
      next = context;
    }
    try {
      return extractBaggage(next, carrier, getter);
    } catch {
      return next;
    }
  }

  /** uberctx- headers are named by their keys, so only uber-trace-id is a fixed field. */
  fields(): string[] {
    return [UBER_TRACE_ID_HEADER];
  }
}

export function createJaegerPropagator(): TextMapPropagator {
  return new JaegerPropagator();
}
