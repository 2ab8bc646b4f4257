import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  type Expectations,
  type Matcher,
  type Observed,
  type Outcome,
  type ProgramResult,
  judge,
  jsonReport,
  junitReport,
  levenshtein,
  nearestRank,
  parseMatcher,
  parseSpanExpectation,
  programPassed,
  summarize,
  xmlEscape,
} from '../../../src/cli/check-judge';
import { UsageError } from '../../../src/cli/main';
import type {
  Attributes,
  Int64,
  ReceivedLogRecord,
  ReceivedMetric,
  ReceivedNumberDataPoint,
  ReceivedOrigin,
  ReceivedSpan,
  Value,
} from '../../../src/receiver/types';

// --- builders ---------------------------------------------------------------------------------

function origin(service: string | undefined, scope = 'http', version = '0.1.0'): ReceivedOrigin {
  return {
    resource: {
      attributes: service === undefined ? {} : { 'service.name': service },
      droppedAttributesCount: 0,
      entityRefs: [],
      schemaUrl: '',
    },
    scope: { name: scope, version, attributes: {}, droppedAttributesCount: 0, schemaUrl: '' },
    protocol: 'http/protobuf',
  };
}

const T0 = 1_700_000_000_000_000_000n;

interface SpanOptions {
  attributes?: Attributes;
  service?: string;
  scope?: string;
  /** Duration in ms (may be fractional). */
  ms?: number;
  error?: { message?: string; type?: string };
  start?: Int64;
  end?: Int64;
}

function span(name: string, o: SpanOptions = {}): ReceivedSpan {
  const start = T0;
  const end = start + BigInt(Math.round((o.ms ?? 1) * 1e6));
  const attributes = { ...o.attributes };
  if (o.error?.type !== undefined) attributes['error.type'] = o.error.type;
  return {
    ...origin(o.service ?? 'shop', o.scope ?? 'http'),
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    parentSpanId: '',
    traceState: '',
    flags: 1,
    name,
    kind: 2,
    kindName: 'SERVER',
    // Int64: a decimal string beyond 2^53, as the receiver gives it.
    startTimeUnixNano: o.start ?? start.toString(),
    endTimeUnixNano: o.end ?? end.toString(),
    attributes,
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: o.error ? { code: 2, codeName: 'ERROR', message: o.error.message ?? '' } : { code: 0, codeName: 'UNSET', message: '' },
  };
}

function point(value: Int64 | number, time: number, attributes: Attributes = {}, valueType: 'int' | 'double' = 'int'): ReceivedNumberDataPoint {
  return { attributes, startTimeUnixNano: 0, timeUnixNano: time, value, valueType, exemplars: [], flags: 0 };
}

function metricBase(name: string, unit: string, service: string, scope: string) {
  return { ...origin(service, scope), name, description: '', unit, metadata: {} };
}

function sum(name: string, points: ReceivedNumberDataPoint[], o: { service?: string; unit?: string; delta?: boolean; scope?: string } = {}): ReceivedMetric {
  return {
    ...metricBase(name, o.unit ?? '', o.service ?? 'shop', o.scope ?? 'http'),
    type: 'sum',
    aggregationTemporality: o.delta ? 1 : 2,
    aggregationTemporalityName: o.delta ? 'DELTA' : 'CUMULATIVE',
    isMonotonic: true,
    dataPoints: points,
  };
}

function gauge(name: string, points: ReceivedNumberDataPoint[], o: { service?: string; unit?: string } = {}): ReceivedMetric {
  return { ...metricBase(name, o.unit ?? '', o.service ?? 'shop', 'runtime'), type: 'gauge', dataPoints: points };
}

function histogram(name: string, points: { count: Int64; sum: number | null; time: number; attributes?: Attributes }[], o: { service?: string; unit?: string } = {}): ReceivedMetric {
  return {
    ...metricBase(name, o.unit ?? '', o.service ?? 'shop', 'http'),
    type: 'histogram',
    aggregationTemporality: 2,
    aggregationTemporalityName: 'CUMULATIVE',
    dataPoints: points.map((p) => ({
      attributes: p.attributes ?? {},
      startTimeUnixNano: 0,
      timeUnixNano: p.time,
      count: p.count,
      sum: p.sum,
      min: null,
      max: null,
      bucketCounts: [],
      explicitBounds: [],
      exemplars: [],
      flags: 0,
    })),
  };
}

function log(body: Value, o: { severity?: number; severityText?: string; service?: string; scope?: string } = {}): ReceivedLogRecord {
  return {
    ...origin(o.service ?? 'shop', o.scope ?? 'console'),
    timeUnixNano: 0,
    observedTimeUnixNano: 0,
    severityNumber: o.severity ?? 9,
    severityText: o.severityText ?? '',
    body,
    attributes: {},
    droppedAttributesCount: 0,
    flags: 0,
    traceId: '',
    spanId: '',
    eventName: '',
  };
}

function observed(o: Partial<Observed> = {}): Observed {
  return { spans: o.spans ?? [], metrics: o.metrics ?? [], logs: o.logs ?? [] };
}

function expectations(o: Partial<Expectations> = {}): Expectations {
  return { spans: [], metrics: [], logs: [], services: [], noErrorSpans: false, ...o };
}

const OK_PROGRAM: ProgramResult = { command: 'node app.js', exitCode: 0, signal: null, durationMs: 1234, timedOut: false, allowedFailure: false };

