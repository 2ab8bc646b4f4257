/**
 * An embedded OTLP receiver (traces, metrics, logs over gRPC, HTTP/protobuf and HTTP/JSON, gzip
 * included), for the project's tests, `ts-otel-run check` and `ts-otel-run collect`.
 *
 *   const receiver = await startReceiver();
 *   // run something exporting to receiver.endpoints.http (or .grpc)
 *   const span = await receiver.waitFor((r) => r.spans().find((s) => s.name === 'GET /'));
 *   await receiver.close();
 *
 * The data model is described in ./types.
 */
export { startReceiver, DEFAULT_MAX_BODY_BYTES, DEFAULT_WAIT_TIMEOUT_MS } from './receiver';
export type { Receiver, ReceiverOptions, WaitForOptions } from './receiver';
export { decodeProtobufRequest, decodeRpcStatus, encodeRpcStatus } from './protobuf';
export { decodeJsonRequest } from './json';
export { anyValueToJs, attributesToObject, flattenLogs, flattenMetrics, flattenTraces } from './normalize';
export { DecodeError, int64ToBigInt, MAX_ANY_VALUE_DEPTH } from './common';
export { GRPC_SERVICES } from './grpc';
export type * from './types';
