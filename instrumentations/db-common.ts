import type { Config } from '../src/config/settings';
import type { InstrumentationContext } from '../src/instrumentation/types';
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_SUMMARY,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_RESPONSE_STATUS_CODE,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  DB_DURATION_BUCKETS,
  METRIC_DB_CLIENT_OPERATION_DURATION,
} from '../src/semconv';
import type { Attributes } from '../src/trace/types';

/**
 * What the database instrumentations share: the query text made safe (every literal replaced by
 * `?`, comments dropped), the query summary the conventions name spans by, and the common span
 * shape. Pure functions, no state; a single pass over the text.
 */

export interface SqlDialect {
  /** Double-quoted text: an identifier (PostgreSQL, standard SQL) or a string (MySQL by default). */
  readonly doubleQuotedIsString: boolean;
  /** PostgreSQL's dollar-quoted strings ($$…$$, $tag$…$tag$). */
  readonly dollarQuotes: boolean;
  /** MySQL's backslash escapes inside strings. */
  readonly backslashEscapes: boolean;
}

export const POSTGRES: SqlDialect = { doubleQuotedIsString: false, dollarQuotes: true, backslashEscapes: false };
export const MYSQL: SqlDialect = { doubleQuotedIsString: true, dollarQuotes: false, backslashEscapes: true };

const isDigit = (c: number) => c >= 48 && c <= 57;
const isIdentChar = (c: number) =>
  (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || isDigit(c) || c === 95 || c === 36 || c > 127;

/** The end (exclusive) of a quoted string starting at `i` with `quote`. */
function skipQuoted(sql: string, i: number, quote: number, dialect: SqlDialect): number {
  let j = i + 1;
  while (j < sql.length) {
    const c = sql.charCodeAt(j);
    if (c === 92 && dialect.backslashEscapes) {
      j += 2;
      continue;
    }
    if (c === quote) {
      if (sql.charCodeAt(j + 1) === quote) {
        j += 2; // doubled quote inside the string
        continue;
      }
      return j + 1;
    }
    j++;
  }
  return sql.length;
}

/**
 * The query with every literal replaced by `?` (strings, numbers, hex and binary literals,
 * dollar-quoted strings) and comments removed; a list of literals (`IN (1, 2, 3)`) becomes `(?)`.
 * Placeholders ($1, ?, :name) and identifiers are kept.
 */
export function sanitizeSql(sql: string, dialect: SqlDialect = POSTGRES): string {
  let out = '';
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql.charCodeAt(i);
    // -- line comment, # line comment (MySQL), /* block comment */
    if ((c === 45 && sql.charCodeAt(i + 1) === 45) || (c === 35 && dialect.backslashEscapes)) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? n : end;
      continue;
    }
    if (c === 47 && sql.charCodeAt(i + 1) === 42) {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      out += ' ';
      continue;
    }
    // Strings: '…', E'…' / X'…' / B'…' / N'…' prefixes, and "…" where it is a string.
    if (c === 39 || (c === 34 && dialect.doubleQuotedIsString)) {
      i = skipQuoted(sql, i, c, dialect);
      out += '?';
      continue;
    }
    if ((c === 69 || c === 101 || c === 88 || c === 120 || c === 66 || c === 98 || c === 78 || c === 110) && sql.charCodeAt(i + 1) === 39) {
      const prev = i > 0 ? sql.charCodeAt(i - 1) : 32;
      if (!isIdentChar(prev)) {
        i = skipQuoted(sql, i + 1, 39, { ...dialect, backslashEscapes: dialect.backslashEscapes || c === 69 || c === 101 });
        out += '?';
        continue;
      }
    }
    if (c === 34 && !dialect.doubleQuotedIsString) {
      const end = skipQuoted(sql, i, 34, { ...dialect, backslashEscapes: false });
      out += sql.slice(i, end);
      i = end;
      continue;
    }
    if (c === 96) {
      // `identifier` (MySQL)
      const end = sql.indexOf('`', i + 1);
      const stop = end < 0 ? n : end + 1;
      out += sql.slice(i, stop);
      i = stop;
      continue;
    }
    // $tag$ … $tag$ (PostgreSQL); $1 placeholders are kept.
    if (c === 36 && dialect.dollarQuotes && !isDigit(sql.charCodeAt(i + 1))) {
      const close = sql.indexOf('$', i + 1);
      if (close > 0 && /^[A-Za-z_]*$/.test(sql.slice(i + 1, close))) {
        const tag = sql.slice(i, close + 1);
        const end = sql.indexOf(tag, close + 1);
        i = end < 0 ? n : end + tag.length;
        out += '?';
        continue;
      }
    }
    // Numbers (and 0x… / 0b… literals), not when part of an identifier or a $n placeholder.
    if (isDigit(c) || (c === 46 && isDigit(sql.charCodeAt(i + 1)))) {
      const prev = i > 0 ? sql.charCodeAt(i - 1) : 32;
      if (!isIdentChar(prev) && prev !== 36) {
        let j = i + 1;
        while (j < n && (isIdentChar(sql.charCodeAt(j)) || sql.charCodeAt(j) === 46)) j++;
        // 1e-5: a sign after an exponent belongs to the number
        while (j < n && (sql.charCodeAt(j - 1) === 101 || sql.charCodeAt(j - 1) === 69) && (sql.charCodeAt(j) === 45 || sql.charCodeAt(j) === 43)) {
          j++;
          while (j < n && isDigit(sql.charCodeAt(j))) j++;
        }
        out += '?';
        i = j;
        continue;
      }
    }
    if (isIdentChar(c)) {
      let j = i + 1;
      while (j < n && isIdentChar(sql.charCodeAt(j))) j++;
      out += sql.slice(i, j);
      i = j;
      continue;
    }
    out += sql[i];
    i++;
  }
  // A list of nothing but literals is one literal: IN (?, ?, ?) → IN (?).
  return out
    .replace(/\(\s*\?(?:\s*,\s*\?)+\s*\)/g, '(?)')
    .replace(/\s+/g, ' ')
    .trim();
}

