/**
 * The receiver's data model.
 *
 * Two layers, both plain JSON-friendly data, both identical whichever of the three protocols
 * (gRPC, HTTP/protobuf, HTTP/JSON) carried the request:
 *
 * - the decoded request (`Otlp*` types, kept in `Receiver.requests` and passed to `onData`): the
 *   request's own tree, shaped like its OTLP/JSON form (lowerCamelCase field names, AnyValue as a
 *   tagged object such as `{ intValue: 5 }`), so nothing is lost: an int stays distinguishable
 *   from a double, the resource/scope grouping is kept;
 * - the received items (`Received*` types, from `spans()`, `metrics()`, `logRecords()`): one entry
 *   per span, metric or log record, flattened with its resource, scope and protocol, attributes as
 *   plain objects, enums with readable names.
 *
 * Rules common to both layers:
 * - ids (trace, span, parent span) are lower-case hex strings; an absent id is `''`;
 * - 64-bit integers (times in nanoseconds, AnyValue ints, counts, bucket counts, `asInt`) are
 *   {@link Int64}: a JS number when the value is a safe integer (|v| ≤ 2^53 − 1), otherwise its
 *   exact decimal string. The same rule applies whatever the input (protobuf varint or fixed64,
 *   JSON string or JSON number), so a value decodes identically from every protocol;
 * - 32-bit integers (counts of dropped items, flags, enums, scale, offset) are numbers;
 * - bytes are Buffers;
 * - every field is present with its proto3 default when it was absent on the wire (`''`, `0`,
 *   `false`, `[]`, an empty resource or scope), except the fields whose absence means something:
 *   proto3 `optional` fields (histogram `sum`/`min`/`max`) and oneofs (AnyValue's value, a data
 *   point's or exemplar's value, a metric's data), which are left out of the decoded request when
 *   absent and are `null` (or a `'none'`/`'empty'` tag) in the received items.
 */

/** The three OTLP signals, named as in the HTTP paths (`/v1/traces`, ...). */
export type Signal = 'traces' | 'metrics' | 'logs';

/** How a request arrived. */
export type Protocol = 'grpc' | 'http/protobuf' | 'http/json';

/**
 * A 64-bit integer: a number when it is a safe integer (`Number.isSafeInteger`), otherwise the
 * exact value as a decimal string (e.g. `'18446744073709551615'`, `'-9223372036854775808'`).
 */
export type Int64 = number | string;

// ---------------------------------------------------------------------------------------------
// The decoded request (OTLP/JSON-shaped)
// ---------------------------------------------------------------------------------------------

/**
 * opentelemetry.proto.common.v1.AnyValue: exactly one key, or none for an empty value.
 * `kvlistValue` keeps the list (duplicate keys and order included).
 */
export type OtlpAnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: Int64 }
  | { doubleValue: number }
  | { arrayValue: { values: OtlpAnyValue[] } }
  | { kvlistValue: { values: OtlpKeyValue[] } }
  | { bytesValue: Buffer }
  | { [key: string]: never };

export interface OtlpKeyValue {
  key: string;
  /** An absent value is decoded as the empty AnyValue `{}`. */
  value: OtlpAnyValue;
}

export interface OtlpEntityRef {
  schemaUrl: string;
  type: string;
  idKeys: string[];
  descriptionKeys: string[];
}

export interface OtlpResource {
  attributes: OtlpKeyValue[];
  droppedAttributesCount: number;
  entityRefs: OtlpEntityRef[];
}

export interface OtlpInstrumentationScope {
  name: string;
  version: string;
  attributes: OtlpKeyValue[];
  droppedAttributesCount: number;
}

// --- traces ---

export interface OtlpTracesRequest {
  resourceSpans: OtlpResourceSpans[];
}

export interface OtlpResourceSpans {
  resource: OtlpResource;
  scopeSpans: OtlpScopeSpans[];
  schemaUrl: string;
}

export interface OtlpScopeSpans {
  scope: OtlpInstrumentationScope;
  spans: OtlpSpan[];
  schemaUrl: string;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  traceState: string;
  parentSpanId: string;
  flags: number;
  name: string;
  /** SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startTimeUnixNano: Int64;
  endTimeUnixNano: Int64;
  attributes: OtlpKeyValue[];
  droppedAttributesCount: number;
  events: OtlpSpanEvent[];
  droppedEventsCount: number;
  links: OtlpSpanLink[];
  droppedLinksCount: number;
  status: OtlpStatus;
}

export interface OtlpSpanEvent {
  timeUnixNano: Int64;
  name: string;
  attributes: OtlpKeyValue[];
  droppedAttributesCount: number;
}

export interface OtlpSpanLink {
  traceId: string;
  spanId: string;
  traceState: string;
  attributes: OtlpKeyValue[];
  droppedAttributesCount: number;
  flags: number;
}

export interface OtlpStatus {
  message: string;
  /** StatusCode: 0 unset, 1 ok, 2 error. */
  code: number;
}

