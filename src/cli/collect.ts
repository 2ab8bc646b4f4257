/**
 * `ts-otel-run collect`: the embedded OTLP receiver (src/receiver) as a local sink and live viewer
 * for development and CI. Traces are printed as trees once they are complete, log records one per
 * line, metrics as a periodic summary; `--out` keeps every request as a line of OTLP/JSON.
 *
 * Not a collector: nothing is forwarded, retried or kept beyond what the view needs.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type {
  Attributes,
  Int64,
  OtlpLogsRequest,
  OtlpMetricsRequest,
  OtlpRequest,
  OtlpTracesRequest,
  Protocol,
  Receiver,
  ReceiverOptions,
  ReceivedLogRecord,
  ReceivedMetric,
  ReceivedSpan,
  RequestMeta,
  Signal,
  Value,
} from '../receiver';
import { ATTR_SERVICE_INSTANCE_ID, ATTR_SERVICE_NAME } from '../resource/semconv';
import {
  ATTR_DB_QUERY_SUMMARY,
  ATTR_DB_QUERY_TEXT,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_FULL,
  ATTR_URL_PATH,
} from '../semconv';
import { UsageError } from './main';

export const DEFAULT_COLLECT_HOST = '127.0.0.1';
export const DEFAULT_GRPC_PORT = 4317;
export const DEFAULT_HTTP_PORT = 4318;
export const DEFAULT_METRICS_INTERVAL_MS = 10_000;
/** How long a trace must stay quiet (no new span) before it is printed. */
export const DEFAULT_TRACE_QUIET_MS = 500;

/** Traces printed and then remembered, so that late spans print as a continuation at the right depth. */
const REMEMBERED_TRACES = 10_000;
const MAX_VALUE_CHARS = 120;
const MAX_LOG_ATTRIBUTES = 20;

export interface CollectOptions {
  /** Interface to listen on; default 127.0.0.1 (loopback only). */
  host?: string;
  /** gRPC port; default 4317; 0 picks a free port. */
  grpcPort?: number;
  /** HTTP port (protobuf and JSON); default 4318; 0 picks a free port. */
  httpPort?: number;
  /** A file every accepted request is appended to, one line of OTLP/JSON each (see {@link OutLine}). */
  out?: string;
  /** How often the metrics summary is printed (only when metrics arrived since the last one); default 10 s. */
  metricsIntervalMs?: number;
  /** How long a trace must receive no new span before it is printed; default 500 ms. */
  quietMs?: number;
  /** Where the view goes; default process.stdout.write. */
  write?: (text: string) => void;
  /** ANSI colours; default: stdout is a terminal and NO_COLOR is not set. */
  color?: boolean;
}

export interface Collect {
  readonly host: string;
  readonly grpcPort: number;
  readonly httpPort: number;
  /** Base URLs for OTEL_EXPORTER_OTLP_ENDPOINT: gRPC and HTTP. */
  readonly endpoints: { readonly grpc: string; readonly http: string };
  /**
   * Closes the receiver, prints the traces still pending and a last metrics summary, closes the
   * out file. Idempotent; never rejects.
   */
  stop(): Promise<void>;
}

/** One line of the `--out` file. */
export interface OutLine {
  signal: Signal;
  protocol: Protocol;
  /** When the request was accepted, ISO 8601 (UTC). */
  receivedAt: string;
  /**
   * The request in OTLP/JSON: ids in hex, bytes in base64, 64-bit integers as numbers (or decimal
   * strings beyond 2^53), enums as numbers; NaN and infinities as "NaN", "Infinity", "-Infinity".
   */
  request: OtlpRequest;
}

/** Why collect could not start; `option` is the command-line option to change. */
export class CollectError extends Error {
  constructor(
    message: string,
    readonly code: 'EADDRINUSE' | 'EACCES' | 'EADDRNOTAVAIL' | 'LISTEN' | 'OUT_FILE',
    readonly option: '--grpc-port' | '--http-port' | '--host' | '--out',
  ) {
    super(message);
  }
}

export const COLLECT_DESCRIPTION =
  'receive OTLP (gRPC, HTTP/protobuf, HTTP/JSON) and print traces, logs and metrics as they arrive (for development and CI)';

