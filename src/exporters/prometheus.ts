/**
 * The Prometheus exporter: metrics in the Prometheus text exposition format (version 0.0.4), as the
 * OpenTelemetry "Prometheus and OpenMetrics Compatibility" specification maps them, served on a
 * scrape endpoint of our own.
 *
 * What the specification leaves to the exporter, and what this one does:
 * - Exponential histograms are dropped: the text format has no native histograms, and the
 *   specification says they SHOULD be dropped (converting them MAY be done, but their bucket
 *   bounds move with the scale, so the `le` series would change from scrape to scrape).
 * - Delta sums and histograms are dropped: the endpoint is meant to be read cumulatively (the agent
 *   configures its reader so); a delta point alone means nothing to Prometheus.
 * - `target_info` carries every resource attribute and nothing else; no `job` or `instance` label
 *   is added (that is for the collector's exporters: the Prometheus server that scrapes an SDK
 *   endpoint sets `job` and `instance` itself).
 * - Scope name, version and schema URL become the `otel_scope_name`, `otel_scope_version` and
 *   `otel_scope_schema_url` labels of every series (those that are empty are left out: an empty
 *   label is an absent label to Prometheus).
 * - Neither `_created` series nor `# UNIT` lines (OpenMetrics only) nor timestamps are written.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Diag } from '../diag';
import type { MetricData, ResourceMetrics } from '../metrics/types';
import { Temporality } from '../metrics/types';
import type { AttributeValue, Attributes, InstrumentationScope } from '../trace/types';

export interface PrometheusTextOptions {
  /** Leaves the `otel_scope_*` labels out (the specification asks exporters to offer this). */
  readonly withoutScopeLabels?: boolean;
  /** Leaves `target_info` out. */
  readonly withoutTargetInfo?: boolean;
  /** Adds no unit suffix (`_seconds`, `_bytes`…) to metric names. */
  readonly withoutUnits?: boolean;
  /** Adds no `_total` suffix to counters. */
  readonly withoutTypeSuffix?: boolean;
  /**
   * Told about every metric, or part of one, that could not be exposed as it is, with the reason
   * (a clause: "has delta temporality…"). Called during serialization: it must not throw.
   */
  readonly onDropped?: (metric: string, reason: string) => void;
}

type PromType = 'counter' | 'gauge' | 'histogram';

// ---------------------------------------------------------------------------------------------
// Names

/** UCUM units the specification maps to a Prometheus word (its table, read from right to left). */
const UNIT_WORDS: Readonly<Record<string, string>> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tebibytes',
  kBy: 'kilobytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '%': 'percent',
};

/** The denominators of rates ("By/s" → "bytes_per_second"), singular; UCUM spellings. */
const PER_UNIT_WORDS: Readonly<Record<string, string>> = {
  s: 'second',
  min: 'minute',
  h: 'hour',
  d: 'day',
  wk: 'week',
  mo: 'month',
  a: 'year',
};

const INVALID = /[^a-zA-Z0-9_]/g;
const UNDERSCORES = /__+/g;

/**
 * A metric or label name made of `[a-zA-Z0-9_]`, not starting with a digit, without runs of `_`
 * (so never with the `__` prefix Prometheus reserves).
 */
export function sanitizeName(name: string): string {
  const s = name.replace(INVALID, '_').replace(UNDERSCORES, '_');
  return s === '' || (s.charCodeAt(0) >= 48 && s.charCodeAt(0) <= 57) ? `_${s}` : s;
}

function unitPart(u: string): string {
  const word = UNIT_WORDS[u];
  if (word !== undefined) return word;
  // A unit outside the table goes in as written, reduced to what a name may hold.
  return u.replace(/[^a-zA-Z0-9]+/g, '_').replace(/^_+|_+$/g, '');
}