// --- metrics ---

export interface OtlpMetricsRequest {
  resourceMetrics: OtlpResourceMetrics[];
}

export interface OtlpResourceMetrics {
  resource: OtlpResource;
  scopeMetrics: OtlpScopeMetrics[];
  schemaUrl: string;
}

export interface OtlpScopeMetrics {
  scope: OtlpInstrumentationScope;
  metrics: OtlpMetric[];
  schemaUrl: string;
}

/** At most one of gauge, sum, histogram, exponentialHistogram, summary is present. */
export interface OtlpMetric {
  name: string;
  description: string;
  unit: string;
  metadata: OtlpKeyValue[];
  gauge?: OtlpGauge;
  sum?: OtlpSum;
  histogram?: OtlpHistogram;
  exponentialHistogram?: OtlpExponentialHistogram;
  summary?: OtlpSummary;
}

export interface OtlpGauge {
  dataPoints: OtlpNumberDataPoint[];
}

export interface OtlpSum {
  dataPoints: OtlpNumberDataPoint[];
  /** AggregationTemporality: 0 unspecified, 1 delta, 2 cumulative. */
  aggregationTemporality: number;
  isMonotonic: boolean;
}

export interface OtlpHistogram {
  dataPoints: OtlpHistogramDataPoint[];
  aggregationTemporality: number;
}

export interface OtlpExponentialHistogram {
  dataPoints: OtlpExponentialHistogramDataPoint[];
  aggregationTemporality: number;
}

export interface OtlpSummary {
  dataPoints: OtlpSummaryDataPoint[];
}

/** At most one of asDouble, asInt is present. */
export interface OtlpNumberDataPoint {
  attributes: OtlpKeyValue[];
  startTimeUnixNano: Int64;
  timeUnixNano: Int64;
  asDouble?: number;
  asInt?: Int64;
  exemplars: OtlpExemplar[];
  flags: number;
}

/** At most one of asDouble, asInt is present. */
export interface OtlpExemplar {
  filteredAttributes: OtlpKeyValue[];
  timeUnixNano: Int64;
  asDouble?: number;
  asInt?: Int64;
  spanId: string;
  traceId: string;
}

export interface OtlpHistogramDataPoint {
  attributes: OtlpKeyValue[];
  startTimeUnixNano: Int64;
  timeUnixNano: Int64;
  count: Int64;
  sum?: number;
  bucketCounts: Int64[];
  explicitBounds: number[];
  exemplars: OtlpExemplar[];
  flags: number;
  min?: number;
  max?: number;
}

export interface OtlpExponentialHistogramDataPoint {
  attributes: OtlpKeyValue[];
  startTimeUnixNano: Int64;
  timeUnixNano: Int64;
  count: Int64;
  sum?: number;
  scale: number;
  zeroCount: Int64;
  positive: OtlpBuckets;
  negative: OtlpBuckets;
  flags: number;
  exemplars: OtlpExemplar[];
  min?: number;
  max?: number;
  zeroThreshold: number;
}

export interface OtlpBuckets {
  offset: number;
  bucketCounts: Int64[];
}

export interface OtlpSummaryDataPoint {
  attributes: OtlpKeyValue[];
  startTimeUnixNano: Int64;
  timeUnixNano: Int64;
  count: Int64;
  sum: number;
  quantileValues: OtlpValueAtQuantile[];
  flags: number;
}

export interface OtlpValueAtQuantile {
  quantile: number;
  value: number;
}

// --- logs ---

export interface OtlpLogsRequest {
  resourceLogs: OtlpResourceLogs[];
}

export interface OtlpResourceLogs {
  resource: OtlpResource;
  scopeLogs: OtlpScopeLogs[];
  schemaUrl: string;
}

export interface OtlpScopeLogs {
  scope: OtlpInstrumentationScope;
  logRecords: OtlpLogRecord[];
  schemaUrl: string;
}