/** A matcher as comparable data: RegExps by source and flags. */
function shape(m: Matcher | undefined): unknown {
  if (m === undefined) return undefined;
  return 'exact' in m ? { exact: m.exact } : { pattern: `/${m.pattern.source}/${m.pattern.flags}` };
}

function parsed(text: string): unknown {
  const e = parseSpanExpectation(text);
  assert.equal(e.text, text);
  return {
    name: shape(e.name),
    attributes: e.attributes.map((a) => (a.value === undefined ? { key: a.key } : { key: a.key, value: shape(a.value) })),
  };
}

function usageError(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UsageError, `expected a UsageError, got ${String(e)}`);
    assert.equal(e.message, message);
    return true;
  });
}

function only(outcomes: Outcome[]): Outcome {
  assert.equal(outcomes.length, 1, JSON.stringify(outcomes));
  return outcomes[0]!;
}

function spanOutcome(text: string, spans: ReceivedSpan[]): Outcome {
  return only(judge(expectations({ spans: [parseSpanExpectation(text)] }), observed({ spans })));
}

// --- parsing ----------------------------------------------------------------------------------

describe('parseMatcher', () => {
  it('reads exact text and /regex/flags', () => {
    assert.deepEqual(shape(parseMatcher('http.server.request.duration', '--expect-metric')), { exact: 'http.server.request.duration' });
    assert.deepEqual(shape(parseMatcher('/^http\\..*duration$/i', '--expect-metric')), { pattern: '/^http\\..*duration$/i' });
    assert.deepEqual(shape(parseMatcher('/a[/]b/', '--expect-log')), { pattern: '/a[/]b/' }, 'a slash inside a class does not close');
    assert.deepEqual(shape(parseMatcher('/a\\/b/', '--expect-log')), { pattern: '/a\\/b/' });
  });

  it('keeps text that only looks like a regex as exact text', () => {
    assert.deepEqual(shape(parseMatcher('/api/users', '--expect-log')), { exact: '/api/users' }, '"users" is not a set of flags');
    assert.deepEqual(shape(parseMatcher('/health', '--expect-log')), { exact: '/health' });
    assert.deepEqual(shape(parseMatcher('//', '--expect-log')), { exact: '//' }, 'an empty body is not a regex');
    assert.deepEqual(shape(parseMatcher('\\/api/', '--expect-log')), { exact: '/api/' }, 'a leading \\/ forces exact text');
  });

  it('rejects an empty value and an invalid regex, naming the option and the value', () => {
    usageError(() => parseMatcher('', '--expect-metric'), '--expect-metric "": expected a non-empty value');
    usageError(() => parseMatcher('/x(/', '--expect-service'), '--expect-service "/x(/": invalid regular expression /x(/: Unterminated group');
    usageError(() => parseMatcher('/a/gg', '--expect-log'), `--expect-log "/a/gg": invalid regular expression /a/gg: Invalid flags supplied to RegExp constructor 'gg'`);
  });
});

