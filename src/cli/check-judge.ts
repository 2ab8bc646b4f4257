/**
 * The judging half of `ts-otel-run check`: parses the expectations given on the command line,
 * judges what the embedded receiver got against them, and words the result (a readable summary,
 * a JUnit XML report, a JSON report). Pure functions: no I/O, no clock.
 */
import type {
  Int64,
  ReceivedGauge,
  ReceivedLogRecord,
  ReceivedMetric,
  ReceivedOrigin,
  ReceivedSpan,
  ReceivedSum,
  Value,
} from '../receiver/types';
import { ATTR_SERVICE_NAME } from '../resource/semconv';
import { ATTR_ERROR_TYPE } from '../semconv';
import { UsageError } from './main';

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

export interface AttributeMatcher {
  readonly key: string;
  /** undefined: the attribute must be present */
  readonly value?: Matcher;
}

/** Exact text (case-sensitive), or a regular expression tested with `RegExp.test`. */
export type Matcher = { readonly exact: string } | { readonly pattern: RegExp };

export interface SpanExpectation {
  /** The option's value as typed. */
  readonly text: string;
  readonly name: Matcher;
  /**
   * Every one must hold on the same span. A key is looked up in the span's attributes, then in its
   * resource's (so `{service.name=shop}` works).
   */
  readonly attributes: readonly AttributeMatcher[];
}

export interface Expectations {
  /** --expect-span (repeatable) */
  readonly spans: readonly SpanExpectation[];
  /** --expect-metric NAME (exact or /pattern/) */
  readonly metrics: readonly Matcher[];
  /** --expect-log TEXT: a record whose body contains TEXT, or matches /pattern/ */
  readonly logs: readonly Matcher[];
  /** --min-spans N */
  readonly minSpans?: number;
  /** --no-error-spans */
  readonly noErrorSpans: boolean;
  /** --expect-service NAME (resource service.name) */
  readonly services: readonly Matcher[];
}

export interface Observed {
  readonly spans: readonly ReceivedSpan[];
  readonly metrics: readonly ReceivedMetric[];
  readonly logs: readonly ReceivedLogRecord[];
}

export interface Outcome {
  /** e.g. 'expect-span "GET /health"' */
  readonly name: string;
  readonly passed: boolean;
  /** Without the name. On failure: what was expected and the closest thing seen. */
  readonly message: string;
}

export interface ProgramResult {
  readonly command: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly durationMs: number;
  readonly timedOut: boolean;
  /** --allow-failure: however the program ended, it does not fail the check. */
  readonly allowedFailure: boolean;
  /**
   * The check stopped the program itself (after --ready/--probe): ending on that SIGTERM (or
   * with 143, a shell's way of saying so) is then a success.
   */
  readonly stoppedByCheck?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

const SPAN_OPTION = '--expect-span';
const REGEX_FLAGS = 'dgimsuyv';
/** What a backslash escapes outside a regular expression; any other backslash is kept as typed. */
const ESCAPABLE = new Set(['\\', '{', '}', ',', '=', '/', ' ', '\t']);

interface RegexLiteral {
  readonly source: string;
  readonly flags: string;
  /** The index just past the flags. */
  readonly end: number;
}

/**
 * A `/body/flags` literal starting at `start`, as JavaScript would read it: the first `/` that is
 * neither escaped nor inside a character class closes it. `\,` and `\=` in the body become `,` and
 * `=` (the same pattern, and valid with the `u` and `v` flags too).
 */
function scanRegex(text: string, start: number): RegexLiteral | undefined {
  if (text[start] !== '/') return undefined;
  let source = '';
  let inClass = false;
  let i = start + 1;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') {
      const next = text[i + 1];
      if (next === undefined) return undefined;
      source += next === ',' || next === '=' ? next : c + next;
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
      source += c;
    } else if (c === '[') {
      inClass = true;
      source += c;
    } else if (c === '/') {
      break;
    } else {
      source += c;
    }
  }
  if (i >= text.length || source === '') return undefined;
  let end = i + 1;
  while (end < text.length && REGEX_FLAGS.includes(text[end]!)) end++;
  return { source, flags: text.slice(i + 1, end), end };
}

function quote(text: string): string {
  return JSON.stringify(text);
}

function compile(literal: RegexLiteral, option: string, value: string): RegExp {
  try {
    return new RegExp(literal.source, literal.flags);
  } catch (e) {
    const reason = (e instanceof Error ? e.message : String(e)).replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
    throw new UsageError(`${option} ${quote(value)}: invalid regular expression /${literal.source}/${literal.flags}: ${reason}`);
  }
}

/**
 * Parses a NAME given to --expect-metric, --expect-log or --expect-service: `/body/flags` is a
 * regular expression, anything else exact text (so `/api/users`, whose "flags" would not be
 * flags, is text). A leading `\/` forces exact text starting with `/`.
 */