const OPERATIONS = new Set([
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'MERGE',
  'UPSERT',
  'REPLACE',
  'CREATE',
  'DROP',
  'ALTER',
  'TRUNCATE',
  'CALL',
  'EXEC',
  'EXECUTE',
  'WITH',
  'BEGIN',
  'COMMIT',
  'ROLLBACK',
  'SHOW',
  'SET',
  'GRANT',
  'REVOKE',
  'VACUUM',
  'ANALYZE',
  'EXPLAIN',
  'COPY',
  'LISTEN',
  'NOTIFY',
]);
/** Keywords after which a table name follows. */
const TARGET_AFTER = new Set(['FROM', 'JOIN', 'INTO', 'UPDATE', 'TABLE']);
const SKIP_AFTER_TARGET_KEYWORD = new Set(['ONLY', 'IF', 'NOT', 'EXISTS', 'LATERAL']);

export interface QuerySummary {
  /** e.g. `SELECT users orders`: the operation and the tables, as the conventions' db.query.summary. */
  readonly summary: string;
  readonly operation?: string;
  /** The table, when the query has exactly one. */
  readonly collection?: string;
}

/**
 * The operation and the tables of a (sanitized) query, for db.query.summary and the span name.
 * A heuristic over the tokens, not a parser: good for the common statements, harmless otherwise.
 */