describe('parseSpanExpectation', () => {
  it('reads a bare name, exact or /regex/flags', () => {
    assert.deepEqual(parsed('GET /health'), { name: { exact: 'GET /health' }, attributes: [] });
    assert.deepEqual(parsed('  GET /health  '), { name: { exact: 'GET /health' }, attributes: [] });
    assert.deepEqual(parsed('/^GET \\/users\\/\\d+$/i'), { name: { pattern: '/^GET \\/users\\/\\d+$/i' }, attributes: [] });
    assert.deepEqual(parsed('/api/users'), { name: { exact: '/api/users' }, attributes: [] });
  });

  it('reads attributes: key=value, key=/regex/, a bare key', () => {
    assert.deepEqual(parsed('GET /health{http.response.status_code=200,url.path=/^\\/health/,http.route}'), {
      name: { exact: 'GET /health' },
      attributes: [
        { key: 'http.response.status_code', value: { exact: '200' } },
        { key: 'url.path', value: { pattern: '/^\\/health/' } },
        { key: 'http.route' },
      ],
    });
    assert.deepEqual(parsed('/^GET/{ a = 1 , b }'), {
      name: { pattern: '/^GET/' },
      attributes: [{ key: 'a', value: { exact: '1' } }, { key: 'b' }],
    });
    assert.deepEqual(parsed('x{k=}'), { name: { exact: 'x' }, attributes: [{ key: 'k', value: { exact: '' } }] });
    assert.deepEqual(parsed('x{}'), { name: { exact: 'x' }, attributes: [] });
    assert.deepEqual(parsed('x{a=b=c}'), { name: { exact: 'x' }, attributes: [{ key: 'a', value: { exact: 'b=c' } }] }, 'the first = splits');
  });

  it('allows commas, braces and = inside a /regex/', () => {
    assert.deepEqual(parsed('/a{1,2}/{k=/x{2,3}|y=z/,j=/[,}]/}'), {
      name: { pattern: '/a{1,2}/' },
      attributes: [
        { key: 'k', value: { pattern: '/x{2,3}|y=z/' } },
        { key: 'j', value: { pattern: '/[,}]/' } },
      ],
    });
    // \, in a regex is a comma, even with the u flag (where \, alone would be a syntax error).
    assert.deepEqual(parsed('x{k=/a\\,b/u}'), { name: { exact: 'x' }, attributes: [{ key: 'k', value: { pattern: '/a,b/u' } }] });
  });

  it('reads backslash escapes in names, keys and values', () => {
    assert.deepEqual(parsed('GET /users/\\{id\\}'), { name: { exact: 'GET /users/{id}' }, attributes: [] });
    assert.deepEqual(parsed('GET /users/\\{id\\}{k\\=1=a\\,b\\}c}'), {
      name: { exact: 'GET /users/{id}' },
      attributes: [{ key: 'k=1', value: { exact: 'a,b}c' } }],
    });
    assert.deepEqual(parsed('x{path=\\/api/}'), { name: { exact: 'x' }, attributes: [{ key: 'path', value: { exact: '/api/' } }] }, '\\/ forces exact text');
    assert.deepEqual(parsed('x{v=\\ padded\\ }'), { name: { exact: 'x' }, attributes: [{ key: 'v', value: { exact: ' padded ' } }] });
    assert.deepEqual(parsed('C:\\dir\\x'), { name: { exact: 'C:\\dir\\x' }, attributes: [] }, 'other backslashes stay');
    assert.deepEqual(parsed('a\\\\{k}'), { name: { exact: 'a\\' }, attributes: [{ key: 'k' }] });
  });

  it('reads a value that only looks like a regex as exact text', () => {
    assert.deepEqual(parsed('x{k=/[/}'), { name: { exact: 'x' }, attributes: [{ key: 'k', value: { exact: '/[/' } }] }, 'an unclosed class');
    assert.deepEqual(parsed('x{url.path=/api/users,u=/api/v1/}'), {
      name: { exact: 'x' },
      attributes: [
        { key: 'url.path', value: { exact: '/api/users' } },
        { key: 'u', value: { exact: '/api/v1/' } },
      ],
    });
  });

  it('rejects malformed values with a message naming the option and the value', () => {
    usageError(() => parseSpanExpectation(''), '--expect-span "": expected a span name (exact text or /regex/) before any {attributes}');
    usageError(() => parseSpanExpectation('{a=1}'), '--expect-span "{a=1}": expected a span name (exact text or /regex/) before any {attributes}');
    const missing = 'missing "}" at the end of the attribute list (a literal brace in a name is written \\{ or \\})';
    usageError(() => parseSpanExpectation('a{b'), `--expect-span "a{b": ${missing}`);
    usageError(() => parseSpanExpectation('a{b=1'), `--expect-span "a{b=1": ${missing}`);
    usageError(() => parseSpanExpectation('a{b=/x/'), `--expect-span "a{b=/x/": ${missing}`);
    usageError(
      () => parseSpanExpectation('GET /users/{id}/posts'),
      '--expect-span "GET /users/{id}/posts": unexpected text after the attribute list: "/posts" (a literal brace in a name is written \\{ or \\})',
    );
    usageError(() => parseSpanExpectation('a{,b}'), '--expect-span "a{,b}": expected an attribute name at position 3 (attributes are key, key=value or key=/regex/)');
    usageError(() => parseSpanExpectation('a{b,}'), '--expect-span "a{b,}": expected an attribute name at position 5 (attributes are key, key=value or key=/regex/)');
    usageError(() => parseSpanExpectation('/x(/'), '--expect-span "/x(/": invalid regular expression /x(/: Unterminated group');
    usageError(() => parseSpanExpectation('a{k=/(/}'), '--expect-span "a{k=/(/}": invalid regular expression /(/: Unterminated group');
  });
});

// --- judging ----------------------------------------------------------------------------------

describe('judge: spans', () => {
  const spans = [
    span('GET /health', { attributes: { 'http.response.status_code': 503, 'url.path': '/health' } }),
    span('GET /users/:id', { attributes: { 'http.response.status_code': 200, 'http.route': '/users/:id' } }),
    span('pg.query SELECT', { attributes: { 'db.system.name': 'postgresql', tags: ['a', 'b'], cached: false } }),
  ];

  it('passes on a span with the name and every attribute', () => {
    assert.deepEqual(spanOutcome('GET /users/:id{http.response.status_code=200,http.route}', spans), {
      name: 'expect-span "GET /users/:id{http.response.status_code=200,http.route}"',
      passed: true,
      message: '1 matching span',
    });
    assert.equal(spanOutcome('/^GET /{http.response.status_code=/^[25]0[03]$/}', spans).message, '2 matching spans');
    assert.ok(spanOutcome('pg.query SELECT{tags=a\\,b,cached=false}', spans).passed, 'arrays join with ",", booleans stringify');
    assert.ok(spanOutcome('pg.query SELECT{service.name=shop}', spans).passed, 'resource attributes count too');
  });

  it('is case-sensitive for exact names and stateless for /g patterns', () => {
    assert.equal(spanOutcome('get /health', spans).passed, false);
    const e = expectations({ spans: [parseSpanExpectation('/health/g')] });
    for (let i = 0; i < 3; i++) assert.ok(only(judge(e, observed({ spans }))).passed);
  });

  it('says which attribute differed and what it was', () => {
    assert.deepEqual(spanOutcome('GET /health{http.response.status_code=200}', spans), {
      name: 'expect-span "GET /health{http.response.status_code=200}"',
      passed: false,
      message: 'a span "GET /health" was seen, but http.response.status_code was 503',
    });
    assert.equal(
      spanOutcome('GET /health{http.route,url.path=/health}', spans).message,
      'a span "GET /health" was seen, but http.route was absent',
    );
    assert.equal(
      spanOutcome('GET /health{url.path=/x,http.response.status_code=/^2/}', spans).message,
      'a span "GET /health" was seen, but url.path was "/health" and http.response.status_code was 503',
    );
  });

  it('lists the values every same-named span had, the closest span first', () => {
    const many = [
      span('GET /', { attributes: { code: 500 } }),
      span('GET /', { attributes: { code: 404, route: '/' } }),
      span('GET /', {}),
    ];
    assert.equal(spanOutcome('GET /{route=/,code=200}', many).message, '3 spans named "GET /" were seen, but code was 404 or 500 or absent');
    assert.equal(
      spanOutcome('/^GET/{code=200}', many).message,
      '3 spans matching /^GET/ were seen (e.g. "GET /"), but code was 500 or 404 or absent',
    );
  });

  it('ranks the names seen by similarity when no span has the name', () => {
    const seen = [span('POST /orders'), span('GET /'), span('GET /healthz'), span('get /Health'), span('GET /users')];
    assert.deepEqual(spanOutcome('GET /health', seen), {
      name: 'expect-span "GET /health"',
      passed: false,
      message: 'no span named "GET /health"; names seen, closest first: "get /Health", "GET /healthz", "GET /" (and 2 more)',
    });
  });

  it('lists the most frequent names for a pattern', () => {
    const seen = [span('a'), span('b'), span('b'), span('c'), span('d')];
    assert.equal(spanOutcome('/^x/', seen).message, 'no span name matched /^x/; names seen: "b", "a", "c" (and 1 more)');
    assert.equal(spanOutcome('/^x/', [span('a')]).message, 'no span name matched /^x/; names seen: "a"');
  });

  it('says so when no span arrived at all', () => {
    assert.deepEqual(spanOutcome('GET /', []), { name: 'expect-span "GET /"', passed: false, message: 'no span was received' });
  });
});