/** The Prometheus word for a UCUM unit: "" when there is none (annotations, "1" outside gauges). */
export function unitSuffix(unit: string, type: PromType): string {
  // Annotations in braces ({request}) count things: unitless to Prometheus.
  const u = unit.replace(/\{[^}]*\}/g, '').trim();
  if (u === '') return '';
  if (u === '1') return type === 'gauge' ? 'ratio' : '';
  const slash = u.indexOf('/');
  if (slash < 0) return unitPart(u);
  const main = u.slice(0, slash).trim();
  const per = u.slice(slash + 1).trim();
  const mainWord = main === '' || main === '1' ? '' : unitPart(main);
  const perWord = per === '' ? '' : (PER_UNIT_WORDS[per] ?? unitPart(per));
  if (perWord === '') return mainWord;
  return mainWord === '' ? `per_${perWord}` : `${mainWord}_per_${perWord}`;
}

/** The Prometheus name of a metric: sanitized, with its unit and (for counters) `_total`. */
export function metricName(name: string, unit: string, type: PromType, options: PrometheusTextOptions = {}): string {
  let base = name.replace(INVALID, '_').replace(UNDERSCORES, '_');
  const total = type === 'counter' && !options.withoutTypeSuffix;
  // The unit goes before the type suffix: foo_total with unit s becomes foo_seconds_total.
  if (total && base.endsWith('_total')) base = base.slice(0, -6);
  const word = options.withoutUnits ? '' : unitSuffix(unit, type);
  if (word !== '' && base !== word && !base.endsWith(`_${word}`)) base += `_${word}`;
  if (total) base += '_total';
  return sanitizeName(base);
}

// ---------------------------------------------------------------------------------------------
// Values

/** Integers as integers, other numbers with the shortest text that reads back the same. */
export function formatNumber(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v !== v) return 'NaN';
  return String(v);
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