export function parseMatcher(text: string, option: string): Matcher {
  if (text === '') throw new UsageError(`${option} "": expected a non-empty value`);
  if (text.startsWith('\\/')) return { exact: text.slice(1) };
  const literal = scanRegex(text, 0);
  if (literal && literal.end === text.length) return { pattern: compile(literal, option, text) };
  return { exact: text };
}

/** A character read from the option's value, and whether a backslash made it literal. */
interface Char {
  readonly c: string;
  readonly escaped: boolean;
}

function charsToText(chars: readonly Char[]): string {
  let from = 0;
  let to = chars.length;
  while (from < to && !chars[from]!.escaped && /\s/.test(chars[from]!.c)) from++;
  while (to > from && !chars[to - 1]!.escaped && /\s/.test(chars[to - 1]!.c)) to--;
  return chars
    .slice(from, to)
    .map((ch) => ch.c)
    .join('');
}

function skipSpaces(text: string, i: number): number {
  while (i < text.length && /\s/.test(text[i]!)) i++;
  return i;
}

/**
 * Parses one --expect-span value: `NAME` or `NAME{key=value,key2=/re/,key3}`.
 *
 * - NAME and each value are exact text, or `/regex/flags`; a bare key means "present".
 * - A regular expression may hold commas, braces and `=` as they are; elsewhere a backslash makes
 *   `{ } , = / \` and a space literal (`GET /users/\{id\}`), and is kept as typed before any other
 *   character.
 * - Spaces around names, keys and values are ignored; the attribute list must end the value.
 */
export function parseSpanExpectation(text: string): SpanExpectation {
  const fail = (reason: string): never => {
    throw new UsageError(`${SPAN_OPTION} ${quote(text)}: ${reason}`);
  };
  let i = skipSpaces(text, 0);

  // Reads exact text up to one of `stops` (not escaped), or the end.
  const readText = (stops: string): Char[] => {
    const chars: Char[] = [];
    while (i < text.length && !stops.includes(text[i]!)) {
      const c = text[i]!;
      const next = text[i + 1];
      if (c === '\\' && next !== undefined && ESCAPABLE.has(next)) {
        chars.push({ c: next, escaped: true });
        i += 2;
      } else {
        chars.push({ c, escaped: false });
        i++;
      }
    }
    return chars;
  };

  // A regular expression counts only when what follows it is one of `follows` (or the end).
  const readRegex = (follows: string, allowEnd: boolean): RegExp | undefined => {
    const literal = scanRegex(text, i);
    if (!literal) return undefined;
    const after = skipSpaces(text, literal.end);
    if (after === text.length ? !allowEnd : !follows.includes(text[after]!)) return undefined;
    i = after;
    return compile(literal, SPAN_OPTION, text);
  };

  let name: Matcher;
  const namePattern = readRegex('{', true);
  if (namePattern) {
    name = { pattern: namePattern };
  } else {
    const exact = charsToText(readText('{'));
    if (exact === '') fail('expected a span name (exact text or /regex/) before any {attributes}');
    name = { exact };
  }

  const attributes: AttributeMatcher[] = [];
  if (i < text.length) {
    // text[i] === '{'
    i = skipSpaces(text, i + 1);
    const blockEnd = () => fail('missing "}" at the end of the attribute list (a literal brace in a name is written \\{ or \\})');
    if (text[i] !== '}') {
      for (;;) {
        i = skipSpaces(text, i);
        const key = charsToText(readText('=,}'));
        if (i >= text.length) blockEnd();
        if (key === '') fail(`expected an attribute name at position ${i + 1} (attributes are key, key=value or key=/regex/)`);
        if (text[i] === '=') {
          i = skipSpaces(text, i + 1);
          const pattern = readRegex(',}', false);
          if (pattern) attributes.push({ key, value: { pattern } });
          else attributes.push({ key, value: { exact: charsToText(readText(',}')) } });
          if (i >= text.length) blockEnd();
        } else {
          attributes.push({ key });
        }
        if (text[i] === '}') break;
        i++; // ','
      }
    }
    i = skipSpaces(text, i + 1);
    if (i < text.length) {
      fail(`unexpected text after the attribute list: ${quote(text.slice(i))} (a literal brace in a name is written \\{ or \\})`);
    }
  }
  return { text, name, attributes };
}

// ---------------------------------------------------------------------------------------------
// Values and matching
// ---------------------------------------------------------------------------------------------

/** A value as the text it is compared as: numbers and booleans stringified, arrays joined by ",". */
export function valueText(v: Value | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Buffer.isBuffer(v)) return v.toString('hex');
  if (Array.isArray(v)) return v.map(valueText).join(',');
  return JSON.stringify(plain(v));
}