export const COLLECT_HELP_AFTER = `
Listens on ${DEFAULT_COLLECT_HOST} (gRPC ${DEFAULT_GRPC_PORT}, HTTP ${DEFAULT_HTTP_PORT}) until Ctrl-C or SIGTERM, then prints what is still
pending and exits 0. The first line names the endpoints (the ports actually bound, with 0).

Prints, as they arrive:
  traces   a tree once the root span has arrived and no span came for ${DEFAULT_TRACE_QUIET_MS} ms; a line per span,
           indented by depth: name, kind, duration, [service], ERROR and its message, key attributes
           (http.route, url.path, http.response.status_code, db.query.summary, error.type ...);
           spans arriving later print as a continuation
  logs     a line per record: time, severity, [service], body, trace=<first 8 hex>, attributes
  metrics  every ${DEFAULT_METRICS_INTERVAL_MS / 1000} s if any arrived, per service and metric: the total (sums), the latest value
           (gauges), or count, sum and mean (histograms, summaries), with the unit

--out FILE appends every request as one line of JSON:
  {"signal":"traces"|"metrics"|"logs","protocol":"grpc"|"http/protobuf"|"http/json",
   "receivedAt":"<ISO 8601>","request":<the request in OTLP/JSON>}
The request is the same whatever the protocol: ids in hex, bytes in base64, enums as numbers.

Examples:
  ts-otel-run collect
  ts-otel-run --exporter_otlp_endpoint http://127.0.0.1:4318 node app.js     (in another terminal)
  ts-otel-run collect --grpc-port 0 --http-port 0 --out telemetry.jsonl

It is a viewer for development and CI, not a collector: it forwards nothing.
Exit status: 0 after Ctrl-C or SIGTERM; 2 for a usage error (a bad option, a port in use).`;

// ---------------------------------------------------------------------------------------------
// Formatting helpers
// ---------------------------------------------------------------------------------------------

type Paint = (style: keyof typeof STYLES, text: string) => string;

const STYLES = {
  bold: '1',
  dim: '2',
  red: '31;1',
  yellow: '33',
  green: '32',
  cyan: '36',
  magenta: '35',
  gray: '90',
} as const;

function painter(color: boolean): Paint {
  return color ? (style, text) => `\x1b[${STYLES[style]}m${text}\x1b[0m` : (_style, text) => text;
}

function big(v: Int64): bigint {
  try {
    return BigInt(v);
  } catch {
    return 0n;
  }
}

/** Milliseconds since the epoch from nanoseconds. */
function nanosToMs(v: Int64): number {
  return Number(big(v) / 1_000_000n);
}

function clock(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

function durationMs(start: Int64, end: Int64): number {
  return Number(big(end) - big(start)) / 1e6;
}

function formatMs(ms: number): string {
  if (!(ms >= 0)) return '? ms';
  return `${ms < 10 ? ms.toFixed(2) : ms < 1000 ? ms.toFixed(1) : ms.toFixed(0)} ms`;
}

function formatNumber(n: number): string {
  if (!Number.isFinite(n) || Number.isInteger(n)) return String(n);
  if (Math.abs(n) >= 100) return n.toFixed(1);
  return String(Number(n.toPrecision(4)));
}

function truncate(s: string, max = MAX_VALUE_CHARS): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** One line whatever the text: line breaks and other control characters escaped. */
function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

function valueText(v: Value): string {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return `<${v.length} bytes>`;
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x)) ?? String(v);
}

/** `key=value`, the value quoted when it would not read as one word. */
function attr(key: string, v: Value): string {
  const text = truncate(oneLine(valueText(v)));
  return `${key}=${typeof v === 'string' && (text === '' || /[\s"=]/.test(text)) ? JSON.stringify(text) : text}`;
}

function serviceOf(resource: { attributes: Attributes }): string {
  const name = resource.attributes[ATTR_SERVICE_NAME];
  return typeof name === 'string' && name ? name : 'unknown_service';
}

const SEVERITY_NAMES = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

function severityName(n: number): string {
  if (!(n >= 1 && n <= 24)) return '';
  const base = SEVERITY_NAMES[Math.floor((n - 1) / 4)]!;
  const step = (n - 1) % 4;
  return step === 0 ? base : `${base}${step + 1}`;
}

/** The OTLP/JSON text of a decoded request: bytes as base64, non-finite doubles as strings. */
export function otlpJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const raw = this[key];
    if (Buffer.isBuffer(raw)) return raw.toString('base64');
    if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
    return v;
  });
}