const NEEDS_ESCAPE = /[\\"\n]/;

function escapeLabelValue(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function jsonElement(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : JSON.stringify(String(v));
  if (typeof v === 'boolean') return String(v);
  return 'null';
}

/** Non-string attribute values as the specification writes them outside OTLP (arrays as JSON). */
function attributeText(v: AttributeValue): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return `[${v.map(jsonElement).join(',')}]`;
  return String(v);
}

// ---------------------------------------------------------------------------------------------
// Labels

/** A label: its Prometheus name, the key it came from, its value. */
type Label = [name: string, key: string, value: string];

class Labels {
  /** Sanitized names of the keys seen in this serialization. */
  private readonly names = new Map<string, string>();

  name(key: string): string {
    let n = this.names.get(key);
    if (n === undefined) {
      n = sanitizeName(key);
      this.names.set(key, n);
    }
    return n;
  }

  /** The labels of attributes, skipping the names in `reserved` (reports each skipped key). */
  fromAttributes(attributes: Attributes, reserved?: string, onReserved?: (key: string) => void): Label[] {
    const out: Label[] = [];
    for (const key of Object.keys(attributes)) {
      const v = attributes[key];
      if (v === undefined || v === null) continue;
      const name = this.name(key);
      if (name === reserved) {
        onReserved?.(key);
        continue;
      }
      out.push([name, key, attributeText(v)]);
    }
    return out;
  }

  /**
   * `name="value",…`. Keys that map to the same name (`a.b` and `a_b`, or an attribute named like a
   * scope label) become one label whose values are joined with `;` in the order of their keys, as
   * the specification says.
   */
  render(labels: readonly Label[]): string {
    let clash = false;
    if (labels.length > 1) {
      const seen = new Set<string>();
      for (const l of labels) {
        if (seen.has(l[0])) {
          clash = true;
          break;
        }
        seen.add(l[0]);
      }
    }
    let out = '';
    if (!clash) {
      for (const l of labels) out += `${out ? ',' : ''}${l[0]}="${escapeLabelValue(l[2])}"`;
      return out;
    }
    const groups = new Map<string, Label[]>();
    for (const l of labels) {
      const g = groups.get(l[0]);
      if (g) g.push(l);
      else groups.set(l[0], [l]);
    }
    for (const [name, g] of groups) {
      g.sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
      out += `${out ? ',' : ''}${name}="${escapeLabelValue(g.map((l) => l[2]).join(';'))}"`;
    }
    return out;
  }
}

function scopeLabels(scope: InstrumentationScope): Label[] {
  const out: Label[] = [];
  if (scope.name) out.push(['otel_scope_name', 'otel.scope.name', scope.name]);
  if (scope.version) out.push(['otel_scope_version', 'otel.scope.version', scope.version]);
  if (scope.schemaUrl) out.push(['otel_scope_schema_url', 'otel.scope.schema_url', scope.schemaUrl]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Serialization

interface Family {
  readonly type: PromType;
  help: string;
  text: string;
  /** Label sets already written: a series appears once. */
  readonly series: Set<string>;
}

function promType(metric: MetricData): PromType | string {
  switch (metric.kind) {
    case 'gauge':
      return 'gauge';
    case 'sum':
      if (metric.temporality !== Temporality.CUMULATIVE) return 'has delta temporality, which Prometheus cannot expose (the reader must be cumulative)';
      return metric.isMonotonic ? 'counter' : 'gauge';
    case 'histogram':
      if (metric.temporality !== Temporality.CUMULATIVE) return 'has delta temporality, which Prometheus cannot expose (the reader must be cumulative)';
      return 'histogram';
    case 'exponentialHistogram':
      return 'is an exponential histogram, which the Prometheus text format cannot carry (use explicit bucket histograms)';
    default:
      return 'is of a kind Prometheus cannot expose';
  }
}

/** The names of the samples a family writes. */
function sampleNames(name: string, type: PromType): string[] {
  return type === 'histogram' ? [name, `${name}_bucket`, `${name}_sum`, `${name}_count`] : [name];
}

const TARGET_INFO = 'target_info';

/**
 * A collection in the Prometheus text exposition format 0.0.4: `target_info` first, then one
 * family per Prometheus name (HELP and TYPE once, even when metrics of several scopes share the
 * name), in the order metrics first appear. Metrics that cannot be exposed are left out and
 * reported through `options.onDropped`.
 */
export function toPrometheusText(batch: ResourceMetrics, options: PrometheusTextOptions = {}): string {
  const labels = new Labels();
  const dropped = options.onDropped ?? (() => {});
  const families = new Map<string, Family>();
  /** Sample name → the family that writes it. */
  const claims = new Map<string, string>();

  let head = '';
  if (!options.withoutTargetInfo) {
    const resource = labels.fromAttributes(batch.resource.attributes);
    if (resource.length > 0) {
      head = `# HELP ${TARGET_INFO} Target metadata\n# TYPE ${TARGET_INFO} gauge\n${TARGET_INFO}{${labels.render(resource)}} 1\n`;
      claims.set(TARGET_INFO, TARGET_INFO);
    }
  }

  for (const { scope, metrics } of batch.scopeMetrics) {
    const scopeLabelList = options.withoutScopeLabels ? [] : scopeLabels(scope);
    for (const metric of metrics) {
      const d = metric.descriptor;
      const type = promType(metric);
      if (type !== 'counter' && type !== 'gauge' && type !== 'histogram') {
        dropped(d.name, type);
        continue;
      }
      const name = metricName(d.name, d.unit, type, options);
      let family = families.get(name);
      if (family) {
        if (family.type !== type) {
          dropped(d.name, `is a ${type} named ${name} like a ${family.type} already written, and Prometheus allows one type per name`);
          continue;
        }
        if (d.description && family.help && d.description !== family.help) {
          dropped(d.name, `has a description other than that of the ${name} family already written: its description is left out`);
        }
        if (!family.help) family.help = d.description;
      } else {
        const names = sampleNames(name, type);
        const taken = names.find((n) => claims.has(n));
        if (taken !== undefined) {
          dropped(d.name, `would write ${taken}, which the ${claims.get(taken)} family writes already`);
          continue;
        }
        family = { type, help: d.description, text: '', series: new Set() };
        families.set(name, family);
        for (const n of names) claims.set(n, name);
      }
      if (metric.kind === 'histogram') writeHistogram(family, name, metric, scopeLabelList, labels, dropped);
      else if (metric.kind === 'sum' || metric.kind === 'gauge') writeNumbers(family, name, metric, scopeLabelList, labels, dropped);
    }
  }

  let out = head;
  for (const [name, f] of families) {
    if (f.help) out += `# HELP ${name} ${escapeHelp(f.help)}\n`;
    out += `# TYPE ${name} ${f.type}\n${f.text}`;
  }
  return out;
}

function writeNumbers(
  family: Family,
  name: string,
  metric: Extract<MetricData, { kind: 'sum' | 'gauge' }>,
  scope: readonly Label[],
  labels: Labels,
  dropped: (metric: string, reason: string) => void,
): void {
  let duplicates = 0;
  for (const p of metric.points) {
    const set = labels.render(labels.fromAttributes(p.attributes).concat(scope));
    if (family.series.has(set)) {
      duplicates++;
      continue;
    }
    family.series.add(set);
    family.text += `${name}${set ? `{${set}}` : ''} ${formatNumber(p.value)}\n`;
  }
  if (duplicates) dropped(metric.descriptor.name, `has points whose labels repeat a series of ${name} already written: they are left out`);
}

function writeHistogram(
  family: Family,
  name: string,
  metric: Extract<MetricData, { kind: 'histogram' }>,
  scope: readonly Label[],
  labels: Labels,
  dropped: (metric: string, reason: string) => void,
): void {
  let duplicates = 0;
  const reserved = new Set<string>();
  for (const p of metric.points) {
    const set = labels.render(labels.fromAttributes(p.attributes, 'le', (key) => reserved.add(key)).concat(scope));
    if (family.series.has(set)) {
      duplicates++;
      continue;
    }
    family.series.add(set);
    const prefix = set ? `${set},` : '';
    const suffix = set ? `{${set}}` : '';
    let text = '';
    let cumulative = 0;
    const n = p.boundaries.length;
    for (let i = 0; i < n; i++) {
      cumulative += p.bucketCounts[i] ?? 0;
      const bound = p.boundaries[i]!;
      // A bound of +Inf (or NaN) would repeat or break the +Inf bucket written below.
      if (!(bound < Infinity)) continue;
      text += `${name}_bucket{${prefix}le="${formatNumber(bound)}"} ${formatNumber(cumulative)}\n`;
    }
    for (let i = n; i < p.bucketCounts.length; i++) cumulative += p.bucketCounts[i] ?? 0;
    text += `${name}_bucket{${prefix}le="+Inf"} ${formatNumber(cumulative)}\n`;
    // The sum is unset for instruments that may record negative values; the specification writes
    // _sum only when it is known to grow.
    if (p.sum !== undefined) text += `${name}_sum${suffix} ${formatNumber(p.sum)}\n`;
    text += `${name}_count${suffix} ${formatNumber(p.count)}\n`;
    family.text += text;
  }
  for (const key of reserved) dropped(metric.descriptor.name, `has the attribute ${key}, which a histogram cannot carry (le names its buckets): left out`);
  if (duplicates) dropped(metric.descriptor.name, `has points whose labels repeat a series of ${name} already written: they are left out`);
}

// ---------------------------------------------------------------------------------------------
// The scrape endpoint

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface PrometheusExporterOptions {
  readonly host: string;
  /** 0 picks a free port (see `address`). */
  readonly port: number;
  /** One collection per scrape; undefined when there is nothing to collect (an empty page). */
  readonly collect: () => Promise<ResourceMetrics | undefined>;
  readonly diag: Diag;
  /** Runs `fn` with tracing suppressed, so that scrapes are never traced by our own http instrumentation. */
  readonly suppressed?: <R>(fn: () => R) => R;
  readonly text?: PrometheusTextOptions;
}

function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Serves `GET /metrics` (HEAD too) in the Prometheus text format, one collection per scrape; any
 * other path is a 404, any other method a 405, a failing collection a 500. The server never keeps
 * the program alive (it and every connection are unref'd), a port in use is a warning, and the
 * server and its requests run with tracing suppressed.
 */
export class PrometheusExporter {
  private server: Server | undefined;
  private starting: Promise<void> | undefined;
  private stopped = false;
  private failures = 0;
  private readonly run: <R>(fn: () => R) => R;
  private readonly textOptions: PrometheusTextOptions;

  constructor(private readonly o: PrometheusExporterOptions) {
    this.run = o.suppressed ?? ((fn) => fn());
    this.textOptions = {
      ...o.text,
      onDropped: (metric, reason) => {
        try {
          o.text?.onDropped?.(metric, reason);
        } catch {
          // a reporting callback is never worth a failed scrape
        }
        o.diag.once(`prometheus-dropped:${metric}:${reason}`, 'warn', `metric ${metric} ${reason} (said once)`);
      },
    };
  }

  /** Where the endpoint listens once started (the real port when 0 was asked for). */
  get address(): { host: string; port: number } | undefined {
    const a = this.server?.address();
    return a && typeof a === 'object' ? { host: a.address, port: a.port } : undefined;
  }

  /** Starts listening; resolves once listening or once it is clear it cannot (never rejects). */
  start(): Promise<void> {
    this.starting ??= new Promise<void>((resolve) => {
      if (this.stopped) return resolve();
      const { host, port } = this.o;
      const where = hostPort(host, port);
      let listening = false;
      try {
        // Loaded here, not at the top: the exporter must not load http before the hooks are in place.
        const { createServer } = require('node:http') as typeof import('node:http');
        // The server is made and listens with tracing suppressed: the connections it accepts, and so
        // every request, run in that context, before any handler of ours.
        this.run(() => {
          const server = createServer((req, res) => this.run(() => this.handle(req, res)));
          this.server = server;
          server.on('connection', (socket: Socket) => socket.unref());
          server.on('error', (e: NodeJS.ErrnoException) => {
            if (listening) {
              this.o.diag.once(`prometheus-server-error:${e.code}`, 'warn', `the Prometheus endpoint on ${where}: ${e.message}`);
              return;
            }
            this.server = undefined;
            this.o.diag.warn(
              e.code === 'EADDRINUSE'
                ? `cannot serve Prometheus metrics on ${where}: the port is in use; set OTEL_EXPORTER_PROMETHEUS_PORT to a free port (metrics are not exposed)`
                : `cannot serve Prometheus metrics on ${where}: ${e.message}; check OTEL_EXPORTER_PROMETHEUS_HOST and OTEL_EXPORTER_PROMETHEUS_PORT (metrics are not exposed)`,
            );
            resolve();
          });
          server.listen(port, host, () => {
            listening = true;
            resolve();
          });
          server.unref();
        });
      } catch (e) {
        this.server = undefined;
        const message = e instanceof Error ? e.message : String(e);
        this.o.diag.warn(
          `cannot serve Prometheus metrics on ${where}: ${message}; check OTEL_EXPORTER_PROMETHEUS_HOST and OTEL_EXPORTER_PROMETHEUS_PORT (metrics are not exposed)`,
        );
        resolve();
      }
    });
    return this.starting;
  }

  /** Stops listening and closes open connections; never rejects. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    // A listen still under way (a host name being looked up) would otherwise open the port later.
    if (this.starting) await this.starting;
    const server = this.server;
    this.server = undefined;
    if (!server || !server.listening) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    try {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      if (path !== '/metrics') {
        this.reply(res, 404, 'Not found: metrics are served at /metrics\n');
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD');
        this.reply(res, 405, 'Method not allowed\n');
        return;
      }
      const head = req.method === 'HEAD';
      let collected: Promise<ResourceMetrics | undefined>;
      try {
        collected = Promise.resolve(this.o.collect());
      } catch (e) {
        collected = Promise.reject(e);
      }
      collected
        .then((batch) => {
          const text = batch ? toPrometheusText(batch, this.textOptions) : '';
          if (this.failures) {
            this.o.diag.info(`Prometheus scrapes succeed again (${this.failures} failed)`);
            this.failures = 0;
          }
          this.reply(res, 200, text, head, CONTENT_TYPE);
        })
        .catch((e: unknown) => {
          if (this.failures++ === 0) {
            const message = e instanceof Error ? e.message : String(e);
            this.o.diag.warn(`a Prometheus scrape failed: ${message} (said once until scrapes succeed again)`);
          }
          this.reply(res, 500, 'Metrics could not be collected\n');
        });
    } catch {
      this.reply(res, 500, 'Metrics could not be collected\n');
    }
  }

  private reply(res: ServerResponse, status: number, body: string, head = false, type = 'text/plain; charset=utf-8'): void {
    try {
      if (res.headersSent || res.destroyed) return;
      res.statusCode = status;
      res.setHeader('Content-Type', type);
      res.setHeader('Content-Length', Buffer.byteLength(body));
      res.end(head ? undefined : body);
    } catch {
      // the scraper went away: nothing to answer
    }
  }
}