export interface OtlpLogRecord {
  timeUnixNano: Int64;
  observedTimeUnixNano: Int64;
  /** SeverityNumber: 0 unspecified, 1–4 trace, 5–8 debug, 9–12 info, 13–16 warn, 17–20 error, 21–24 fatal. */
  severityNumber: number;
  severityText: string;
  /** An absent body is decoded as the empty AnyValue `{}`. */
  body: OtlpAnyValue;
  attributes: OtlpKeyValue[];
  droppedAttributesCount: number;
  flags: number;
  traceId: string;
  spanId: string;
  eventName: string;
}

/** The decoded request of each signal. */
export interface OtlpRequestBySignal {
  traces: OtlpTracesRequest;
  metrics: OtlpMetricsRequest;
  logs: OtlpLogsRequest;
}

export type OtlpRequest = OtlpRequestBySignal[Signal];

// ---------------------------------------------------------------------------------------------
// Requests as they arrived
// ---------------------------------------------------------------------------------------------

/**
 * Request headers, names in lower case; repeated headers joined with `', '`. For gRPC these are
 * the call's metadata (binary `-bin` entries in base64).
 */
export type Headers = Record<string, string>;

export interface RequestMeta {
  protocol: Protocol;
  headers: Headers;
}

interface ReceivedRequestBase<S extends Signal> extends RequestMeta {
  signal: S;
  data: OtlpRequestBySignal[S];
  /** Date.now() when the request was decoded. */
  receivedAt: number;
}

/** A request the receiver accepted, with its decoded content. */
export type ReceivedRequest =
  | ReceivedRequestBase<'traces'>
  | ReceivedRequestBase<'metrics'>
  | ReceivedRequestBase<'logs'>;

/** A request the receiver answered with an error. */
export interface RejectedRequest {
  transport: 'grpc' | 'http';
  /** Known when the path (or gRPC method) named a signal. */
  signal: Signal | undefined;
  /** Known when the content type (or gRPC) said how the payload was encoded. */
  protocol: Protocol | undefined;
  /** The HTTP method and path, or the gRPC method path. */
  target: string;
  headers: Headers;
  /** The HTTP status, or the gRPC status code. */
  status: number;
  message: string;
  receivedAt: number;
}

// ---------------------------------------------------------------------------------------------
// Received items (flattened)
// ---------------------------------------------------------------------------------------------

/**
 * An AnyValue as a JS value: string, boolean, number (an int is an {@link Int64}, so an int beyond
 * 2^53 is a decimal string), Buffer for bytes, an array, a plain object for a kvlist (a repeated
 * key keeps its last value), `null` for an empty value.
 */
export type Value = null | string | boolean | number | Buffer | Value[] | { [key: string]: Value };

/** Attributes as a plain object, key → value; a repeated key keeps its last value. */
export type Attributes = { [key: string]: Value };

export interface ReceivedResource {
  attributes: Attributes;
  droppedAttributesCount: number;
  entityRefs: OtlpEntityRef[];
  /** The schema URL of the Resource{Spans,Metrics,Logs}. */
  schemaUrl: string;
}

export interface ReceivedScope {
  name: string;
  version: string;
  attributes: Attributes;
  droppedAttributesCount: number;
  /** The schema URL of the Scope{Spans,Metrics,Logs}. */
  schemaUrl: string;
}

/** What every received item carries: where it came from. */
export interface ReceivedOrigin {
  resource: ReceivedResource;
  scope: ReceivedScope;
  protocol: Protocol;
}

export type SpanKindName = 'UNSPECIFIED' | 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER' | 'UNKNOWN';
export type StatusCodeName = 'UNSET' | 'OK' | 'ERROR' | 'UNKNOWN';
export type AggregationTemporalityName = 'UNSPECIFIED' | 'DELTA' | 'CUMULATIVE' | 'UNKNOWN';

export interface ReceivedSpan extends ReceivedOrigin {
  traceId: string;
  spanId: string;
  /** `''` for a root span. */
  parentSpanId: string;
  traceState: string;
  flags: number;
  name: string;
  kind: number;
  kindName: SpanKindName;
  startTimeUnixNano: Int64;
  endTimeUnixNano: Int64;
  attributes: Attributes;
  droppedAttributesCount: number;
  events: ReceivedSpanEvent[];
  droppedEventsCount: number;
  links: ReceivedSpanLink[];
  droppedLinksCount: number;
  status: ReceivedStatus;
}