// ---------------------------------------------------------------------------------------------
// Traces
// ---------------------------------------------------------------------------------------------

interface PendingTrace {
  /** New spans by id, in arrival order. */
  spans: Map<string, ReceivedSpan>;
  timer: NodeJS.Timeout;
}

class TraceView {
  private readonly pending = new Map<string, PendingTrace>();
  /** Printed traces: span id → depth, oldest first (bounded). */
  private readonly printed = new Map<string, Map<string, number>>();

  constructor(
    private readonly quietMs: number,
    private readonly paint: Paint,
    private readonly out: (text: string) => void,
  ) {}

  add(spans: readonly ReceivedSpan[]): void {
    for (const span of spans) {
      if (this.printed.get(span.traceId)?.has(span.spanId)) continue; // a retried export
      let trace = this.pending.get(span.traceId);
      if (!trace) {
        const traceId = span.traceId;
        const timer = setTimeout(() => this.flush(traceId), this.quietMs);
        timer.unref();
        trace = { spans: new Map(), timer };
        this.pending.set(traceId, trace);
      } else {
        trace.timer.refresh();
      }
      trace.spans.set(span.spanId, span);
    }
  }

  /** Prints every pending trace, oldest first. */
  flushAll(): void {
    for (const traceId of [...this.pending.keys()]) this.flush(traceId);
  }

  private flush(traceId: string): void {
    const trace = this.pending.get(traceId);
    if (!trace) return;
    clearTimeout(trace.timer);
    this.pending.delete(traceId);
    const known = this.printed.get(traceId);
    const depths = known ?? new Map<string, number>();
    this.out(this.render(traceId, [...trace.spans.values()], depths, known !== undefined));
    if (known) {
      this.printed.delete(traceId); // most recently printed last
    } else if (this.printed.size >= REMEMBERED_TRACES) {
      this.printed.delete(this.printed.keys().next().value!);
    }
    this.printed.set(traceId, depths);
  }

