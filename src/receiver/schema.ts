/**
 * The OTLP messages the receiver decodes, field by field: number, OTLP/JSON name, type. Both
 * decoders (protobuf.ts and json.ts) walk these tables, so the two produce the same tree by
 * construction. Field numbers and types follow the official opentelemetry-proto files
 * (common/v1, resource/v1, trace/v1, metrics/v1, logs/v1, collector/*); the tests check them
 * against code generated from those files.
 */
import { ENUM_NAMES } from './common';
import type { Signal } from './types';

export type Kind =
  | 'string'
  | 'bytes'
  /** bytes holding a 16-byte trace id, decoded to hex */
  | 'traceId'
  /** bytes holding an 8-byte span id, decoded to hex */
  | 'spanId'
  | 'bool'
  | 'int32'
  | 'uint32'
  | 'sint32'
  | 'enum'
  | 'int64'
  | 'uint64'
  | 'fixed32'
  | 'fixed64'
  | 'sfixed64'
  | 'double'
  | 'message';

export interface FieldSpec {
  readonly no: number;
  /** The OTLP/JSON (lowerCamelCase) name, also the property name in the decoded tree. */
  readonly name: string;
  /** The field's name in the .proto file, also accepted in OTLP/JSON. */
  readonly snake: string;
  readonly kind: Kind;
  readonly repeated: boolean;
  /** Members of a oneof (and proto3 `optional` fields) are left out of the tree when absent. */
  readonly oneof: string | undefined;
  /** For enums: the value names accepted in OTLP/JSON. */
  readonly enumNames: ReadonlyMap<string, number> | undefined;
  /** For messages. */
  readonly type: (() => MessageSpec) | undefined;
}

export interface MessageSpec {
  readonly name: string;
  readonly fields: readonly FieldSpec[];
  /** Field by number. */
  readonly byNo: readonly (FieldSpec | undefined)[];
  /** Field by OTLP/JSON name, camelCase and snake_case. */
  readonly byJsonName: ReadonlyMap<string, FieldSpec>;
  /** The members of each oneof, by oneof name. */
  readonly oneofs: ReadonlyMap<string, readonly FieldSpec[]>;
  /** AnyValue: each one nested in another counts towards MAX_ANY_VALUE_DEPTH. */
  readonly countsDepth: boolean;
  /** A new instance with every non-oneof field at its default. */
  create(): Record<string, unknown>;
}

interface FieldOptions {
  repeated?: boolean;
  oneof?: string;
  enumNames?: ReadonlyMap<string, number>;
  type?: () => MessageSpec;
}

function field(no: number, name: string, kind: Kind, options: FieldOptions = {}): FieldSpec {
  return {
    no,
    name,
    snake: name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
    kind,
    repeated: options.repeated ?? false,
    oneof: options.oneof,
    enumNames: options.enumNames,
    type: options.type,
  };
}

const rep = { repeated: true };
const msg = (type: () => MessageSpec, options: FieldOptions = {}): FieldOptions => ({ ...options, type });
const repMsg = (type: () => MessageSpec): FieldOptions => ({ repeated: true, type });

function message(name: string, fields: FieldSpec[], countsDepth = false): MessageSpec {
  const byNo: (FieldSpec | undefined)[] = [];
  const byJsonName = new Map<string, FieldSpec>();
  const oneofs = new Map<string, FieldSpec[]>();
  for (const f of fields) {
    byNo[f.no] = f;
    byJsonName.set(f.name, f);
    byJsonName.set(f.snake, f);
    if (f.oneof !== undefined) oneofs.set(f.oneof, [...(oneofs.get(f.oneof) ?? []), f]);
  }
  const defaults = fields.filter((f) => f.oneof === undefined);
  const spec: MessageSpec = {
    name,
    fields,
    byNo,
    byJsonName,
    oneofs,
    countsDepth,
    create() {
      const o: Record<string, unknown> = {};
      for (const f of defaults) o[f.name] = defaultValue(f);
      return o;
    },
  };
  return spec;
}

