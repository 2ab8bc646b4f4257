/**
 * The propagator contract, shaped exactly like @opentelemetry/api 1.x's TextMapPropagator,
 * TextMapGetter and TextMapSetter, so the API bridge can hand our propagators to a program that
 * uses that API, and take the program's getters and setters, without adapters.
 */
import type { Context } from '../context/context';

/** Reads propagation fields from a carrier (request headers, message attributes, an environment). */
export interface TextMapGetter<Carrier = any> {
  /** Every key the carrier holds (used by propagators with key prefixes, such as Jaeger's uberctx-). */
  keys(carrier: Carrier): string[];
  /** The value of one key; a string[] when the carrier keeps repeated fields apart. */
  get(carrier: Carrier, key: string): undefined | string | string[];
}

/** Writes one propagation field into a carrier. */
export interface TextMapSetter<Carrier = any> {
  set(carrier: Carrier, key: string, value: string): void;
}

/**
 * Injects a Context into carriers and extracts one from them.
 *
 * Our implementations never throw, whatever the carrier, getter or setter does, and an extract
 * that finds nothing valid returns the context it was given, unchanged (OpenTelemetry
 * specification, API Propagators: extract "MUST NOT throw an exception and MUST NOT store a new
 * value in the Context").
 */
export interface TextMapPropagator<Carrier = any> {
  inject(context: Context, carrier: Carrier, setter: TextMapSetter<Carrier>): void;
  extract(context: Context, carrier: Carrier, getter: TextMapGetter<Carrier>): Context;
  /** The fields inject may set, so that a carrier can be cleared before it is injected again. */
  fields(): string[];
}

/** A plain header object: Node's IncomingHttpHeaders and OutgoingHttpHeaders, a fetch init's headers. */
export type HeaderCarrier = Record<string, unknown>;

/**
 * The getter for plain header objects. It looks the key up exactly as the propagators spell it, in
 * lower case, and nothing else: Node lower-cases the names of incoming headers
 * (IncomingMessage.headers), so for the per-request path a case-insensitive search would cost a
 * scan of every header name (and an Object.keys array) on each lookup for nothing. Carriers whose
 * keys may have any case should be read with {@link caseInsensitiveHeaderGetter}.
 *
 * Values other than a string or an array are reported as absent; the propagators check the array
 * elements themselves. Carriers that are not objects hold nothing.
 */
export const defaultTextMapGetter: TextMapGetter<HeaderCarrier> = {
  get(carrier, key) {
    if (carrier === null || typeof carrier !== 'object') return undefined;
    const value = carrier[key];
    return typeof value === 'string' || Array.isArray(value) ? (value as string | string[]) : undefined;
  },
  keys(carrier) {
    if (carrier === null || typeof carrier !== 'object') return [];
    return Object.keys(carrier);
  },
};

/**
 * For header objects built by hand or by libraries that keep the sender's spelling
 * (`{ TraceParent: ... }`): an exact lookup first, then a scan comparing names case-insensitively.
 */
export const caseInsensitiveHeaderGetter: TextMapGetter<HeaderCarrier> = {
  get(carrier, key) {
    const exact = defaultTextMapGetter.get(carrier, key);
    if (exact !== undefined) return exact;
    if (carrier === null || typeof carrier !== 'object') return undefined;
    const wanted = key.toLowerCase();
    const names = Object.keys(carrier);
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      if (name.length === wanted.length && name !== key && name.toLowerCase() === wanted) {
        const value = carrier[name];
        if (typeof value === 'string' || Array.isArray(value)) return value as string | string[];
      }
    }
    return undefined;
  },
  keys: defaultTextMapGetter.keys,
};

/** Sets `carrier[key] = value` on plain header objects; ignores carriers that are not objects. */
export const defaultTextMapSetter: TextMapSetter<HeaderCarrier> = {
  set(carrier, key, value) {
    if (carrier === null || typeof carrier !== 'object') return;
    carrier[key] = value;
  },
};