  /** The trace's lines; records each printed span's depth in `depths`. */
  private render(traceId: string, spans: ReceivedSpan[], depths: Map<string, number>, continued: boolean): string {
    const { paint } = this;
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const children = new Map<string, ReceivedSpan[]>();
    const roots: ReceivedSpan[] = [];
    for (const s of spans) {
      if (s.parentSpanId && s.parentSpanId !== s.spanId && byId.has(s.parentSpanId)) {
        const list = children.get(s.parentSpanId);
        if (list) list.push(s);
        else children.set(s.parentSpanId, [s]);
      } else roots.push(s);
    }
    const byStart = (a: ReceivedSpan, b: ReceivedSpan) => {
      const d = big(a.startTimeUnixNano) - big(b.startTimeUnixNano);
      return d < 0n ? -1 : d > 0n ? 1 : 0;
    };
    // True roots first, then spans whose parent is elsewhere (not received, or printed before).
    roots.sort((a, b) => Number(a.parentSpanId !== '') - Number(b.parentSpanId !== '') || byStart(a, b));
    for (const list of children.values()) list.sort(byStart);

    let start = spans[0]!.startTimeUnixNano;
    let end = spans[0]!.endTimeUnixNano;
    for (const s of spans) {
      if (big(s.startTimeUnixNano) < big(start)) start = s.startTimeUnixNano;
      if (big(s.endTimeUnixNano) > big(end)) end = s.endTimeUnixNano;
    }
    const count = `${spans.length} span${spans.length === 1 ? '' : 's'}`;
    const notes: string[] = [];
    if (continued) notes.push(`continued: ${count} arrived after the trace was printed`);
    else {
      notes.push(count, formatMs(durationMs(start, end)));
      if (!roots.some((r) => r.parentSpanId === '')) notes.push('no root span received');
    }
    const lines = [
      `${paint('yellow', `trace ${continued ? `${traceId.slice(0, 8)}…` : traceId}`)}  ${paint('dim', `${clock(nanosToMs(start))}  ${notes.join(', ')}`)}`,
    ];

    const visited = new Set<string>();
    const emit = (root: ReceivedSpan, rootDepth: number) => {
      const stack: [ReceivedSpan, number][] = [[root, rootDepth]];
      while (stack.length) {
        const [span, depth] = stack.pop()!;
        if (visited.has(span.spanId)) continue;
        visited.add(span.spanId);
        depths.set(span.spanId, depth);
        lines.push(this.spanLine(span, depth));
        const kids = children.get(span.spanId);
        if (kids) for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i]!, depth + 1]);
      }
    };
    for (const r of roots) {
      const parentDepth = r.parentSpanId ? depths.get(r.parentSpanId) : undefined;
      emit(r, parentDepth === undefined ? 0 : parentDepth + 1);
    }
    // Spans in a parent cycle (never reached from a root): printed rather than lost.
    for (const s of spans) if (!visited.has(s.spanId)) emit(s, 0);
    return `${lines.join('\n')}\n`;
  }

  private spanLine(span: ReceivedSpan, depth: number): string {
    const { paint } = this;
    const a = span.attributes;
    const parts = [
      `${'  '.repeat(depth + 1)}${paint('bold', oneLine(span.name) || '(no name)')}`,
      paint('dim', span.kindName === 'UNKNOWN' ? `KIND_${span.kind}` : span.kindName),
      formatMs(durationMs(span.startTimeUnixNano, span.endTimeUnixNano)),
      paint('cyan', `[${serviceOf(span.resource)}]`),
    ];
    if (span.status.codeName === 'ERROR') {
      parts.push(paint('red', span.status.message ? `ERROR: ${truncate(oneLine(span.status.message))}` : 'ERROR'));
    }
    const shown: string[] = [];
    const show = (key: string) => {
      if (a[key] !== undefined && a[key] !== null) shown.push(attr(key, a[key]!));
    };
    show(ATTR_HTTP_ROUTE);
    if (a[ATTR_URL_PATH] !== a[ATTR_HTTP_ROUTE]) show(ATTR_URL_PATH);
    if (a[ATTR_URL_PATH] === undefined) show(ATTR_URL_FULL);
    show(ATTR_HTTP_RESPONSE_STATUS_CODE);
    if (a[ATTR_DB_QUERY_SUMMARY] !== undefined) show(ATTR_DB_QUERY_SUMMARY);
    else show(ATTR_DB_QUERY_TEXT);
    show(ATTR_ERROR_TYPE);
    if (shown.length) parts.push(paint('dim', shown.join(' ')));
    return parts.join('  ');
  }
}

// ---------------------------------------------------------------------------------------------
// Logs
// ---------------------------------------------------------------------------------------------

function logLine(r: ReceivedLogRecord, paint: Paint, receivedAt: number): string {
  const time = nanosToMs(r.timeUnixNano) || nanosToMs(r.observedTimeUnixNano) || receivedAt;
  const severity = r.severityText || severityName(r.severityNumber) || '-';
  const n = r.severityNumber;
  const style = n >= 17 ? 'red' : n >= 13 ? 'yellow' : n >= 1 && n <= 8 ? 'gray' : undefined;
  const parts = [
    `${paint('magenta', 'log')} ${paint('dim', clock(time))}`,
    style ? paint(style, severity.padEnd(5)) : severity.padEnd(5),
    paint('cyan', `[${serviceOf(r.resource)}]`),
  ];
  if (r.eventName) parts.push(paint('bold', `event=${oneLine(r.eventName)}`));
  if (r.body !== null) parts.push(oneLine(valueText(r.body)));
  if (r.traceId) parts.push(paint('yellow', `trace=${r.traceId.slice(0, 8)}`));
  const keys = Object.keys(r.attributes);
  if (keys.length) {
    const shown = keys.slice(0, MAX_LOG_ATTRIBUTES).map((k) => attr(k, r.attributes[k]!));
    if (keys.length > shown.length) shown.push(`…+${keys.length - shown.length} more`);
    parts.push(paint('dim', shown.join(' ')));
  }
  return parts.join('  ');
}

// ---------------------------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------------------------

interface Series {
  /** Sums and gauges. */
  value?: number;
  /** Histograms and summaries. */
  count?: number;
  /** null once a point came without a sum. */
  sum?: number | null;
}

interface MetricState {
  service: string;
  name: string;
  type: ReceivedMetric['type'];
  unit: string;
  series: Map<string, Series>;
}

const DELTA = 1;

function stableKey(attributes: Attributes): string {
  return JSON.stringify(Object.keys(attributes).sort().map((k) => [k, valueText(attributes[k]!)]));
}