function defaultValue(f: FieldSpec): unknown {
  if (f.repeated) return [];
  switch (f.kind) {
    case 'string':
    case 'traceId':
    case 'spanId':
      return '';
    case 'bytes':
      return Buffer.alloc(0);
    case 'bool':
      return false;
    case 'message':
      return f.type!().create();
    default:
      return 0;
  }
}

// --- common/v1, resource/v1 ------------------------------------------------------------------

export const AnyValue: MessageSpec = message(
  'AnyValue',
  [
    field(1, 'stringValue', 'string', { oneof: 'value' }),
    field(2, 'boolValue', 'bool', { oneof: 'value' }),
    field(3, 'intValue', 'int64', { oneof: 'value' }),
    field(4, 'doubleValue', 'double', { oneof: 'value' }),
    field(5, 'arrayValue', 'message', msg(() => ArrayValue, { oneof: 'value' })),
    field(6, 'kvlistValue', 'message', msg(() => KeyValueList, { oneof: 'value' })),
    field(7, 'bytesValue', 'bytes', { oneof: 'value' }),
  ],
  true,
);

export const ArrayValue: MessageSpec = message('ArrayValue', [field(1, 'values', 'message', repMsg(() => AnyValue))]);

export const KeyValue: MessageSpec = message('KeyValue', [
  field(1, 'key', 'string'),
  field(2, 'value', 'message', msg(() => AnyValue)),
]);

export const KeyValueList: MessageSpec = message('KeyValueList', [field(1, 'values', 'message', repMsg(() => KeyValue))]);

const attributes = (no: number, name = 'attributes') => field(no, name, 'message', repMsg(() => KeyValue));
const dropped = (no: number, name = 'droppedAttributesCount') => field(no, name, 'uint32');

export const InstrumentationScope: MessageSpec = message('InstrumentationScope', [
  field(1, 'name', 'string'),
  field(2, 'version', 'string'),
  attributes(3),
  dropped(4),
]);

export const EntityRef: MessageSpec = message('EntityRef', [
  field(1, 'schemaUrl', 'string'),
  field(2, 'type', 'string'),
  field(3, 'idKeys', 'string', rep),
  field(4, 'descriptionKeys', 'string', rep),
]);

export const Resource: MessageSpec = message('Resource', [
  attributes(1),
  dropped(2),
  field(3, 'entityRefs', 'message', repMsg(() => EntityRef)),
]);

/** ResourceSpans / ScopeSpans and their metrics and logs counterparts. */
function envelopes(items: string, scopeItems: string, itemName: string, item: () => MessageSpec) {
  const scoped = message(`Scope${itemName}`, [
    field(1, 'scope', 'message', msg(() => InstrumentationScope)),
    field(2, items, 'message', repMsg(item)),
    field(3, 'schemaUrl', 'string'),
  ]);
  const resource = message(`Resource${itemName}`, [
    field(1, 'resource', 'message', msg(() => Resource)),
    field(2, scopeItems, 'message', repMsg(() => scoped)),
    field(3, 'schemaUrl', 'string'),
  ]);
  return { scoped, resource };
}

// --- trace/v1 --------------------------------------------------------------------------------

export const SpanEvent: MessageSpec = message('Span.Event', [
  field(1, 'timeUnixNano', 'fixed64'),
  field(2, 'name', 'string'),
  attributes(3),
  dropped(4),
]);

export const SpanLink: MessageSpec = message('Span.Link', [
  field(1, 'traceId', 'traceId'),
  field(2, 'spanId', 'spanId'),
  field(3, 'traceState', 'string'),
  attributes(4),
  dropped(5),
  field(6, 'flags', 'fixed32'),
]);

export const Status: MessageSpec = message('Status', [
  field(2, 'message', 'string'),
  field(3, 'code', 'enum', { enumNames: ENUM_NAMES.statusCode }),
]);