export interface ReceivedSpanEvent {
  timeUnixNano: Int64;
  name: string;
  attributes: Attributes;
  droppedAttributesCount: number;
}

export interface ReceivedSpanLink {
  traceId: string;
  spanId: string;
  traceState: string;
  attributes: Attributes;
  droppedAttributesCount: number;
  flags: number;
}

export interface ReceivedStatus {
  code: number;
  codeName: StatusCodeName;
  message: string;
}

/** Which value a data point or exemplar carried. */
export type NumberValueType = 'int' | 'double' | 'none';

export interface ReceivedExemplar {
  filteredAttributes: Attributes;
  timeUnixNano: Int64;
  /** `asInt` (an Int64), `asDouble`, or null when neither was set. */
  value: Int64 | null;
  valueType: NumberValueType;
  traceId: string;
  spanId: string;
}

export interface ReceivedNumberDataPoint {
  attributes: Attributes;
  startTimeUnixNano: Int64;
  timeUnixNano: Int64;
  /** `asInt` (an Int64), `asDouble`, or null when neither was set. */
  value: Int64 | null;
  valueType: NumberValueType;
  exemplars: ReceivedExemplar[];
  flags: number;
}

export interface ReceivedHistogramDataPoint {
  attributes: Attributes;
  startTimeUnixNano: Int64;
  timeUnixNano: Int64;
  count: Int64;
  sum: number | null;
  min: number | null;
  max: number | null;
  bucketCounts: Int64[];
  explicitBounds: number[];
  exemplars: ReceivedExemplar[];
  flags: number;
}

export interface ReceivedBuckets {
  offset: number;
  bucketCounts: Int64[];
}

export interface ReceivedExponentialHistogramDataPoint {
  attributes: Attributes;
  startTimeUnixNano: Int64;
  timeUnixNano: Int64;
  count: Int64;
  sum: number | null;
  min: number | null;
  max: number | null;
  scale: number;
  zeroCount: Int64;
  zeroThreshold: number;
  positive: ReceivedBuckets;
  negative: ReceivedBuckets;
  exemplars: ReceivedExemplar[];
  flags: number;
}

export interface ReceivedSummaryDataPoint {
  attributes: Attributes;
  startTimeUnixNano: Int64;
  timeUnixNano: Int64;
  count: Int64;
  sum: number;
  quantileValues: OtlpValueAtQuantile[];
  flags: number;
}

interface ReceivedMetricBase extends ReceivedOrigin {
  name: string;
  description: string;
  unit: string;
  metadata: Attributes;
}

export interface ReceivedGauge extends ReceivedMetricBase {
  type: 'gauge';
  dataPoints: ReceivedNumberDataPoint[];
}

export interface ReceivedSum extends ReceivedMetricBase {
  type: 'sum';
  aggregationTemporality: number;
  aggregationTemporalityName: AggregationTemporalityName;
  isMonotonic: boolean;
  dataPoints: ReceivedNumberDataPoint[];
}

export interface ReceivedHistogram extends ReceivedMetricBase {
  type: 'histogram';
  aggregationTemporality: number;
  aggregationTemporalityName: AggregationTemporalityName;
  dataPoints: ReceivedHistogramDataPoint[];
}

export interface ReceivedExponentialHistogram extends ReceivedMetricBase {
  type: 'exponentialHistogram';
  aggregationTemporality: number;
  aggregationTemporalityName: AggregationTemporalityName;
  dataPoints: ReceivedExponentialHistogramDataPoint[];
}

export interface ReceivedSummary extends ReceivedMetricBase {
  type: 'summary';
  dataPoints: ReceivedSummaryDataPoint[];
}

/** A metric that carried no data (none of gauge, sum, histogram, exponential histogram, summary). */
export interface ReceivedEmptyMetric extends ReceivedMetricBase {
  type: 'empty';
  dataPoints: [];
}

/** One received metric; narrow on `type`. */
export type ReceivedMetric =
  | ReceivedGauge
  | ReceivedSum
  | ReceivedHistogram
  | ReceivedExponentialHistogram
  | ReceivedSummary
  | ReceivedEmptyMetric;

export interface ReceivedLogRecord extends ReceivedOrigin {
  timeUnixNano: Int64;
  observedTimeUnixNano: Int64;
  severityNumber: number;
  severityText: string;
  /** The body as a JS value; null when absent or empty. */
  body: Value;
  attributes: Attributes;
  droppedAttributesCount: number;
  flags: number;
  traceId: string;
  spanId: string;
  eventName: string;
}