class MetricsView {
  private readonly metrics = new Map<string, MetricState>();
  private readonly updated = new Set<string>();

  constructor(
    private readonly paint: Paint,
    private readonly out: (text: string) => void,
  ) {}

  add(metrics: readonly ReceivedMetric[]): void {
    for (const m of metrics) {
      if (m.type === 'empty') continue;
      const service = serviceOf(m.resource);
      const key = `${service}\0${m.name}`;
      let state = this.metrics.get(key);
      if (!state || state.type !== m.type) {
        state = { service, name: m.name, type: m.type, unit: m.unit, series: new Map() };
        this.metrics.set(key, state);
      }
      state.unit = m.unit;
      const instance = valueText(m.resource.attributes[ATTR_SERVICE_INSTANCE_ID] ?? '');
      const delta = 'aggregationTemporality' in m && m.aggregationTemporality === DELTA;
      for (const p of m.dataPoints) {
        const seriesKey = `${instance}\0${m.scope.name}\0${stableKey(p.attributes)}`;
        let series = state.series.get(seriesKey);
        if (!series) state.series.set(seriesKey, (series = {}));
        if ('value' in p) {
          if (p.value === null) continue;
          const v = Number(p.value);
          series.value = delta && m.type === 'sum' ? (series.value ?? 0) + v : v;
        } else {
          const count = Number(p.count);
          const sum = p.sum;
          if (delta) {
            series.count = (series.count ?? 0) + count;
            series.sum = series.sum === null || sum === null ? null : (series.sum ?? 0) + sum;
          } else {
            series.count = count;
            series.sum = sum;
          }
        }
      }
      this.updated.add(key);
    }
  }

  /** Prints the metrics updated since the last summary, if any. */
  summarize(): void {
    if (this.updated.size === 0) return;
    const { paint } = this;
    const byService = new Map<string, MetricState[]>();
    for (const key of this.updated) {
      const state = this.metrics.get(key)!;
      const list = byService.get(state.service);
      if (list) list.push(state);
      else byService.set(state.service, [state]);
    }
    this.updated.clear();
    const lines = [`${paint('green', 'metrics')}  ${paint('dim', clock(Date.now()))}`];
    for (const service of [...byService.keys()].sort()) {
      lines.push(`  ${paint('cyan', `[${service}]`)}`);
      const states = byService.get(service)!.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const nameWidth = Math.min(48, Math.max(...states.map((s) => s.name.length)));
      const typeWidth = Math.max(...states.map((s) => typeLabel(s.type).length));
      for (const s of states) {
        lines.push(`    ${paint('bold', s.name.padEnd(nameWidth))}  ${paint('dim', typeLabel(s.type).padEnd(typeWidth))}  ${describeMetric(s)}`);
      }
    }
    this.out(`${lines.join('\n')}\n`);
  }
}

function typeLabel(type: ReceivedMetric['type']): string {
  return type === 'exponentialHistogram' ? 'exp-histogram' : type;
}

const BYTE_UNITS = ['KiB', 'MiB', 'GiB', 'TiB'];

/** The value with its unit; seconds below one as milliseconds, bytes in KiB, MiB, ... */
function withUnit(n: number, unit: string): string {
  if (unit === 's' && n !== 0 && Math.abs(n) < 1) return `${formatNumber(n * 1000)} ms`;
  if (unit === 'By' && Math.abs(n) >= 1024) {
    let i = -1;
    let v = n;
    while (Math.abs(v) >= 1024 && i < BYTE_UNITS.length - 1) {
      v /= 1024;
      i++;
    }
    return `${formatNumber(Number(v.toFixed(1)))} ${BYTE_UNITS[i]}`;
  }
  return unit && unit !== '1' ? `${formatNumber(n)} ${unit}` : formatNumber(n);
}