describe('judge: metrics, logs, services', () => {
  const metrics = [
    histogram('http.server.request.duration', [{ count: 2, sum: 0.5, time: 1 }], { unit: 's' }),
    sum('db.client.connection.count', [point(3, 1)]),
    gauge('process.memory.usage', [point(1000, 1)], { service: 'worker' }),
  ];

  it('metrics: exact and pattern, passing', () => {
    assert.deepEqual(judge(expectations({ metrics: [parseMatcher('http.server.request.duration', 'm'), parseMatcher('/^(db|process)\\./', 'm')] }), observed({ metrics })), [
      { name: 'expect-metric "http.server.request.duration"', passed: true, message: 'seen (histogram)' },
      { name: 'expect-metric /^(db|process)\\./', passed: true, message: '2 metric names matched: "db.client.connection.count", "process.memory.usage"' },
    ]);
  });

  it('metrics: failing with the closest names', () => {
    assert.deepEqual(judge(expectations({ metrics: [parseMatcher('http.server.duration', 'm'), parseMatcher('/^rpc\\./', 'm')] }), observed({ metrics })), [
      {
        name: 'expect-metric "http.server.duration"',
        passed: false,
        message: 'no metric named "http.server.duration"; names seen, closest first: "http.server.request.duration", "process.memory.usage", "db.client.connection.count"',
      },
      {
        name: 'expect-metric /^rpc\\./',
        passed: false,
        message: 'no metric name matched /^rpc\\./; names seen: "http.server.request.duration", "db.client.connection.count", "process.memory.usage"',
      },
    ]);
    assert.equal(only(judge(expectations({ metrics: [{ exact: 'x' }] }), observed())).message, 'no metric was received');
  });

  it('logs: the body contains the text, or matches the pattern', () => {
    const logs = [log('server listening on port 3000'), log({ event: 'order', id: 7 }), log(null), log(['a', 1])];
    assert.deepEqual(judge(expectations({ logs: [parseMatcher('listening on', 'l'), parseMatcher('/"id":7/', 'l'), parseMatcher('/^port/', 'l'), parseMatcher('Listening', 'l')] }), observed({ logs })), [
      { name: 'expect-log "listening on"', passed: true, message: '1 matching log record' },
      { name: 'expect-log /"id":7/', passed: true, message: '1 matching log record' },
      {
        name: 'expect-log /^port/',
        passed: false,
        message: 'no log record body matched /^port/; bodies seen: "server listening on port 3000", "{\\"event\\":\\"order\\",\\"id\\":7}", "" (and 1 more)',
      },
      {
        name: 'expect-log "Listening"',
        passed: false,
        message: 'no log record body contains "Listening"; bodies seen: "server listening on port 3000", "{\\"event\\":\\"order\\",\\"id\\":7}", "" (and 1 more)',
      },
    ]);
    assert.equal(only(judge(expectations({ logs: [{ exact: 'x' }] }), observed())).message, 'no log record was received');
  });

  it('logs: long bodies are shortened in the message', () => {
    const o = only(judge(expectations({ logs: [{ exact: 'nope' }] }), observed({ logs: [log('x'.repeat(200))] })));
    assert.equal(o.message, `no log record body contains "nope"; bodies seen: "${'x'.repeat(77)}..."`);
  });

  it('services: from any signal, exact or pattern', () => {
    const o = observed({ spans: [span('a', { service: 'shop' })], metrics, logs: [log('x', { service: 'mailer' })] });
    assert.deepEqual(judge(expectations({ services: [parseMatcher('worker', 's'), parseMatcher('/^sh/', 's'), parseMatcher('shop2', 's'), parseMatcher('/^api$/', 's')] }), o), [
      { name: 'expect-service "worker"', passed: true, message: '0 spans, 1 metric, 0 log records' },
      { name: 'expect-service /^sh/', passed: true, message: '1 span, 2 metrics, 0 log records' },
      { name: 'expect-service "shop2"', passed: false, message: 'no telemetry from service "shop2"; services seen: "shop", "worker", "mailer"' },
      { name: 'expect-service /^api$/', passed: false, message: 'no service name matched /^api$/; services seen: "shop", "worker", "mailer"' },
    ]);
    assert.equal(only(judge(expectations({ services: [{ exact: 'x' }] }), observed())).message, 'no telemetry was received');
  });
});