export function summarizeSql(sql: string): QuerySummary {
  const tokens = sql.match(/"[^"]*"|`[^`]*`|[A-Za-z_][\w$.]*|\S/g) ?? [];
  let operation: string | undefined;
  const targets: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const upper = tokens[i]!.toUpperCase();
    if (operation === undefined) {
      if (OPERATIONS.has(upper)) operation = upper;
      else if (upper !== '(') break;
      if (upper !== 'UPDATE') continue; // UPDATE is both the operation and the keyword before its table
    }
    if (!TARGET_AFTER.has(upper)) continue;
    let j = i + 1;
    while (j < tokens.length && SKIP_AFTER_TARGET_KEYWORD.has(tokens[j]!.toUpperCase())) j++;
    const t = tokens[j];
    if (t && /^["`A-Za-z_]/.test(t) && !OPERATIONS.has(t.toUpperCase())) {
      const name = t.replace(/^["`]|["`]$/g, '');
      if (!targets.includes(name)) targets.push(name);
    }
  }
  if (operation === undefined) return { summary: '' };
  return {
    summary: [operation, ...targets].join(' '),
    operation,
    ...(targets.length === 1 ? { collection: targets[0]! } : {}),
  };
}

interface SqlDescription extends QuerySummary {
  readonly sanitized: string;
}

/** Texts longer than this are described anew each time: caching them would hold too much. */
const CACHED_TEXT_MAX = 2048;
/** Distinct texts kept per dialect; the cache starts over when it is full. */
const CACHE_ENTRIES = 512;
const descriptions = new Map<SqlDialect, Map<string, SqlDescription>>();

/**
 * The sanitized text and summary of a query. A program sends the same few texts over and over
 * (prepared or parameterised), so they are remembered: tokenizing each query anew was the largest
 * cost of a database span. A program that inlines its values makes a new text each time and only
 * pays a map lookup and insertion on top, within a bounded cache.
 */
function describeSql(text: string, dialect: SqlDialect): SqlDescription {
  let cache = descriptions.get(dialect);
  const known = cache?.get(text);
  if (known) return known;
  const sanitized = sanitizeSql(text, dialect);
  const description: SqlDescription = { sanitized, ...summarizeSql(sanitized) };
  if (text.length <= CACHED_TEXT_MAX) {
    if (!cache) descriptions.set(dialect, (cache = new Map()));
    else if (cache.size >= CACHE_ENTRIES) cache.clear();
    cache.set(text, description);
  }
  return description;
}

export interface SqlQuery {
  readonly system: string;
  readonly text: string;
  readonly dialect: SqlDialect;
  readonly namespace?: string;
  readonly host?: string;
  readonly port?: number;
}

/**
 * The span name and attributes of a SQL query by the stable database conventions: the text
 * sanitized (unless TS_OTEL_RUN_DB_FULL_STATEMENTS), the summary naming the span.
 */
export function sqlSpan(config: Config, q: SqlQuery): { name: string; attributes: Attributes } {
  const { sanitized, summary, operation, collection } = describeSql(q.text, q.dialect);
  const attributes: Attributes = {
    [ATTR_DB_SYSTEM_NAME]: q.system,
    [ATTR_DB_QUERY_TEXT]: config.TS_OTEL_RUN_DB_FULL_STATEMENTS ? q.text : sanitized,
  };
  if (q.namespace) attributes[ATTR_DB_NAMESPACE] = q.namespace;
  if (summary) attributes[ATTR_DB_QUERY_SUMMARY] = summary;
  if (operation) attributes[ATTR_DB_OPERATION_NAME] = operation;
  if (collection) attributes[ATTR_DB_COLLECTION_NAME] = collection;
  if (q.host) attributes[ATTR_SERVER_ADDRESS] = q.host;
  if (q.port !== undefined && Number.isFinite(q.port)) attributes[ATTR_SERVER_PORT] = q.port;
  return { name: summary || q.system, attributes };
}

/** A failed operation: the server's code as db.response.status_code and error.type. */
export function dbErrorAttributes(error: unknown): Attributes {
  const code = (error as { code?: unknown } | undefined)?.code;
  const name = (error as { name?: unknown } | undefined)?.name;
  const attributes: Attributes = {};
  if (typeof code === 'string' || typeof code === 'number') attributes[ATTR_DB_RESPONSE_STATUS_CODE] = String(code);
  attributes[ATTR_ERROR_TYPE] =
    typeof code === 'string' || typeof code === 'number' ? String(code) : typeof name === 'string' && name ? name : '_OTHER';
  return attributes;
}

/** The histogram every database instrumentation records db.client.operation.duration into. */
export type DurationHistogram = { record(value: number, attributes?: Attributes): void };

/** db.client.operation.duration, when a metrics reader is configured. */
export function dbOperationDuration(ctx: InstrumentationContext): DurationHistogram | undefined {
  return ctx.metrics.active
    ? ctx.metrics.meter.createHistogram(METRIC_DB_CLIENT_OPERATION_DURATION, {
        unit: 's',
        description: 'Duration of database client operations.',
        advice: { explicitBucketBoundaries: DB_DURATION_BUCKETS },
      })
    : undefined;
}

/** An operation being timed: where its duration goes, when it started, what it was. */
export interface DbTiming {
  readonly histogram: DurationHistogram;
  readonly startMs: number;
  /** The span's attributes at its start (the metric takes the conventions' subset of them). */
  readonly attributes: Attributes;
}

export function startDbTiming(histogram: DurationHistogram | undefined, attributes: Attributes): DbTiming | undefined {
  return histogram ? { histogram, startMs: performance.now(), attributes } : undefined;
}

/**
 * The attributes db.client.operation.duration carries, of those a span has, in sorted order: the
 * meter finds the series of attributes added in that order without sorting their keys first.
 */
const METRIC_ATTRIBUTES = [
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_SUMMARY,
  ATTR_DB_SYSTEM_NAME,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
] as const;

/**
 * The span of a finished operation: on an error, the exception, the error attributes and status
 * ERROR; then ended. With a timing, db.client.operation.duration is recorded too, whether or not
 * the span was sampled. Every database operation ends here.
 */
export function endDbSpan(
  span: { recordException(e: unknown): void; setAttributes(a: Attributes): unknown; setStatus(s: { code: 2; message: string }): unknown; end(): void },
  error: unknown,
  errorAttributes: (error: unknown) => Attributes = dbErrorAttributes,
  timing?: DbTiming,
): void {
  const failed = error ? errorAttributes(error) : undefined;
  if (error) {
    span.recordException(error);
    span.setAttributes(failed!);
    span.setStatus({ code: 2, message: error instanceof Error ? error.message : String(error) });
  }
  span.end();
  if (timing) {
    const measured: Attributes = {};
    for (const key of METRIC_ATTRIBUTES) {
      const v = timing.attributes[key];
      if (v !== undefined) measured[key] = v;
    }
    if (failed) Object.assign(measured, failed);
    timing.histogram.record((performance.now() - timing.startMs) / 1000, measured);
  }
}

/**
 * Follows a promise on its way to the program: `settled` runs when it settles, and the promise to
 * hand the program instead is returned: it settles the same way, just after. Handing over that
 * one, not the original, keeps the program's behaviour: a rejection it does not handle stays
 * unhandled (and ends the process, as without the launcher), where a handler on a side branch
 * would swallow it.
 */
export function followPromise<T>(promise: PromiseLike<T>, settled: (error: unknown) => void): PromiseLike<T> {
  return promise.then(
    (value) => {
      settled(undefined);
      return value;
    },
    (error: unknown) => {
      settled(error);
      throw error;
    },
  );
}