function describeMetric(s: MetricState): string {
  const series = [...s.series.values()];
  const n = series.length;
  const seriesNote = n > 1 ? `  (${n} series)` : '';
  if (s.type === 'sum' || s.type === 'gauge') {
    const values = series.map((x) => x.value).filter((v): v is number => v !== undefined);
    if (values.length === 0) return '-';
    if (s.type === 'sum') return `${withUnit(values.reduce((a, b) => a + b, 0), s.unit)}${seriesNote}`;
    if (values.length === 1) return withUnit(values[0]!, s.unit);
    return `min ${withUnit(Math.min(...values), s.unit)}  max ${withUnit(Math.max(...values), s.unit)}${seriesNote}`;
  }
  let count = 0;
  let sum: number | null = 0;
  for (const x of series) {
    count += x.count ?? 0;
    sum = sum === null || x.sum === null || x.sum === undefined ? null : sum + x.sum;
  }
  const parts = [`count ${formatNumber(count)}`];
  if (sum !== null) {
    parts.push(`sum ${withUnit(sum, s.unit)}`);
    if (count > 0) parts.push(`mean ${withUnit(sum / count, s.unit)}`);
  }
  return `${parts.join('  ')}${seriesNote}`;
}

// ---------------------------------------------------------------------------------------------
// Starting and stopping
// ---------------------------------------------------------------------------------------------

/**
 * The receiver (and with it @grpc/grpc-js) is loaded when collect starts, not with this module:
 * the CLI reads the help text from here whatever command it runs.
 */
const receiverModule = () => require('../receiver') as typeof import('../receiver');

/** What kept a server from listening, read from the receiver's error (grpc-js has no error codes). */
function listenProblem(message: string): 'EADDRINUSE' | 'EACCES' | 'EADDRNOTAVAIL' | 'LISTEN' {
  if (/EADDRINUSE/.test(message)) return 'EADDRINUSE';
  if (/EACCES|EPERM/.test(message)) return 'EACCES';
  if (/EADDRNOTAVAIL|ENOTFOUND|EAI_AGAIN|EAFNOSUPPORT/.test(message)) return 'EADDRNOTAVAIL';
  return 'LISTEN';
}

type OnData = NonNullable<ReceiverOptions['onData']>;

async function startOne(which: 'grpc' | 'http', host: string, port: number, onData: OnData): Promise<Receiver> {
  const { startReceiver } = receiverModule();
  const option = which === 'grpc' ? '--grpc-port' : '--http-port';
  const label = which === 'grpc' ? 'gRPC' : 'HTTP';
  try {
    return await startReceiver({ host, grpcPort: which === 'grpc' ? port : false, httpPort: which === 'http' ? port : false, onData });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const code = listenProblem(message);
    switch (code) {
      case 'EADDRINUSE':
        throw new CollectError(
          `port ${port} (OTLP/${label}) on ${host} is already in use (is a collector already running?); choose another with ${option}, 0 picks a free port`,
          code,
          option,
        );
      case 'EACCES':
        throw new CollectError(`no permission to listen on port ${port} (OTLP/${label}) on ${host}; choose another with ${option}`, code, option);
      case 'EADDRNOTAVAIL':
        throw new CollectError(`cannot listen on ${host}: no such local address; choose another with --host`, code, '--host');
      default:
        throw new CollectError(`cannot listen on ${host}:${port} (OTLP/${label}, ${option}): ${message}`, code, option);
    }
  }
}

function checkPortNumber(port: number, option: string): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`${option} must be a port number from 0 to 65535, got ${String(port)}`);
  }
}

/**
 * Starts the receiver and the live view; resolves once both servers listen, after printing their
 * endpoints as the first line. Rejects with a {@link CollectError} when a port is in use, the host
 * is not local or the out file cannot be opened.
 */
