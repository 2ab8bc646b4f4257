/** OTLP encoders (binary protobuf and JSON) and response decoders. */
export {
  acquireWriter,
  finishWriter,
  groupByResourceAndScope,
  MAX_ANY_VALUE_DEPTH,
  tag,
  writeAnyValue,
  writeAttributes,
  writeHexId,
  writeHrTime,
  writeKeyValue,
  writeResource,
  writeScope,
  writeString,
  type AnyAttributes,
  type ResourceLike,
  type ScopeLike,
} from './common';
export { Writer } from './writer';
export {
  acquireJsonWriter,
  finishJsonBuffer,
  finishJsonString,
  jsonAnyValue,
  JsonWriter,
  releaseJsonWriter,
  writeJsonAnyValue,
  writeJsonAttributes,
  writeJsonCount,
  writeJsonKeyValue,
  writeJsonResource,
  writeJsonScope,
} from './json-common';
export { encodeTraceRequest, encodeTraceRequestSliced, spanFlags, writeSpan, writeTraceRequest, SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK, SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK } from './trace';
export { encodeTraceRequestJson, encodeTraceRequestJsonBuffer, writeJsonSpan, writeJsonTraceRequest } from './trace-json';
export {
  decodePartialSuccess,
  decodePartialSuccessJson,
  decodeRpcStatus,
  decodeRpcStatusJson,
  type OtlpSignalName,
  type PartialSuccess,
  type RpcStatus,
} from './response';
export { encodeLogsRequest, encodeLogsRequestSliced, writeLogRecord, writeLogsRequest } from './logs';
export { encodeLogsRequestJson, encodeLogsRequestJsonBuffer, writeJsonLogRecord, writeJsonLogsRequest } from './logs-json';
export { encodeMetricsRequest, writeMetric, writeMetricsRequest } from './metrics';
export { encodeMetricsRequestJson, encodeMetricsRequestJsonBuffer, writeJsonMetric, writeJsonMetricsRequest } from './metrics-json';
