import type { InstrumentationContext } from '../src/instrumentation/types';
import { SeverityNumber } from '../src/logs/types';

/**
 * What the log bridges (console, pino, winston, bunyan) share: level names to the data model's
 * severity numbers, and the trace fields they add to the program's own output.
 */

// npm levels (winston's default) as the OpenTelemetry winston transport maps them: http and verbose
// rank below info, above debug; syslog levels (winston.config.syslog) above error are FATAL ones.
const BY_NAME: Readonly<Record<string, number>> = {
  trace: SeverityNumber.TRACE,
  silly: SeverityNumber.TRACE,
  debug: SeverityNumber.DEBUG,
  verbose: SeverityNumber.DEBUG + 1,
  http: SeverityNumber.DEBUG + 2,
  info: SeverityNumber.INFO,
  notice: SeverityNumber.INFO + 1,
  warn: SeverityNumber.WARN,
  warning: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
  fatal: SeverityNumber.FATAL,
  crit: SeverityNumber.FATAL,
  critical: SeverityNumber.FATAL,
  alert: SeverityNumber.FATAL + 1,
  emerg: SeverityNumber.FATAL + 2,
};

/** The severity number of a level name (any case); UNSPECIFIED (0) for a name it does not know. */
export function severityOfName(level: string): number {
  return BY_NAME[level.toLowerCase()] ?? SeverityNumber.UNSPECIFIED;
}

/**
 * The severity number of a numeric level on the scale pino and bunyan share (10 trace, 20 debug,
 * 30 info, 40 warn, 50 error, 60 fatal); custom levels in between take the nearest range below.
 */
export function severityOfNumber(level: number): number {
  if (!Number.isFinite(level)) return SeverityNumber.UNSPECIFIED;
  if (level >= 60) return SeverityNumber.FATAL;
  if (level >= 50) return SeverityNumber.ERROR;
  if (level >= 40) return SeverityNumber.WARN;
  if (level >= 30) return SeverityNumber.INFO;
  if (level >= 20) return SeverityNumber.DEBUG;
  if (level >= 1) return SeverityNumber.TRACE;
  return SeverityNumber.UNSPECIFIED;
}

export interface TraceFields {
  trace_id: string;
  span_id: string;
  trace_flags: string;
}

/**
 * The active span's ids as the OpenTelemetry logger instrumentations write them into a log line
 * (`trace_id`, `span_id`, `trace_flags` as two hex digits), or undefined outside any span.
 */
export function traceFields(ctx: InstrumentationContext): TraceFields | undefined {
  const span = ctx.trace.getSpan(ctx.trace.contextManager.active());
  const sc = span?.spanContext();
  if (!sc || sc.traceId === '00000000000000000000000000000000') return undefined;
  return { trace_id: sc.traceId, span_id: sc.spanId, trace_flags: `0${(sc.traceFlags & 0xff).toString(16)}`.slice(-2) };
}
