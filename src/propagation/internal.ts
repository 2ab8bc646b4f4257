/**
 * Helpers shared by the propagators. Everything here runs on every request, so: no regex built per
 * call, no closures, no intermediate arrays, and every scan bounded by the range it works on (an
 * `indexOf` that may run past the current list-member would make a hostile header quadratic).
 */
import { isTracingSuppressed, type Context } from '../context/context';
import { getSpanContext, isValidSpanId, isValidTraceId, setSpanContext } from '../trace/span-context';
import { TraceFlags, type SpanContext } from '../trace/types';

/** OWS of RFC 7230 §3.2.3: space and horizontal tab. */
export function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/** `s` without leading and trailing OWS; `s` itself when there is none (no allocation). */
export function trimOws(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isOws(s.charCodeAt(start))) start++;
  while (end > start && isOws(s.charCodeAt(end - 1))) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/** The part of `s` in [start, end) without leading and trailing OWS. */
export function sliceTrimmed(s: string, start: number, end: number): string {
  while (start < end && isOws(s.charCodeAt(start))) start++;
  while (end > start && isOws(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end);
}

/** Index of `code` in s[from, to), or -1: an `indexOf` that never looks past `to`. */
export function indexOfIn(s: string, code: number, from: number, to: number): number {
  for (let i = from; i < to; i++) if (s.charCodeAt(i) === code) return i;
  return -1;
}

/**
 * A header that must occur once: a string, or an array holding exactly one string. Several values
 * (an array of two, as some carriers keep repeated headers) make it invalid, as the W3C Trace
 * Context specification asks for traceparent. Node itself joins repeated headers it does not know
 * with ", ", which no single-valued format accepts either.
 */
export function singleValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.length === 1 && typeof value[0] === 'string') return value[0];
  return undefined;
}

/** A list-valued header that may be repeated (tracestate, baggage): repeated values joined by ','. */
export function joinedValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) return undefined;
  let out: string | undefined;
  for (let i = 0; i < value.length; i++) {
    const v: unknown = value[i];
    if (typeof v !== 'string') continue;
    out = out === undefined ? v : `${out},${v}`;
  }
  return out;
}

/** '00' … 'ff': trace flags as two lower-case hex digits without formatting per call. */
export const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Trace flags as two hex digits; anything that is not a number counts as 0. */
export function flagsToHex(flags: unknown): string {
  return HEX_BYTE[typeof flags === 'number' ? flags & 0xff : 0] as string;
}

export const ZERO_TRACE_ID = '00000000000000000000000000000000';
export const ZERO_SPAN_ID = '0000000000000000';

/** The value of one hex digit (either case), or -1. */
export function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  return -1;
}

// The W3C Baggage `baggage-octet` set without '%': values made only of these need no encoding.
const NEEDS_NO_ENCODING = /^[\x21\x23\x24\x26-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Percent-encodes a value for the baggage header (and Jaeger's uberctx- headers). Everything
 * outside `baggage-octet`, and '%' itself, is encoded as UTF-8 octets; encodeURIComponent leaves
 * only characters that are baggage-octets, and "code points which are not required to be
 * percent-encoded MAY be percent-encoded" (W3C Baggage, §3.3.1.3). A lone surrogate, which has no
 * UTF-8 form and makes encodeURIComponent throw, becomes U+FFFD.
 */
export function percentEncode(value: string): string {
  if (NEEDS_NO_ENCODING.test(value)) return value;
  try {
    return encodeURIComponent(value);
  } catch {
    return encodeURIComponent(value.replace(LONE_SURROGATE, '\uFFFD'));
  }
}

/**
 * Decodes %XX sequences as UTF-8. Sequences that are not valid UTF-8 become U+FFFD, as the W3C
 * Baggage specification requires (§3.3.1.3), instead of failing the way decodeURIComponent does; a
 * '%' not followed by two hex digits is kept as it is. Never throws.
 */
export function percentDecode(s: string): string {
  if (s.indexOf('%') === -1) return s;
  // Well-formed input, the usual case, is what the native decoder does fastest; it throws on
  // anything else, which then takes the tolerant path below.
  try {
    return decodeURIComponent(s);
  } catch {
    return decodeTolerant(s);
  }
}

function decodeTolerant(s: string): string {
  const bytes = Buffer.allocUnsafe(s.length * 3);
  let n = 0;
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && i + 2 < len) {
      const hi = hexValue(s.charCodeAt(i + 1));
      const lo = hi === -1 ? -1 : hexValue(s.charCodeAt(i + 2));
      if (lo !== -1) {
        bytes[n++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
    }
    if (c < 0x80) {
      bytes[n++] = c;
    } else if (c < 0x800) {
      bytes[n++] = 0xc0 | (c >> 6);
      bytes[n++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < len && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      const cp = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(i + 1) - 0xdc00);
      i++;
      bytes[n++] = 0xf0 | (cp >> 18);
      bytes[n++] = 0x80 | ((cp >> 12) & 0x3f);
      bytes[n++] = 0x80 | ((cp >> 6) & 0x3f);
      bytes[n++] = 0x80 | (cp & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      // A lone surrogate: U+FFFD.
      bytes[n++] = 0xef;
      bytes[n++] = 0xbf;
      bytes[n++] = 0xbd;
    } else {
      bytes[n++] = 0xe0 | (c >> 12);
      bytes[n++] = 0x80 | ((c >> 6) & 0x3f);
      bytes[n++] = 0x80 | (c & 0x3f);
    }
  }
  // Node's UTF-8 decoder replaces every ill-formed subsequence with U+FFFD.
  return bytes.toString('utf8', 0, n);
}

/** RFC 7230 §3.2.6 token: header names, and the keys of W3C baggage. */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Puts a remote span context into `context`. When the context already holds a remote span context
 * with the same trace and span ids (an earlier propagator of a composite read the same parent from
 * another format), its tracestate is kept: B3 and Jaeger cannot carry one, and an upstream that
 * sends traceparent, tracestate and b3 for one span should not lose its tracestate because b3 was
 * listed after tracecontext.
 */
export function setRemoteSpanContext(context: Context, traceId: string, spanId: string, traceFlags: number): Context {
  const sc: SpanContext = { traceId, spanId, traceFlags, isRemote: true };
  const previous = getSpanContext(context);
  if (
    previous !== undefined &&
    previous !== null &&
    previous.isRemote === true &&
    previous.traceId === traceId &&
    previous.spanId === spanId &&
    previous.traceState !== undefined
  ) {
    sc.traceState = previous.traceState;
  }
  return setSpanContext(context, sc);
}

/**
 * The active span's context when it can be injected: tracing not suppressed, ids of the right type
 * and valid (a program's own span objects may hold anything).
 */
export function injectableSpanContext(context: Context): SpanContext | undefined {
  if (isTracingSuppressed(context)) return undefined;
  const sc = getSpanContext(context);
  if (sc === undefined || sc === null) return undefined;
  const { traceId, spanId } = sc;
  if (typeof traceId !== 'string' || typeof spanId !== 'string') return undefined;
  return isValidTraceId(traceId) && isValidSpanId(spanId) ? sc : undefined;
}

/** Whether a span context's flags say "sampled". */
export function isSampledContext(sc: SpanContext): boolean {
  return typeof sc.traceFlags === 'number' && (sc.traceFlags & TraceFlags.SAMPLED) !== 0;
}