export const Span: MessageSpec = message('Span', [
  field(1, 'traceId', 'traceId'),
  field(2, 'spanId', 'spanId'),
  field(3, 'traceState', 'string'),
  field(4, 'parentSpanId', 'spanId'),
  field(5, 'name', 'string'),
  field(6, 'kind', 'enum', { enumNames: ENUM_NAMES.spanKind }),
  field(7, 'startTimeUnixNano', 'fixed64'),
  field(8, 'endTimeUnixNano', 'fixed64'),
  attributes(9),
  dropped(10),
  field(11, 'events', 'message', repMsg(() => SpanEvent)),
  dropped(12, 'droppedEventsCount'),
  field(13, 'links', 'message', repMsg(() => SpanLink)),
  dropped(14, 'droppedLinksCount'),
  field(15, 'status', 'message', msg(() => Status)),
  field(16, 'flags', 'fixed32'),
]);

const spans = envelopes('spans', 'scopeSpans', 'Spans', () => Span);

export const ExportTraceServiceRequest: MessageSpec = message('ExportTraceServiceRequest', [
  field(1, 'resourceSpans', 'message', repMsg(() => spans.resource)),
]);

// --- metrics/v1 ------------------------------------------------------------------------------

export const Exemplar: MessageSpec = message('Exemplar', [
  field(2, 'timeUnixNano', 'fixed64'),
  field(3, 'asDouble', 'double', { oneof: 'value' }),
  field(4, 'spanId', 'spanId'),
  field(5, 'traceId', 'traceId'),
  field(6, 'asInt', 'sfixed64', { oneof: 'value' }),
  attributes(7, 'filteredAttributes'),
]);

const exemplars = (no: number) => field(no, 'exemplars', 'message', repMsg(() => Exemplar));

export const NumberDataPoint: MessageSpec = message('NumberDataPoint', [
  field(2, 'startTimeUnixNano', 'fixed64'),
  field(3, 'timeUnixNano', 'fixed64'),
  field(4, 'asDouble', 'double', { oneof: 'value' }),
  exemplars(5),
  field(6, 'asInt', 'sfixed64', { oneof: 'value' }),
  attributes(7),
  field(8, 'flags', 'uint32'),
]);

export const HistogramDataPoint: MessageSpec = message('HistogramDataPoint', [
  field(2, 'startTimeUnixNano', 'fixed64'),
  field(3, 'timeUnixNano', 'fixed64'),
  field(4, 'count', 'fixed64'),
  field(5, 'sum', 'double', { oneof: '_sum' }),
  field(6, 'bucketCounts', 'fixed64', rep),
  field(7, 'explicitBounds', 'double', rep),
  exemplars(8),
  attributes(9),
  field(10, 'flags', 'uint32'),
  field(11, 'min', 'double', { oneof: '_min' }),
  field(12, 'max', 'double', { oneof: '_max' }),
]);

export const Buckets: MessageSpec = message('ExponentialHistogramDataPoint.Buckets', [
  field(1, 'offset', 'sint32'),
  field(2, 'bucketCounts', 'uint64', rep),
]);

export const ExponentialHistogramDataPoint: MessageSpec = message('ExponentialHistogramDataPoint', [
  attributes(1),
  field(2, 'startTimeUnixNano', 'fixed64'),
  field(3, 'timeUnixNano', 'fixed64'),
  field(4, 'count', 'fixed64'),
  field(5, 'sum', 'double', { oneof: '_sum' }),
  field(6, 'scale', 'sint32'),
  field(7, 'zeroCount', 'fixed64'),
  field(8, 'positive', 'message', msg(() => Buckets)),
  field(9, 'negative', 'message', msg(() => Buckets)),
  field(10, 'flags', 'uint32'),
  exemplars(11),
  field(12, 'min', 'double', { oneof: '_min' }),
  field(13, 'max', 'double', { oneof: '_max' }),
  field(14, 'zeroThreshold', 'double'),
]);