describe('judge: counts, errors, order, default', () => {
  it('min-spans', () => {
    const spans = [span('a'), span('b'), span('c')];
    assert.deepEqual(judge(expectations({ minSpans: 3 }), observed({ spans })), [{ name: 'min-spans 3', passed: true, message: '3 spans received' }]);
    assert.deepEqual(judge(expectations({ minSpans: 5 }), observed({ spans })), [{ name: 'min-spans 5', passed: false, message: 'expected at least 5 spans, 3 received' }]);
    assert.deepEqual(judge(expectations({ minSpans: 1 }), observed()), [{ name: 'min-spans 1', passed: false, message: 'expected at least 1 span, 0 received' }]);
  });

  it('no-error-spans lists the error spans: name, error.type, status message', () => {
    assert.deepEqual(judge(expectations({ noErrorSpans: true }), observed({ spans: [span('a')] })), [
      { name: 'no-error-spans', passed: true, message: 'no span had status ERROR (1 span received)' },
    ]);
    const spans = [
      span('GET /x', { error: { type: '500' } }),
      span('pg.query', { error: { type: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' } }),
      span('GET /x', { error: { type: '500' } }),
      span('work', { error: {} }),
      span('fine'),
    ];
    assert.deepEqual(judge(expectations({ noErrorSpans: true }), observed({ spans })), [
      {
        name: 'no-error-spans',
        passed: false,
        message: '4 spans have status ERROR: "GET /x" (error.type "500") x2, "pg.query" (error.type "ECONNREFUSED", message "connect ECONNREFUSED 127.0.0.1:5432"), "work"',
      },
    ]);
    const seven = Array.from({ length: 7 }, (_, i) => span(`s${i}`, { error: {} }));
    assert.equal(
      only(judge(expectations({ noErrorSpans: true }), observed({ spans: seven }))).message,
      '7 spans have status ERROR: "s0", "s1", "s2", "s3", "s4", and 2 more',
    );
  });

  it('one outcome per expectation, in order: spans, metrics, logs, min-spans, no-error-spans, services', () => {
    const e = expectations({
      spans: [parseSpanExpectation('b'), parseSpanExpectation('a')],
      metrics: [{ exact: 'm' }],
      logs: [{ exact: 'l' }],
      minSpans: 1,
      noErrorSpans: true,
      services: [{ exact: 'shop' }],
    });
    assert.deepEqual(
      judge(e, observed({ spans: [span('a')] })).map((o) => [o.name, o.passed]),
      [
        ['expect-span "b"', false],
        ['expect-span "a"', true],
        ['expect-metric "m"', false],
        ['expect-log "l"', false],
        ['min-spans 1', true],
        ['no-error-spans', true],
        ['expect-service "shop"', true],
      ],
    );
  });

  it('with no expectation: at least one span', () => {
    assert.deepEqual(judge(expectations(), observed({ spans: [span('a'), span('b')] })), [{ name: 'at least one span', passed: true, message: '2 spans received' }]);
    assert.deepEqual(judge(expectations(), observed({ logs: [log('x')] })), [{ name: 'at least one span', passed: false, message: 'no span was received' }]);
  });
});

describe('helpers', () => {
  it('levenshtein', () => {
    assert.equal(levenshtein('kitten', 'sitting'), 3);
    assert.equal(levenshtein('', 'abc'), 3);
    assert.equal(levenshtein('abc', 'abc'), 0);
    assert.equal(levenshtein('GET /health', 'GET /healthz'), 1);
  });

  it('nearest-rank percentiles', () => {
    const v = [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n];
    assert.equal(nearestRank(v, 50), 5n);
    assert.equal(nearestRank(v, 95), 10n);
    assert.equal(nearestRank([7n], 50), 7n);
    assert.equal(nearestRank([1n, 2n], 50), 1n);
    assert.equal(nearestRank([], 50), undefined);
    const twenty = Array.from({ length: 20 }, (_, i) => BigInt(i + 1));
    assert.equal(nearestRank(twenty, 95), 19n);
  });

  it('programPassed', () => {
    assert.equal(programPassed(OK_PROGRAM), true);
    assert.equal(programPassed({ ...OK_PROGRAM, exitCode: 1 }), false);
    assert.equal(programPassed({ ...OK_PROGRAM, exitCode: 1, allowedFailure: true }), true);
    assert.equal(programPassed({ ...OK_PROGRAM, timedOut: true }), false);
    assert.equal(programPassed({ ...OK_PROGRAM, exitCode: null, signal: 'SIGTERM' }), false);
    assert.equal(programPassed({ ...OK_PROGRAM, exitCode: null, signal: 'SIGTERM', stoppedByCheck: true }), true);
    assert.equal(programPassed({ ...OK_PROGRAM, exitCode: 143, stoppedByCheck: true }), true);
    assert.equal(programPassed({ ...OK_PROGRAM, exitCode: null, signal: 'SIGKILL', stoppedByCheck: true }), false);
  });

  it('xmlEscape', () => {
    assert.equal(xmlEscape(`<a href="x">&'</a>`), '&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;');
    assert.equal(xmlEscape('a\u0000b\u001bc\ud800d\n'), 'a\ufffdb\ufffdc\ufffdd\n');
    assert.equal(xmlEscape('a\nb\tc', true), 'a&#10;b&#9;c');
    assert.equal(xmlEscape('\u{1f600}'), '\u{1f600}', 'astral characters are kept');
  });
});

// --- summary and reports ----------------------------------------------------------------------

/**
 * shop:   GET /health x3 (2, 4, 10 ms; one error), pg.query x1 (0.5 ms)
 * worker: job x1 (1500 ms)
 */
function sample(): Observed {
  return observed({
    spans: [
      span('GET /health', { ms: 2 }),
      span('GET /health', { ms: 10, error: { type: '500' } }),
      span('GET /health', { ms: 4 }),
      span('pg.query', { ms: 0.5, scope: 'pg' }),
      span('job', { ms: 1500, service: 'worker', scope: 'worker' }),
    ],
    metrics: [
      histogram('http.server.request.duration', [{ count: 1, sum: 0.125, time: 1 }], { unit: 's' }),
      // A later collection of the same cumulative histogram, with a second series.
      histogram(
        'http.server.request.duration',
        [
          { count: 3, sum: 0.5, time: 2 },
          { count: 1, sum: 0.25, time: 2, attributes: { 'http.response.status_code': 500 } },
        ],
        { unit: 's' },
      ),
      sum('requests', [point(2, 1, { a: 'x' }), point(5, 1, { a: 'y' })], { unit: '{request}' }),
      sum('requests', [point(3, 2, { a: 'x' })], { unit: '{request}' }),
      sum('ticks', [point('9007199254740993', 1)], { delta: true }),
      sum('ticks', [point(1, 2)], { delta: true }),
      gauge('process.memory.usage', [point(1000, 1)], { service: 'worker', unit: 'By' }),
      gauge('process.memory.usage', [point(2500.5, 3, {}, 'double')], { service: 'worker', unit: 'By' }),
    ],
    logs: [log('a', { severity: 9 }), log('b', { severity: 10 }), log('c', { severity: 13 }), log('d', { severity: 17 }), log('e', { severity: 0, severityText: 'notice' }), log('f', { severity: 0 })],
  });
}

const SAMPLE_OUTCOMES: Outcome[] = [
  { name: 'expect-span "GET /health"', passed: true, message: '3 matching spans' },
  { name: 'min-spans 10', passed: false, message: 'expected at least 10 spans, 5 received' },
];

const EXPECTED_SUMMARY = `Services:
  shop    4 spans  3 metrics  6 log records
  worker   1 span   1 metric  0 log records
Spans: 5 (3 names, 1 error)
  NAME         COUNT  ERRORS  P50 MS  P95 MS
  GET /health      3       1    4.00    10.0
  job              1       0    1500    1500
  pg.query         1       0   0.500   0.500
Metrics: 4 names
  shop
    http.server.request.duration  histogram  count 4, sum 0.75 s (2 series)
    requests                      sum        total 8 {request} (2 series)
    ticks                         sum        total 9007199254740994
  worker
    process.memory.usage  gauge  latest 2500.5 By
Logs: 6 (INFO 2, WARN 1, ERROR 1, NOTICE 1, UNSPECIFIED 1)
Instrumentation scopes:
  console  0.1.0  6 log records
  http     0.1.0  3 spans, 3 metrics
  pg       0.1.0  1 span
  runtime  0.1.0  1 metric
  worker   0.1.0  1 span
Program: node app.js exited with code 0 after 1.23 s
Checks:
  \u2713 expect-span "GET /health": 3 matching spans
  \u2717 min-spans 10: expected at least 10 spans, 5 received
Result: FAIL (1 of 2 checks failed)`;

describe('summarize', () => {
  it('services, spans with p50/p95, metrics per service, logs by severity, scopes, program, checks', () => {
    const text = summarize(sample(), OK_PROGRAM, SAMPLE_OUTCOMES);
    assert.equal(text, EXPECTED_SUMMARY, `\n${text}`);
  });

  it('ascii: PASS/FAIL instead of the check marks', () => {
    const text = summarize(sample(), OK_PROGRAM, SAMPLE_OUTCOMES, { ascii: true });
    assert.match(text, /^ {2}PASS expect-span "GET \/health": 3 matching spans$/m);
    assert.match(text, /^ {2}FAIL min-spans 10: expected at least 10 spans, 5 received$/m);
    assert.ok(!/[^\x00-\x7f]/.test(text), 'nothing but ASCII');
  });

  it('with nothing received, and how the program ended', () => {
    const pass: Outcome[] = [{ name: 'at least one span', passed: true, message: '1 span received' }];
    const lines = (p: ProgramResult, o = pass) => summarize(observed(), p, o).split('\n');
    assert.deepEqual(lines(OK_PROGRAM), [
      'Services: none',
      'Spans: none',
      'Metrics: none',
      'Logs: none',
      'Instrumentation scopes: none',
      'Program: node app.js exited with code 0 after 1.23 s',
      'Checks:',
      '  \u2713 at least one span: 1 span received',
      'Result: PASS (the check passed)',
    ]);
    const program = (p: Partial<ProgramResult>) => lines({ ...OK_PROGRAM, ...p }).slice(-4);
    assert.deepEqual(program({ exitCode: 3, durationMs: 20 }), [
      'Program: node app.js exited with code 3 after 20 ms',
      'Checks:',
      '  \u2713 at least one span: 1 span received',
      'Result: FAIL (the check passed; the program exited with code 3 after 20 ms)',
    ]);
    assert.equal(program({ exitCode: 3, allowedFailure: true })[0], 'Program: node app.js exited with code 3 after 1.23 s (failure allowed)');
    assert.equal(program({ exitCode: 3, allowedFailure: true })[3], 'Result: PASS (the check passed)');
    assert.equal(program({ exitCode: null, signal: 'SIGKILL', timedOut: true, durationMs: 60_000 })[0], 'Program: node app.js timed out after 60 s (stopped by SIGKILL)');
    assert.equal(program({ exitCode: null, signal: 'SIGSEGV' })[0], 'Program: node app.js was killed by SIGSEGV after 1.23 s');
    assert.equal(program({ exitCode: null, signal: 'SIGTERM', stoppedByCheck: true })[0], 'Program: node app.js was stopped by the check with SIGTERM after 1.23 s');
    assert.equal(program({ exitCode: null, signal: 'SIGTERM', stoppedByCheck: true })[3], 'Result: PASS (the check passed)');
    const two: Outcome[] = [...pass, { name: 'x', passed: true, message: 'y' }];
    assert.equal(lines(OK_PROGRAM, two).at(-1), 'Result: PASS (all 2 checks passed)');
  });

  it('a span with a start/end beyond 2^53 ns is measured exactly', () => {
    const s = span('exact', { start: '1700000000000000001', end: '1700000000001234567' });
    assert.match(summarize(observed({ spans: [s] }), OK_PROGRAM, []), /^ {2}exact\s+1\s+0\s+1\.23\s+1\.23$/m);
    const json = JSON.parse(jsonReport([], OK_PROGRAM, observed({ spans: [s] })));
    assert.equal(json.summary.spans[0].p50Ms, 1.234);
  });
});

/**
 * A small XML well-formedness checker, enough for what junitReport writes: a declaration, nested
 * elements with quoted attributes, text with entity references. Returns the element tree.
 */
interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

function parseXml(xml: string): XmlElement {
  let i = 0;
  const fail = (why: string): never => assert.fail(`bad XML at ${i}: ${why}: ${JSON.stringify(xml.slice(i, i + 40))}`);
  const decode = (s: string) => {
    if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/i.test(s)) fail(`bad entity in ${JSON.stringify(s)}`);
    if (/[<]/.test(s)) fail('< in text');
    return s.replace(/&(amp|lt|gt|quot|apos|#\d+);/g, (_, e: string) =>
      e.startsWith('#') ? String.fromCodePoint(Number(e.slice(1))) : ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[e]!,
    );
  };
  const space = () => {
    while (/\s/.test(xml[i] ?? '')) i++;
  };
  const NAME = /^[A-Za-z_][\w.-]*/;
  const element = (): XmlElement => {
    if (xml[i] !== '<') fail('expected <');
    i++;
    const name = NAME.exec(xml.slice(i))?.[0] ?? fail('expected a name');
    i += name.length;
    const attributes: Record<string, string> = {};
    for (;;) {
      const before = i;
      space();
      if (xml.startsWith('/>', i)) {
        i += 2;
        return { name, attributes, children: [], text: '' };
      }
      if (xml[i] === '>') {
        i++;
        break;
      }
      if (i === before) fail('expected a space before an attribute');
      const key = NAME.exec(xml.slice(i))?.[0] ?? fail('expected an attribute name');
      i += key.length;
      if (xml[i] !== '=' || xml[i + 1] !== '"') fail('expected ="');
      const end = xml.indexOf('"', i + 2);
      if (end < 0) fail('unterminated attribute');
      if (key in attributes) fail(`duplicate attribute ${key}`);
      attributes[key] = decode(xml.slice(i + 2, end));
      i = end + 1;
    }
    const children: XmlElement[] = [];
    let text = '';
    for (;;) {
      const lt = xml.indexOf('<', i);
      if (lt < 0) fail(`unclosed <${name}>`);
      text += decode(xml.slice(i, lt));
      i = lt;
      if (xml.startsWith('</', i)) {
        i += 2;
        if (!xml.startsWith(`${name}>`, i)) fail(`expected </${name}>`);
        i += name.length + 1;
        return { name, attributes, children, text };
      }
      children.push(element());
    }
  };
  const decl = '<?xml version="1.0" encoding="UTF-8"?>';
  if (!xml.startsWith(decl)) fail('expected the XML declaration');
  i = decl.length;
  space();
  const root = element();
  space();
  if (i !== xml.length) fail('content after the root element');
  if (/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.test(xml)) assert.fail('a character XML cannot carry');
  return root;
}

describe('junitReport', () => {
  it('one testsuite, a testcase per outcome and one for the program, with the counts', () => {
    const outcomes: Outcome[] = [
      { name: 'expect-span "GET /a&b<c>"', passed: true, message: '1 matching span' },
      { name: 'expect-log "it\'s"', passed: false, message: 'no log record body contains "it\'s"; bodies seen: "a <b> & \u0007"\nsecond line' },
    ];
    const program: ProgramResult = { ...OK_PROGRAM, command: 'npm test -- --grep "<x>"', exitCode: 1, durationMs: 2500 };
    const xml = junitReport(outcomes, program, sample());
    const root = parseXml(xml);
    assert.equal(root.name, 'testsuites');
    assert.equal(root.children.length, 1);
    const suite = root.children[0]!;
    assert.equal(suite.name, 'testsuite');
    assert.deepEqual(suite.attributes, { name: 'ts-otel-run check', tests: '3', failures: '2', errors: '0', skipped: '0', time: '2.500' });
    assert.deepEqual(
      { tests: root.attributes.tests, failures: root.attributes.failures, errors: root.attributes.errors },
      { tests: '3', failures: '2', errors: '0' },
    );
    const cases = suite.children.filter((c) => c.name === 'testcase');
    assert.deepEqual(
      cases.map((c) => [c.attributes.name, c.attributes.classname, c.attributes.time, c.children.map((f) => f.name)]),
      [
        ['expect-span "GET /a&b<c>"', 'ts-otel-run check', '0.000', []],
        ['expect-log "it\'s"', 'ts-otel-run check', '0.000', ['failure']],
        ['program exited successfully', 'ts-otel-run check', '2.500', ['failure']],
      ],
    );
    const failure = cases[1]!.children[0]!;
    assert.equal(failure.attributes.message, 'no log record body contains "it\'s"; bodies seen: "a <b> & \ufffd"\nsecond line', 'newline kept in the attribute');
    assert.equal(failure.text, 'expect-log "it\'s": no log record body contains "it\'s"; bodies seen: "a <b> & \ufffd"\nsecond line');
    assert.equal(cases[2]!.children[0]!.attributes.message, 'npm test -- --grep "<x>" exited with code 1 after 2.5 s');
    const out = suite.children.find((c) => c.name === 'system-out');
    assert.ok(out, 'the summary in system-out');
    assert.match(out.text, /^Spans: 5 \(3 names, 1 error\)$/m);
    assert.match(out.text, /^ {2}FAIL expect-log/m);
  });

  it('all passing: no failure element', () => {
    const root = parseXml(junitReport([{ name: 'at least one span', passed: true, message: '1 span received' }], OK_PROGRAM, observed({ spans: [span('a')] })));
    const suite = root.children[0]!;
    assert.equal(suite.attributes.tests, '2');
    assert.equal(suite.attributes.failures, '0');
    assert.ok(suite.children.filter((c) => c.name === 'testcase').every((c) => c.children.length === 0));
  });

  it('the checker itself rejects what is not well-formed', () => {
    const decl = '<?xml version="1.0" encoding="UTF-8"?>';
    assert.throws(() => parseXml(`${decl}<a><b></a>`));
    assert.throws(() => parseXml(`${decl}<a x="1&2"/>`));
    assert.throws(() => parseXml(`${decl}<a>1 < 2</a>`));
    assert.throws(() => parseXml(`${decl}<a/><b/>`));
  });
});

describe('jsonReport', () => {
  it('passed, program, outcomes, summary', () => {
    const report = JSON.parse(jsonReport(SAMPLE_OUTCOMES, OK_PROGRAM, sample()));
    assert.deepEqual(Object.keys(report), ['passed', 'program', 'outcomes', 'summary']);
    assert.equal(report.passed, false);
    assert.deepEqual(report.program, { ...OK_PROGRAM, passed: true, description: 'exited with code 0 after 1.23 s' });
    assert.deepEqual(report.outcomes, SAMPLE_OUTCOMES);
    assert.deepEqual(report.summary.services, ['shop', 'worker']);
    assert.deepEqual(report.summary.spans, [
      { name: 'GET /health', count: 3, errors: 1, p50Ms: 4, p95Ms: 10 },
      { name: 'job', count: 1, errors: 0, p50Ms: 1500, p95Ms: 1500 },
      { name: 'pg.query', count: 1, errors: 0, p50Ms: 0.5, p95Ms: 0.5 },
    ]);
    assert.deepEqual(report.summary.metrics, [
      { service: 'shop', name: 'http.server.request.duration', type: 'histogram', unit: 's', series: 2, count: 4, sum: 0.75 },
      { service: 'shop', name: 'requests', type: 'sum', unit: '{request}', series: 2, value: 8 },
      { service: 'shop', name: 'ticks', type: 'sum', unit: '', series: 1, value: '9007199254740994' },
      { service: 'worker', name: 'process.memory.usage', type: 'gauge', unit: 'By', series: 1, value: 2500.5 },
    ]);
    assert.deepEqual(report.summary.logs, { total: 6, bySeverity: { INFO: 2, WARN: 1, ERROR: 1, NOTICE: 1, UNSPECIFIED: 1 } });
    assert.deepEqual(report.summary.scopes[0], { name: 'console', version: '0.1.0', spans: 0, metrics: 0, logs: 6 });
  });

  it('passes when every outcome and the program pass', () => {
    const report = JSON.parse(jsonReport([{ name: 'x', passed: true, message: '' }], OK_PROGRAM, observed()));
    assert.equal(report.passed, true);
    assert.deepEqual(report.summary, { services: [], spans: [], metrics: [], logs: { total: 0, bySeverity: {} }, scopes: [] });
    assert.equal(JSON.parse(jsonReport([{ name: 'x', passed: true, message: '' }], { ...OK_PROGRAM, exitCode: 1 }, observed())).passed, false);
  });
});