export async function runCollect(options: CollectOptions = {}): Promise<Collect> {
  const host = options.host ?? DEFAULT_COLLECT_HOST;
  const grpcPort = options.grpcPort ?? DEFAULT_GRPC_PORT;
  const httpPort = options.httpPort ?? DEFAULT_HTTP_PORT;
  checkPortNumber(grpcPort, 'grpcPort');
  checkPortNumber(httpPort, 'httpPort');
  const metricsIntervalMs = options.metricsIntervalMs ?? DEFAULT_METRICS_INTERVAL_MS;
  const quietMs = options.quietMs ?? DEFAULT_TRACE_QUIET_MS;
  const rawWrite = options.write ?? ((text: string) => void process.stdout.write(text));
  // Held back until the endpoints line is out, so that it is always the first: a sender already
  // retrying can reach the gRPC server before the HTTP one listens.
  let held: string[] | undefined = [];
  const write = (text: string) => {
    if (held) {
      held.push(text);
      return;
    }
    try {
      rawWrite(text);
    } catch {
      // A closed stdout must not fail the senders' requests.
    }
  };
  const writeHeld = (header: string) => {
    const early = held ?? [];
    held = undefined;
    write(header);
    for (const text of early) write(text);
  };
  const color = options.color ?? (process.stdout.isTTY === true && !process.env.NO_COLOR);
  const paint = painter(color);

  let fd: number | undefined;
  let outPath: string | undefined;
  if (options.out !== undefined) {
    outPath = resolve(options.out);
    try {
      fd = openSync(outPath, 'a');
    } catch (e) {
      throw new CollectError(`cannot open --out ${options.out}: ${e instanceof Error ? e.message : String(e)}`, 'OUT_FILE', '--out');
    }
  }

  const { flattenLogs, flattenMetrics, flattenTraces } = receiverModule();
  const traces = new TraceView(quietMs, paint, write);
  const metrics = new MetricsView(paint, write);
  const counts = { requests: 0, spans: 0, metrics: 0, logRecords: 0 };
  const receivers: Receiver[] = [];
  let flushed = false;

  const onData = (signal: Signal, data: OtlpRequest, meta: RequestMeta): void => {
    // The receiver keeps every request for its own queries; the view has what it needs.
    for (const r of receivers) r.clear();
    if (flushed) return;
    const receivedAt = Date.now();
    counts.requests++;
    if (fd !== undefined) {
      const line: OutLine = { signal, protocol: meta.protocol, receivedAt: new Date(receivedAt).toISOString(), request: data };
      try {
        writeSync(fd, `${otlpJson(line)}\n`);
      } catch (e) {
        write(`ts-otel-run collect: cannot write to ${outPath}, no longer writing it: ${e instanceof Error ? e.message : String(e)}\n`);
        try {
          closeSync(fd);
        } catch {
          // already unusable
        }
        fd = undefined;
      }
    }
    switch (signal) {
      case 'traces': {
        const spans = flattenTraces(data as OtlpTracesRequest, meta.protocol);
        counts.spans += spans.length;
        traces.add(spans);
        break;
      }
      case 'metrics': {
        const list = flattenMetrics(data as OtlpMetricsRequest, meta.protocol);
        counts.metrics += list.length;
        metrics.add(list);
        break;
      }
      case 'logs': {
        const records = flattenLogs(data as OtlpLogsRequest, meta.protocol);
        counts.logRecords += records.length;
        if (records.length) write(`${records.map((r) => logLine(r, paint, receivedAt)).join('\n')}\n`);
        break;
      }
    }
  };

  const closeOut = () => {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // nothing more to do
      }
      fd = undefined;
    }
  };
  try {
    receivers.push(await startOne('grpc', host, grpcPort, onData));
    receivers.push(await startOne('http', host, httpPort, onData));
  } catch (e) {
    await Promise.all(receivers.map((r) => r.close()));
    closeOut();
    throw e;
  }
  const [grpcReceiver, httpReceiver] = receivers as [Receiver, Receiver];
  const endpoints = { grpc: grpcReceiver.endpoints.grpc!, http: httpReceiver.endpoints.http! };

  // The launcher's default endpoints are localhost:4318 and :4317: nothing to set then.
  const where =
    grpcPort === DEFAULT_GRPC_PORT && httpPort === DEFAULT_HTTP_PORT && /^(127\.0\.0\.1|localhost|0\.0\.0\.0|::)$/.test(host)
      ? 'programs run by ts-otel-run send here by default'
      : `send with OTEL_EXPORTER_OTLP_ENDPOINT=${endpoints.http} (or ${endpoints.grpc} with OTEL_EXPORTER_OTLP_PROTOCOL=grpc)`;
  writeHeld(
    `ts-otel-run collect: listening on grpc ${endpoints.grpc} and http ${endpoints.http}\n${paint(
      'dim',
      `ts-otel-run collect: ${where}${outPath ? `; appending every request to ${outPath}` : ''}; Ctrl-C stops`,
    )}\n`,
  );

  const interval = setInterval(() => metrics.summarize(), metricsIntervalMs);
  interval.unref();

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      clearInterval(interval);
      await Promise.all(receivers.map((r) => r.close().catch(() => undefined)));
      flushed = true;
      traces.flushAll();
      metrics.summarize();
      closeOut();
      write(
        `ts-otel-run collect: stopped after ${counts.requests} request${counts.requests === 1 ? '' : 's'} (${counts.spans} spans, ${counts.logRecords} log records, ${counts.metrics} metrics)\n`,
      );
    })();
    return stopping;
  };

  return { host, grpcPort: grpcReceiver.grpcPort!, httpPort: httpReceiver.httpPort!, endpoints, stop };
}