function plain(v: Value): unknown {
  if (Buffer.isBuffer(v)) return v.toString('hex');
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

const MAX_SHOWN = 80;

function truncate(text: string, max = MAX_SHOWN): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** A value for a message: strings quoted, numbers and booleans as they are. */
function showValue(v: Value | undefined): string {
  if (v === undefined) return 'absent';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return quote(truncate(v));
  if (v === null) return 'empty';
  return truncate(Array.isArray(v) ? JSON.stringify(plain(v)) : valueText(v));
}

function matches(m: Matcher, text: string): boolean {
  if ('exact' in m) return m.exact === text;
  m.pattern.lastIndex = 0; // a g or y flag makes test() stateful
  return m.pattern.test(text);
}

/** How a matcher reads in a message: `"exact"` or `/re/flags`. */
export function describeMatcher(m: Matcher): string {
  return 'exact' in m ? quote(m.exact) : String(m.pattern);
}

function attributeOf(span: ReceivedSpan, key: string): Value | undefined {
  if (Object.prototype.hasOwnProperty.call(span.attributes, key)) return span.attributes[key];
  if (Object.prototype.hasOwnProperty.call(span.resource.attributes, key)) return span.resource.attributes[key];
  return undefined;
}

function attributeHolds(span: ReceivedSpan, a: AttributeMatcher): boolean {
  const v = attributeOf(span, a.key);
  if (v === undefined) return false;
  return a.value === undefined || matches(a.value, valueText(v));
}

/** The resource's service.name, `''` when it has none. */
export function serviceOf(item: ReceivedOrigin): string {
  const v = item.resource.attributes[ATTR_SERVICE_NAME];
  return v === undefined ? '' : valueText(v);
}

function serviceLabel(service: string): string {
  return service === '' ? '(no service.name)' : service;
}

/** Levenshtein distance (insertions, deletions, substitutions), one row at a time. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let cur = new Array<number>(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

const SHOW_NAMES = 3;
/** Names longer than this are compared by their start: the distance is quadratic. */
const MAX_COMPARED = 200;

/** Distinct names with how often each was seen, most seen first (then first seen). */
function countNames(names: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  return new Map([...counts].sort((a, b) => b[1] - a[1]));
}

function listNames(names: readonly string[], total: number): string {
  const shown = names.slice(0, SHOW_NAMES).map((n) => quote(truncate(n)));
  return `${shown.join(', ')}${total > shown.length ? ` (and ${total - shown.length} more)` : ''}`;
}

/**
 * "Closest thing seen" for a matcher over names: for exact text, the names ranked by their
 * case-insensitive Levenshtein distance to it; for a pattern, the most frequent names.
 */
function nearNames(m: Matcher, seen: Iterable<string>): string {
  const counts = countNames(seen);
  let names = [...counts.keys()];
  if ('exact' in m) {
    const want = m.exact.toLowerCase().slice(0, MAX_COMPARED);
    const distance = new Map(names.map((n) => [n, levenshtein(want, n.toLowerCase().slice(0, MAX_COMPARED))]));
    // Stable sort: equally close names keep the most-seen-first order.
    names = names.sort((a, b) => distance.get(a)! - distance.get(b)!);
    return `names seen, closest first: ${listNames(names, names.length)}`;
  }
  return `names seen: ${listNames(names, names.length)}`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

// ---------------------------------------------------------------------------------------------
// Judging
// ---------------------------------------------------------------------------------------------

function judgeSpan(e: SpanExpectation, spans: readonly ReceivedSpan[]): Outcome {
  const name = `expect-span "${e.text}"`;
  const named = spans.filter((s) => matches(e.name, s.name));
  const matching = named.filter((s) => e.attributes.every((a) => attributeHolds(s, a)));
  if (matching.length > 0) return { name, passed: true, message: plural(matching.length, 'matching span') };
  if (spans.length === 0) return { name, passed: false, message: 'no span was received' };
  if (named.length === 0) {
    const what = 'exact' in e.name ? `no span named ${quote(e.name.exact)}` : `no span name matched ${String(e.name.pattern)}`;
    return { name, passed: false, message: `${what}; ${nearNames(e.name, spans.map((s) => s.name))}` };
  }
  // Spans with the right name, none with the right attributes: show the closest one's differences,
  // with every value the same-named spans had for those attributes.
  let best = named[0]!;
  let bestMisses = Infinity;
  for (const s of named) {
    const misses = e.attributes.filter((a) => !attributeHolds(s, a)).length;
    if (misses < bestMisses) [best, bestMisses] = [s, misses];
  }
  const differences = e.attributes
    .filter((a) => !attributeHolds(best, a))
    .map((a) => {
      const values: string[] = [];
      const add = (v: string) => {
        if (!values.includes(v)) values.push(v);
      };
      add(showValue(attributeOf(best, a.key)));
      for (const s of named) add(showValue(attributeOf(s, a.key)));
      const shown = values.slice(0, 5);
      return `${a.key} was ${shown.join(' or ')}${values.length > shown.length ? ` (and ${values.length - shown.length} other values)` : ''}`;
    });
  const seen =
    named.length === 1
      ? `a span ${quote(best.name)} was seen`
      : 'exact' in e.name
        ? `${named.length} spans named ${quote(best.name)} were seen`
        : `${named.length} spans matching ${String(e.name.pattern)} were seen (e.g. ${quote(best.name)})`;
  return { name, passed: false, message: `${seen}, but ${differences.join(' and ')}` };
}

function judgeMetric(m: Matcher, metrics: readonly ReceivedMetric[]): Outcome {
  const name = `expect-metric ${describeMatcher(m)}`;
  const hits = countNames(metrics.filter((x) => matches(m, x.name)).map((x) => x.name));
  if (hits.size > 0) {
    if ('exact' in m) {
      const types = [...new Set(metrics.filter((x) => x.name === m.exact).map((x) => x.type))];
      return { name, passed: true, message: `seen (${types.join(', ')})` };
    }
    const names = [...hits.keys()];
    return { name, passed: true, message: `${plural(names.length, 'metric name')} matched: ${listNames(names, names.length)}` };
  }
  if (metrics.length === 0) return { name, passed: false, message: 'no metric was received' };
  const what = 'exact' in m ? `no metric named ${quote(m.exact)}` : `no metric name matched ${String(m.pattern)}`;
  return { name, passed: false, message: `${what}; ${nearNames(m, metrics.map((x) => x.name))}` };
}

/** A log record's body as the text --expect-log looks in. */
export function bodyText(record: ReceivedLogRecord): string {
  return valueText(record.body);
}

function judgeLog(m: Matcher, logs: readonly ReceivedLogRecord[]): Outcome {
  const name = `expect-log ${describeMatcher(m)}`;
  const hits = logs.filter((r) => {
    const body = bodyText(r);
    return 'exact' in m ? body.includes(m.exact) : matches(m, body);
  });
  if (hits.length > 0) return { name, passed: true, message: plural(hits.length, 'matching log record') };
  if (logs.length === 0) return { name, passed: false, message: 'no log record was received' };
  const what = 'exact' in m ? `no log record body contains ${quote(m.exact)}` : `no log record body matched ${String(m.pattern)}`;
  const bodies = [...countNames(logs.map(bodyText)).keys()];
  return { name, passed: false, message: `${what}; bodies seen: ${listNames(bodies, bodies.length)}` };
}

function judgeService(m: Matcher, observed: Observed): Outcome {
  const name = `expect-service ${describeMatcher(m)}`;
  const all: ReceivedOrigin[] = [...observed.spans, ...observed.metrics, ...observed.logs];
  const counts = {
    spans: observed.spans.filter((s) => matches(m, serviceOf(s))).length,
    metrics: new Set(observed.metrics.filter((x) => matches(m, serviceOf(x))).map((x) => x.name)).size,
    logs: observed.logs.filter((r) => matches(m, serviceOf(r))).length,
  };
  const services = new Set<string>();
  for (const x of all) services.add(serviceOf(x));
  if (counts.spans + counts.metrics + counts.logs > 0) {
    return {
      name,
      passed: true,
      message: `${plural(counts.spans, 'span')}, ${plural(counts.metrics, 'metric')}, ${plural(counts.logs, 'log record')}`,
    };
  }
  if (all.length === 0) return { name, passed: false, message: 'no telemetry was received' };
  const seen = [...services].map(serviceLabel);
  const what = 'exact' in m ? `no telemetry from service ${quote(m.exact)}` : `no service name matched ${String(m.pattern)}`;
  return { name, passed: false, message: `${what}; services seen: ${seen.map((s) => quote(s)).join(', ')}` };
}

function isError(span: ReceivedSpan): boolean {
  return span.status.code === 2;
}

function describeErrorSpan(span: ReceivedSpan): string {
  const details: string[] = [];
  const type = span.attributes[ATTR_ERROR_TYPE];
  if (type !== undefined) details.push(`${ATTR_ERROR_TYPE} ${showValue(type)}`);
  if (span.status.message) details.push(`message ${quote(truncate(span.status.message))}`);
  return `${quote(span.name)}${details.length ? ` (${details.join(', ')})` : ''}`;
}

function judgeNoErrors(spans: readonly ReceivedSpan[]): Outcome {
  const name = 'no-error-spans';
  const errors = spans.filter(isError);
  if (errors.length === 0) return { name, passed: true, message: `no span had status ERROR (${plural(spans.length, 'span')} received)` };
  const groups = countNames(errors.map(describeErrorSpan));
  const shown = [...groups].slice(0, 5).map(([d, n]) => (n > 1 ? `${d} x${n}` : d));
  const more = groups.size > shown.length ? `, and ${groups.size - shown.length} more` : '';
  return {
    name,
    passed: false,
    message: `${errors.length === 1 ? '1 span has' : `${errors.length} spans have`} status ERROR: ${shown.join(', ')}${more}`,
  };
}

/** One outcome per expectation, in the order given; with no expectation at all, one outcome "at least one span". */
export function judge(expectations: Expectations, observed: Observed): Outcome[] {
  const outcomes: Outcome[] = [];
  for (const e of expectations.spans) outcomes.push(judgeSpan(e, observed.spans));
  for (const m of expectations.metrics) outcomes.push(judgeMetric(m, observed.metrics));
  for (const m of expectations.logs) outcomes.push(judgeLog(m, observed.logs));
  if (expectations.minSpans !== undefined) {
    const n = observed.spans.length;
    const min = expectations.minSpans;
    outcomes.push({
      name: `min-spans ${min}`,
      passed: n >= min,
      message: n >= min ? `${plural(n, 'span')} received` : `expected at least ${plural(min, 'span')}, ${n} received`,
    });
  }
  if (expectations.noErrorSpans) outcomes.push(judgeNoErrors(observed.spans));
  for (const m of expectations.services) outcomes.push(judgeService(m, observed));
  if (outcomes.length === 0) {
    const n = observed.spans.length;
    outcomes.push({ name: 'at least one span', passed: n > 0, message: n > 0 ? `${plural(n, 'span')} received` : 'no span was received' });
  }
  return outcomes;
}

/**
 * Whether the program's end counts as a success: exit code 0 without a timeout, or the SIGTERM
 * (or 143) of the check stopping it, or any end with --allow-failure.
 */
export function programPassed(p: ProgramResult): boolean {
  if (p.allowedFailure) return true;
  if (p.timedOut) return false;
  if (p.exitCode === 0) return true;
  return p.stoppedByCheck === true && (p.signal === 'SIGTERM' || p.exitCode === 143);
}

// ---------------------------------------------------------------------------------------------
// Statistics
// ---------------------------------------------------------------------------------------------

function toBigInt(v: Int64): bigint {
  try {
    return BigInt(v);
  } catch {
    return 0n;
  }
}

/** A bigint as an Int64: a number when safe, its decimal text otherwise. */
function toInt64(v: bigint): Int64 {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v.toString();
}

/** The nearest-rank percentile (0 < p ≤ 100) of values sorted ascending. */
export function nearestRank(sorted: readonly bigint[], p: number): bigint | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

function nsToMs(ns: bigint): number {
  // Whole microseconds are exact as a number for any duration a program can have.
  const us = ns / 1000n;
  return Number(us) / 1000;
}

export interface SpanStats {
  readonly name: string;
  readonly count: number;
  readonly errors: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
}

/** Span names with counts, error counts and nearest-rank p50/p95 durations; most seen first. */
export function spanStats(spans: readonly ReceivedSpan[]): SpanStats[] {
  const by = new Map<string, { durations: bigint[]; errors: number }>();
  for (const s of spans) {
    let e = by.get(s.name);
    if (!e) by.set(s.name, (e = { durations: [], errors: 0 }));
    e.durations.push(toBigInt(s.endTimeUnixNano) - toBigInt(s.startTimeUnixNano));
    if (isError(s)) e.errors++;
  }
  return [...by]
    .map(([name, e]) => {
      const sorted = e.durations.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return {
        name,
        count: sorted.length,
        errors: e.errors,
        p50Ms: nsToMs(nearestRank(sorted, 50)!),
        p95Ms: nsToMs(nearestRank(sorted, 95)!),
      };
    })
    .sort((a, b) => b.count - a.count || compareText(a.name, b.name));
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface MetricStats {
  readonly service: string;
  readonly name: string;
  readonly type: ReceivedMetric['type'];
  readonly unit: string;
  /** How many attribute sets (per scope) were seen. */
  readonly series: number;
  /**
   * Gauge: the latest data point's value. Sum: the total over series (each series' latest point
   * when cumulative, every point when delta). Absent for histograms and summaries.
   */
  readonly value?: Int64 | null;
  /** Histograms and summaries: the count (and sum) over series, as for a sum's value. */
  readonly count?: Int64;
  readonly sum?: number | null;
}

interface Point {
  readonly attributes: Record<string, Value>;
  readonly timeUnixNano: Int64;
}

function seriesKey(scope: string, attributes: Record<string, Value>): string {
  return JSON.stringify([scope, Object.keys(attributes).sort().map((k) => [k, valueText(attributes[k])])]);
}

/**
 * The points that make up the current state: for a delta metric every point, otherwise each
 * series' latest one (by time; on a tie the one received last).
 */
function currentPoints<P extends Point>(
  entries: readonly { scope: string; delta: boolean; points: readonly P[] }[],
): { points: P[]; series: number } {
  const latest = new Map<string, P>();
  const all: P[] = [];
  let delta = false;
  for (const e of entries) {
    if (e.delta) delta = true;
    for (const p of e.points) {
      all.push(p);
      const key = seriesKey(e.scope, p.attributes);
      const prev = latest.get(key);
      if (!prev || toBigInt(p.timeUnixNano) >= toBigInt(prev.timeUnixNano)) latest.set(key, p);
    }
  }
  return { points: delta ? all : [...latest.values()], series: latest.size };
}

function addValues(values: readonly (Int64 | null)[], types: readonly string[]): Int64 | null {
  const present = values.filter((v): v is Int64 => v !== null);
  if (present.length === 0) return null;
  if (types.every((t) => t === 'int')) return toInt64(present.reduce<bigint>((s, v) => s + toBigInt(v), 0n));
  return present.reduce<number>((s, v) => s + Number(v), 0);
}

/** Metric names per service (sorted), with their latest value, or count for distributions. */
export function metricStats(metrics: readonly ReceivedMetric[]): MetricStats[] {
  const groups = new Map<string, ReceivedMetric[]>();
  for (const m of metrics) {
    const key = JSON.stringify([serviceOf(m), m.name]);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(m);
  }
  const out: MetricStats[] = [];
  for (const g of groups.values()) {
    const last = g[g.length - 1]!;
    // A name reported with two types (a program bug) is summed up by its latest type.
    const same = g.filter((m) => m.type === last.type);
    const base = { service: serviceOf(last), name: last.name, type: last.type, unit: last.unit };
    const delta = (m: ReceivedMetric) => 'aggregationTemporalityName' in m && m.aggregationTemporalityName === 'DELTA';
    switch (last.type) {
      case 'gauge':
      case 'sum': {
        const entries = (same as (ReceivedGauge | ReceivedSum)[]).map((m) => ({
          scope: m.scope.name,
          delta: delta(m),
          points: m.dataPoints,
        }));
        const { points, series } = currentPoints(entries);
        let value: Int64 | null;
        if (last.type === 'gauge') {
          let latest = points[0];
          for (const p of points) if (latest && toBigInt(p.timeUnixNano) >= toBigInt(latest.timeUnixNano)) latest = p;
          value = latest ? latest.value : null;
        } else {
          value = addValues(
            points.map((p) => p.value),
            points.map((p) => p.valueType),
          );
        }
        out.push({ ...base, series, value });
        break;
      }
      case 'histogram':
      case 'exponentialHistogram':
      case 'summary': {
        const entries = same.map((m) => ({
          scope: m.scope.name,
          delta: delta(m),
          points: m.dataPoints as readonly (Point & { count: Int64; sum: number | null })[],
        }));
        const { points, series } = currentPoints(entries);
        const sums = points.map((p) => p.sum).filter((s): s is number => s !== null);
        out.push({
          ...base,
          series,
          count: toInt64(points.reduce<bigint>((s, p) => s + toBigInt(p.count), 0n)),
          sum: sums.length ? sums.reduce((a, b) => a + b, 0) : null,
        });
        break;
      }
      default:
        out.push({ ...base, series: 0, value: null });
    }
  }
  return out.sort((a, b) => compareText(a.service, b.service) || compareText(a.name, b.name));
}

const SEVERITIES = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;

/** TRACE … FATAL from the severity number; for 0, the severity text (upper case) or UNSPECIFIED. */
export function severityName(record: ReceivedLogRecord): string {
  const n = record.severityNumber;
  if (n >= 1 && n <= 24) return SEVERITIES[Math.floor((n - 1) / 4)]!;
  return record.severityText ? record.severityText.toUpperCase() : 'UNSPECIFIED';
}

/** Log record counts by severity, TRACE … FATAL first, then any other in alphabetical order. */
export function logStats(logs: readonly ReceivedLogRecord[]): { total: number; bySeverity: Record<string, number> } {
  const counts = new Map<string, number>();
  for (const r of logs) {
    const s = severityName(r);
    counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  const rank = (s: string) => {
    const i = (SEVERITIES as readonly string[]).indexOf(s);
    return i < 0 ? SEVERITIES.length : i;
  };
  const sorted = [...counts].sort((a, b) => rank(a[0]) - rank(b[0]) || compareText(a[0], b[0]));
  return { total: logs.length, bySeverity: Object.fromEntries(sorted) };
}

export interface ScopeStats {
  readonly name: string;
  readonly version: string;
  readonly spans: number;
  /** Distinct metric names (a metric is received again with every collection). */
  readonly metrics: number;
  readonly logs: number;
}

/** The instrumentation scopes that produced data, by name then version. */
export function scopeStats(observed: Observed): ScopeStats[] {
  const by = new Map<string, { name: string; version: string; spans: number; metricNames: Set<string>; logs: number }>();
  const entry = (item: ReceivedOrigin) => {
    const key = JSON.stringify([item.scope.name, item.scope.version]);
    let e = by.get(key);
    if (!e) by.set(key, (e = { name: item.scope.name, version: item.scope.version, spans: 0, metricNames: new Set(), logs: 0 }));
    return e;
  };
  for (const s of observed.spans) entry(s).spans++;
  for (const m of observed.metrics) entry(m).metricNames.add(m.name);
  for (const r of observed.logs) entry(r).logs++;
  return [...by.values()]
    .map(({ name, version, spans, metricNames, logs }) => ({ name, version, spans, metrics: metricNames.size, logs }))
    .sort((a, b) => compareText(a.name, b.name) || compareText(a.version, b.version));
}

/** The service names seen in any signal (`''` for a resource without one), sorted. */
export function servicesSeen(observed: Observed): string[] {
  const names = new Set<string>();
  for (const x of [...observed.spans, ...observed.metrics, ...observed.logs]) names.add(serviceOf(x));
  return [...names].sort(compareText);
}

// ---------------------------------------------------------------------------------------------
// Words
// ---------------------------------------------------------------------------------------------

function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(6)));
}

function formatMs(ms: number): string {
  const abs = Math.abs(ms);
  return ms.toFixed(abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3);
}

function formatDuration(ms: number): string {
  return ms >= 1000 ? `${formatNumber(Number((ms / 1000).toFixed(2)))} s` : `${Math.round(ms)} ms`;
}

function formatInt64OrNumber(v: Int64 | null | undefined): string {
  if (v === null || v === undefined) return 'none';
  return typeof v === 'number' ? formatNumber(v) : v;
}

/** How the program ended, e.g. "exited with code 0 after 1.2 s". */
export function describeProgram(p: ProgramResult): string {
  const after = formatDuration(p.durationMs);
  let how: string;
  if (p.timedOut) {
    const then = p.signal ? ` (stopped by ${p.signal})` : p.exitCode !== null ? ` (then exited with code ${p.exitCode})` : '';
    how = `timed out after ${after}${then}`;
  } else if (p.signal) {
    how = `${p.stoppedByCheck ? 'was stopped by the check with' : 'was killed by'} ${p.signal} after ${after}`;
  } else if (p.exitCode !== null) {
    how = `exited with code ${p.exitCode} after ${after}${p.stoppedByCheck && p.exitCode !== 0 ? ' (stopped by the check)' : ''}`;
  } else {
    how = `ended without an exit status after ${after}`;
  }
  if (p.allowedFailure && !programPassed({ ...p, allowedFailure: false })) how += ' (failure allowed)';
  return how;
}

function table(rows: readonly (readonly string[])[], rightAligned: readonly boolean[], indent: string): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map(
    (r) =>
      indent +
      r
        .map((cell, c) => (c === r.length - 1 && !rightAligned[c] ? cell : rightAligned[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
        .join('  ')
        .trimEnd(),
  );
}

function metricValueText(m: MetricStats): string {
  const unit = m.unit ? ` ${m.unit}` : '';
  const series = m.series > 1 ? ` (${m.series} series)` : '';
  switch (m.type) {
    case 'gauge':
      return `latest ${formatInt64OrNumber(m.value)}${unit}${series}`;
    case 'sum':
      return `total ${formatInt64OrNumber(m.value)}${unit}${series}`;
    case 'empty':
      return 'no data';
    default:
      return `count ${formatInt64OrNumber(m.count)}${m.sum !== null && m.sum !== undefined ? `, sum ${formatNumber(m.sum)}${unit}` : ''}${series}`;
  }
}

/**
 * The readable summary printed at the end: services; span names with counts, error counts and
 * p50/p95 durations (ms); metric names per service with their latest value or count; log record
 * counts by severity; instrumentation scopes seen; the program's result; then each outcome with
 * ✓/✗ (`PASS`/`FAIL` when `ascii` is set), and the verdict.
 */
export function summarize(observed: Observed, program: ProgramResult, outcomes: readonly Outcome[], options: { ascii?: boolean } = {}): string {
  const lines: string[] = [];
  const [ok, ko] = options.ascii ? ['PASS', 'FAIL'] : ['\u2713', '\u2717'];

  const services = servicesSeen(observed);
  if (services.length === 0) {
    lines.push('Services: none');
  } else {
    lines.push('Services:');
    const rows = services.map((s) => {
      const of = <T extends ReceivedOrigin>(items: readonly T[]) => items.filter((x) => serviceOf(x) === s);
      const metricNames = new Set(of(observed.metrics).map((m) => m.name)).size;
      return [
        serviceLabel(s),
        plural(of(observed.spans).length, 'span'),
        plural(metricNames, 'metric'),
        plural(of(observed.logs).length, 'log record'),
      ];
    });
    lines.push(...table(rows, [false, true, true, true], '  '));
  }

  const spans = spanStats(observed.spans);
  const errorCount = observed.spans.filter(isError).length;
  if (spans.length === 0) {
    lines.push('Spans: none');
  } else {
    lines.push(`Spans: ${observed.spans.length} (${plural(spans.length, 'name')}, ${plural(errorCount, 'error')})`);
    const rows = [
      ['NAME', 'COUNT', 'ERRORS', 'P50 MS', 'P95 MS'],
      ...spans.map((s) => [truncate(s.name), String(s.count), String(s.errors), formatMs(s.p50Ms), formatMs(s.p95Ms)]),
    ];
    lines.push(...table(rows, [false, true, true, true, true], '  '));
  }

  const metrics = metricStats(observed.metrics);
  if (metrics.length === 0) {
    lines.push('Metrics: none');
  } else {
    lines.push(`Metrics: ${plural(metrics.length, 'name')}`);
    for (const service of [...new Set(metrics.map((m) => m.service))]) {
      lines.push(`  ${serviceLabel(service)}`);
      const rows = metrics.filter((m) => m.service === service).map((m) => [truncate(m.name), m.type, metricValueText(m)]);
      lines.push(...table(rows, [false, false, false], '    '));
    }
  }

  const logs = logStats(observed.logs);
  lines.push(
    logs.total === 0
      ? 'Logs: none'
      : `Logs: ${logs.total} (${Object.entries(logs.bySeverity)
          .map(([s, n]) => `${s} ${n}`)
          .join(', ')})`,
  );

  const scopes = scopeStats(observed);
  if (scopes.length === 0) {
    lines.push('Instrumentation scopes: none');
  } else {
    lines.push('Instrumentation scopes:');
    const rows = scopes.map((s) => {
      const what = [s.spans ? plural(s.spans, 'span') : '', s.metrics ? plural(s.metrics, 'metric') : '', s.logs ? plural(s.logs, 'log record') : '']
        .filter(Boolean)
        .join(', ');
      return [s.name || '(unnamed)', s.version, what];
    });
    lines.push(...table(rows, [false, false, false], '  '));
  }

  const programOk = programPassed(program);
  lines.push(`Program: ${program.command} ${describeProgram(program)}`);

  lines.push('Checks:');
  for (const o of outcomes) lines.push(`  ${o.passed ? ok : ko} ${o.name}: ${o.message}`);

  const failed = outcomes.filter((o) => !o.passed).length;
  const verdict: string[] = [];
  if (failed) verdict.push(`${failed} of ${plural(outcomes.length, 'check')} failed`);
  else verdict.push(`${outcomes.length === 1 ? 'the check' : `all ${outcomes.length} checks`} passed`);
  if (!programOk) verdict.push(`the program ${describeProgram(program)}`);
  lines.push(`Result: ${failed || !programOk ? 'FAIL' : 'PASS'} (${verdict.join('; ')})`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Reports
// ---------------------------------------------------------------------------------------------

/** XML 1.0 text: the five entities escaped, characters XML cannot carry replaced by U+FFFD. */
export function xmlEscape(text: string, attribute = false): string {
  const valid = text.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD');
  const escaped = valid.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
  // In an attribute a raw newline or tab would be normalised to a space by the parser.
  return attribute ? escaped.replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;') : escaped;
}

const SUITE = 'ts-otel-run check';
const PROGRAM_CASE = 'program exited successfully';

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

/**
 * JUnit XML: one `<testsuite name="ts-otel-run check">` (inside `<testsuites>`) with one
 * `<testcase>` per outcome (a `<failure>` for failed ones) and one "program exited successfully";
 * the summary goes in `<system-out>`.
 */
export function junitReport(outcomes: readonly Outcome[], program: ProgramResult, observed: Observed): string {
  const cases: { name: string; passed: boolean; message: string; time: number }[] = [
    ...outcomes.map((o) => ({ ...o, time: 0 })),
    { name: PROGRAM_CASE, passed: programPassed(program), message: `${program.command} ${describeProgram(program)}`, time: program.durationMs },
  ];
  const failures = cases.filter((c) => !c.passed).length;
  const a = (s: string) => xmlEscape(s, true);
  const counts = `tests="${cases.length}" failures="${failures}" errors="0" skipped="0" time="${seconds(program.durationMs)}"`;
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="${a(SUITE)}" ${counts}>`, `  <testsuite name="${a(SUITE)}" ${counts}>`];
  for (const c of cases) {
    const open = `    <testcase classname="${a(SUITE)}" name="${a(c.name)}" time="${seconds(c.time)}"`;
    if (c.passed) {
      lines.push(`${open}/>`);
    } else {
      lines.push(`${open}>`);
      const type = c.name === PROGRAM_CASE ? 'ProgramFailure' : 'ExpectationFailure';
      lines.push(`      <failure message="${a(c.message)}" type="${type}">${xmlEscape(`${c.name}: ${c.message}`)}</failure>`);
      lines.push('    </testcase>');
    }
  }
  lines.push(`    <system-out>${xmlEscape(summarize(observed, program, outcomes, { ascii: true }))}</system-out>`);
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}

/** JSON report: `{ passed, program, outcomes, summary: { services, spans, metrics, logs, scopes } }`. */
export function jsonReport(outcomes: readonly Outcome[], program: ProgramResult, observed: Observed): string {
  const programOk = programPassed(program);
  const report = {
    passed: programOk && outcomes.every((o) => o.passed),
    program: { ...program, passed: programOk, description: describeProgram(program) },
    outcomes: outcomes.map((o) => ({ name: o.name, passed: o.passed, message: o.message })),
    summary: {
      services: servicesSeen(observed),
      spans: spanStats(observed.spans),
      metrics: metricStats(observed.metrics),
      logs: logStats(observed.logs),
      scopes: scopeStats(observed),
    },
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}