export const ValueAtQuantile: MessageSpec = message('SummaryDataPoint.ValueAtQuantile', [
  field(1, 'quantile', 'double'),
  field(2, 'value', 'double'),
]);

export const SummaryDataPoint: MessageSpec = message('SummaryDataPoint', [
  field(2, 'startTimeUnixNano', 'fixed64'),
  field(3, 'timeUnixNano', 'fixed64'),
  field(4, 'count', 'fixed64'),
  field(5, 'sum', 'double'),
  field(6, 'quantileValues', 'message', repMsg(() => ValueAtQuantile)),
  attributes(7),
  field(8, 'flags', 'uint32'),
]);

const dataPoints = (type: () => MessageSpec) => field(1, 'dataPoints', 'message', repMsg(type));
const temporality = field(2, 'aggregationTemporality', 'enum', { enumNames: ENUM_NAMES.aggregationTemporality });

export const Gauge: MessageSpec = message('Gauge', [dataPoints(() => NumberDataPoint)]);
export const Sum: MessageSpec = message('Sum', [
  dataPoints(() => NumberDataPoint),
  temporality,
  field(3, 'isMonotonic', 'bool'),
]);
export const Histogram: MessageSpec = message('Histogram', [dataPoints(() => HistogramDataPoint), temporality]);
export const ExponentialHistogram: MessageSpec = message('ExponentialHistogram', [
  dataPoints(() => ExponentialHistogramDataPoint),
  temporality,
]);
export const Summary: MessageSpec = message('Summary', [dataPoints(() => SummaryDataPoint)]);

export const Metric: MessageSpec = message('Metric', [
  field(1, 'name', 'string'),
  field(2, 'description', 'string'),
  field(3, 'unit', 'string'),
  field(5, 'gauge', 'message', msg(() => Gauge, { oneof: 'data' })),
  field(7, 'sum', 'message', msg(() => Sum, { oneof: 'data' })),
  field(9, 'histogram', 'message', msg(() => Histogram, { oneof: 'data' })),
  field(10, 'exponentialHistogram', 'message', msg(() => ExponentialHistogram, { oneof: 'data' })),
  field(11, 'summary', 'message', msg(() => Summary, { oneof: 'data' })),
  attributes(12, 'metadata'),
]);

const metrics = envelopes('metrics', 'scopeMetrics', 'Metrics', () => Metric);

export const ExportMetricsServiceRequest: MessageSpec = message('ExportMetricsServiceRequest', [
  field(1, 'resourceMetrics', 'message', repMsg(() => metrics.resource)),
]);

// --- logs/v1 ---------------------------------------------------------------------------------

export const LogRecord: MessageSpec = message('LogRecord', [
  field(1, 'timeUnixNano', 'fixed64'),
  field(2, 'severityNumber', 'enum', { enumNames: ENUM_NAMES.severityNumber }),
  field(3, 'severityText', 'string'),
  field(5, 'body', 'message', msg(() => AnyValue)),
  attributes(6),
  dropped(7),
  field(8, 'flags', 'fixed32'),
  field(9, 'traceId', 'traceId'),
  field(10, 'spanId', 'spanId'),
  field(11, 'observedTimeUnixNano', 'fixed64'),
  field(12, 'eventName', 'string'),
]);

const logs = envelopes('logRecords', 'scopeLogs', 'Logs', () => LogRecord);

export const ExportLogsServiceRequest: MessageSpec = message('ExportLogsServiceRequest', [
  field(1, 'resourceLogs', 'message', repMsg(() => logs.resource)),
]);

/** The request message of each signal's Export call. */
export const REQUEST_SPECS: Readonly<Record<Signal, MessageSpec>> = {
  traces: ExportTraceServiceRequest,
  metrics: ExportMetricsServiceRequest,
  logs: ExportLogsServiceRequest,
};