// ---------------------------------------------------------------------------------------------
// The command
// ---------------------------------------------------------------------------------------------

/** A port option's value: an integer from 0 to 65535, or the default when absent. */
export function parsePort(value: string | undefined, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  const text = value.trim();
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new UsageError(`${option} must be a port number from 0 to 65535 (0 picks a free port), got ${JSON.stringify(value)}`);
  }
  return port;
}

/**
 * Runs until SIGINT or SIGTERM, then stops (see {@link Collect.stop}) and exits 0; a second signal
 * while stopping exits at once (130 or 143).
 */
export function waitForStopSignal(stop: () => Promise<void>, exit: (code: number) => void = (code) => process.exit(code)): Promise<never> {
  return new Promise<never>(() => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) return exit(signal === 'SIGINT' ? 130 : 143);
      stopping = true;
      stop().then(
        // Let stdout drain first when it is a pipe or a file.
        () => process.stdout.write('', () => exit(0)),
        (e: unknown) => {
          process.stderr.write(`ts-otel-run collect: error while stopping: ${e instanceof Error ? e.message : String(e)}\n`);
          exit(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // `ts-otel-run collect | head`: a closed stdout ends the command as a signal would.
    process.stdout.on('error', () => onSignal('SIGTERM'));
  });
}

/**
 * `ts-otel-run collect`: validates the options (a bad one, or a port in use, is a UsageError),
 * starts {@link runCollect} and runs until a signal.
 */
export async function collectCommand(opts: { grpcPort?: string; httpPort?: string; host?: string; out?: string }): Promise<never> {
  const grpcPort = parsePort(opts.grpcPort, '--grpc-port', DEFAULT_GRPC_PORT);
  const httpPort = parsePort(opts.httpPort, '--http-port', DEFAULT_HTTP_PORT);
  const host = opts.host === undefined ? DEFAULT_COLLECT_HOST : opts.host.trim();
  if (host === '') throw new UsageError('--host must not be empty');
  if (opts.out !== undefined && opts.out.trim() === '') throw new UsageError('--out must name a file');
  // grpc-js prints its own line ("E No address added ...") before the receiver's error, which says
  // it better; GRPC_VERBOSITY still turns its logging back on.
  if (!process.env.GRPC_NODE_VERBOSITY && !process.env.GRPC_VERBOSITY) {
    const grpc = require('@grpc/grpc-js') as typeof import('@grpc/grpc-js');
    grpc.setLogVerbosity(grpc.logVerbosity.NONE);
  }
  let collect: Collect;
  try {
    collect = await runCollect({ host, grpcPort, httpPort, ...(opts.out !== undefined ? { out: opts.out } : {}) });
  } catch (e) {
    if (e instanceof CollectError) throw new UsageError(e.message);
    throw e;
  }
  return waitForStopSignal(collect.stop);
}

/**
 * Registers `collect` on the commander program, wording and all (the CLI's one line of glue):
 * `addCollectCommand(program)`.
 */
export function addCollectCommand(program: Command): Command {
  return program
    .command('collect')
    .description(COLLECT_DESCRIPTION)
    .option('--grpc-port <port>', `OTLP/gRPC port, 0 for any free port (default ${DEFAULT_GRPC_PORT})`)
    .option('--http-port <port>', `OTLP/HTTP port (protobuf and JSON), 0 for any free port (default ${DEFAULT_HTTP_PORT})`)
    .option('--host <host>', `interface to listen on (default ${DEFAULT_COLLECT_HOST}, loopback only)`)
    .option('--out <file>', 'also append every request to this file, one line of OTLP/JSON each')
    .addHelpText('after', COLLECT_HELP_AFTER)
    .helpCommand(false)
    .configureOutput({ outputError: (text, write) => write(`ts-otel-run collect: ${text}`) })
    .exitOverride()
    .action((opts: { grpcPort?: string; httpPort?: string; host?: string; out?: string }) => collectCommand(opts));
}

