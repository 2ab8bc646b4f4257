/**
 * Environment variables as context propagation carriers (OpenTelemetry specification,
 * context/env-carriers.md): the W3C header names map to TRACEPARENT, TRACESTATE and BAGGAGE, and
 * the same propagators run over a process.env-like object.
 *
 * Names: a header name is upper-cased, and every character other than A-Z, 0-9 and '_' becomes
 * '_', since the specification asks for "uppercase letters, digits, and underscores" (so
 * uber-trace-id ↔ UBER_TRACE_ID, x-b3-traceid ↔ X_B3_TRACEID). keys() maps the other way
 * (lower-case, '_' → '-'), which is what lets Jaeger's uberctx- prefix match UBERCTX_* variables;
 * a baggage key read that way has '-' where the variable had '_'. The OpenTelemetry Go EnvCarrier
 * only upper-cases; for the three W3C names the result is the same.
 *
 * Values: as the specification's env-carriers section and the W3C formats require; the getter reads
 * only strings. Child processes: inject into a copy of the environment (injectIntoEnvironment), as
 * the specification's "Process Spawning" guidance says; the process's own environment is never
 * modified here.
 */
import { type Context, ROOT_CONTEXT } from '../context/context';
import type { TextMapGetter, TextMapPropagator, TextMapSetter } from './types';

/** What process.env is: names to strings (undefined for a name looked up but not set). */
export type EnvironmentCarrier = Record<string, string | undefined>;

const NOT_NAME_CHAR = /[^A-Z0-9_]/g;
// Most lookups are for the same few names: cache the mapping.
const names = new Map<string, string>();
const MAX_CACHED_NAMES = 256;

/** The environment variable that carries `header`: traceparent → TRACEPARENT. */
export function environmentVariableName(header: string): string {
  let name = names.get(header);
  if (name === undefined) {
    name = header.toUpperCase().replace(NOT_NAME_CHAR, '_');
    if (names.size < MAX_CACHED_NAMES) names.set(header, name);
  }
  return name;
}

export const environmentGetter: TextMapGetter<EnvironmentCarrier> = {
  get(env, key) {
    if (env === null || typeof env !== 'object') return undefined;
    const value = env[environmentVariableName(key)];
    return typeof value === 'string' ? value : undefined;
  },
  keys(env) {
    if (env === null || typeof env !== 'object') return [];
    return Object.keys(env).map((name) => name.toLowerCase().replace(/_/g, '-'));
  },
};

export const environmentSetter: TextMapSetter<EnvironmentCarrier> = {
  set(env, key, value) {
    if (env === null || typeof env !== 'object') return;
    env[environmentVariableName(key)] = value;
  },
};

/**
 * The context carried by the environment (TRACEPARENT, TRACESTATE, BAGGAGE, …): `base` with what
 * `propagator` extracts from `env`, or `base` itself when it holds nothing valid.
 */
export function contextFromEnvironment(
  propagator: TextMapPropagator,
  env: EnvironmentCarrier,
  base: Context = ROOT_CONTEXT,
): Context {
  try {
    return propagator.extract(base, env, environmentGetter);
  } catch {
    return base;
  }
}

/**
 * Writes `context` into `env` (a copy of the environment meant for a child process) and returns it.
 * Variables the propagator may set are removed first, so stale values of an inherited environment
 * (a TRACESTATE with no TRACEPARENT any more) do not go on to the child.
 */
export function injectIntoEnvironment(
  propagator: TextMapPropagator,
  context: Context,
  env: EnvironmentCarrier = {},
): EnvironmentCarrier {
  try {
    for (const field of propagator.fields()) delete env[environmentVariableName(field)];
    propagator.inject(context, env, environmentSetter);
  } catch {
    // A foreign propagator that throws: the environment keeps whatever was set.
  }
  return env;
}
