import type { HrTime } from './types';

const NANOS = 1e9;

function msToHr(ms: number): HrTime {
  const s = Math.floor(ms / 1000);
  return [s, Math.round((ms - s * 1000) * 1e6)];
}

function add(a: HrTime, b: HrTime): HrTime {
  let s = a[0] + b[0];
  let ns = a[1] + b[1];
  if (ns >= NANOS) {
    s += 1;
    ns -= NANOS;
  }
  return [s, ns];
}

// Wall-clock anchor taken once; spans then measure with the monotonic clock from it, so that a
// clock adjustment during a request cannot make a span end before it started. Taken on first use:
// the performance global loads perf_hooks, which a program that never traces need not pay for.
let origin: HrTime | undefined;
const anchor = (): HrTime => (origin ??= msToHr(performance.timeOrigin));

/** The current time as [seconds, nanoseconds] since the epoch. */
export function now(): HrTime {
  // add(anchor(), msToHr(performance.now())) in one allocation: this runs twice per span.
  const origin = anchor();
  const ms = performance.now();
  const whole = Math.floor(ms / 1000);
  let s = origin[0] + whole;
  let ns = origin[1] + Math.round((ms - whole * 1000) * 1e6);
  if (ns >= NANOS) {
    s += 1;
    ns -= NANOS;
  }
  return [s, ns];
}

/**
 * A time given by a program through the API: HrTime, epoch milliseconds, a Date, or (as
 * performance.now() values) milliseconds since the time origin. Anything else is `now()`.
 */
export function toHrTime(input: unknown): HrTime {
  if (Array.isArray(input) && input.length === 2 && Number.isFinite(input[0]) && Number.isFinite(input[1])) {
    return [input[0] as number, input[1] as number];
  }
  if (input instanceof Date) return msToHr(input.getTime());
  if (typeof input === 'number' && Number.isFinite(input) && input >= 0) {
    // Like @opentelemetry/core: small values are performance.now() readings. The bound is half the
    // time origin, not the time origin: an epoch time from before the process started (a job's
    // Date.now() taken earlier, or a wall clock slightly behind the monotonic origin) is still epoch
    // milliseconds; a performance.now() reading that large would need decades of uptime.
    return input < performance.timeOrigin / 2 ? add(anchor(), msToHr(input)) : msToHr(input);
  }
  return now();
}

export function compareHr(a: HrTime, b: HrTime): number {
  return a[0] === b[0] ? a[1] - b[1] : a[0] - b[0];
}

/** Duration in milliseconds. */
export function durationMs(start: HrTime, end: HrTime): number {
  return (end[0] - start[0]) * 1e3 + (end[1] - start[1]) / 1e6;
}

export function hrToIso(t: HrTime): string {
  const iso = new Date(t[0] * 1000).toISOString();
  return `${iso.slice(0, 19)}.${String(t[1]).padStart(9, '0')}Z`;
}
