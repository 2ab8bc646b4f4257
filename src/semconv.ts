/**
 * Every semantic-convention name the project emits, in one place (stable HTTP conventions, v1.23
 * and later). Instrumentations import their names from here.
 */
export const ATTR_HTTP_REQUEST_METHOD = 'http.request.method';
export const ATTR_HTTP_REQUEST_METHOD_ORIGINAL = 'http.request.method_original';
export const ATTR_HTTP_REQUEST_RESEND_COUNT = 'http.request.resend_count';
export const ATTR_HTTP_RESPONSE_STATUS_CODE = 'http.response.status_code';
export const ATTR_HTTP_ROUTE = 'http.route';
export const ATTR_URL_FULL = 'url.full';
export const ATTR_URL_PATH = 'url.path';
export const ATTR_URL_QUERY = 'url.query';
export const ATTR_URL_SCHEME = 'url.scheme';
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_SERVER_PORT = 'server.port';
export const ATTR_CLIENT_ADDRESS = 'client.address';
export const ATTR_NETWORK_PEER_ADDRESS = 'network.peer.address';
export const ATTR_NETWORK_PEER_PORT = 'network.peer.port';
export const ATTR_NETWORK_PROTOCOL_VERSION = 'network.protocol.version';
export const ATTR_USER_AGENT_ORIGINAL = 'user_agent.original';
export const ATTR_ERROR_TYPE = 'error.type';

export const ATTR_DB_SYSTEM_NAME = 'db.system.name';
export const ATTR_DB_NAMESPACE = 'db.namespace';
export const ATTR_DB_OPERATION_NAME = 'db.operation.name';
export const ATTR_DB_COLLECTION_NAME = 'db.collection.name';
export const ATTR_DB_QUERY_TEXT = 'db.query.text';
export const ATTR_DB_QUERY_SUMMARY = 'db.query.summary';
export const ATTR_DB_RESPONSE_STATUS_CODE = 'db.response.status_code';
export const ATTR_DB_OPERATION_BATCH_SIZE = 'db.operation.batch.size';

/** The value of error.type when nothing more specific is known. */
export const ERROR_TYPE_OTHER = '_OTHER';

/** The HTTP methods the conventions know; any other is reported as _OTHER. */
export const KNOWN_HTTP_METHODS: ReadonlySet<string> = new Set([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'TRACE',
]);

/**
 * Middleware spans (TS_OTEL_RUN_MIDDLEWARE_SPANS): the names the OpenTelemetry Express and Koa
 * instrumentations give these attributes (not part of the semantic conventions).
 */
export const ATTR_EXPRESS_NAME = 'express.name';
export const ATTR_EXPRESS_TYPE = 'express.type';
export const ATTR_KOA_NAME = 'koa.name';
export const ATTR_FASTIFY_NAME = 'fastify.name';
export const ATTR_FASTIFY_TYPE = 'fastify.type';
export const ATTR_KOA_TYPE = 'koa.type';

/** Metrics of the stable HTTP conventions, and the bucket boundaries they advise (seconds). */
export const METRIC_HTTP_SERVER_REQUEST_DURATION = 'http.server.request.duration';
export const METRIC_HTTP_CLIENT_REQUEST_DURATION = 'http.client.request.duration';
export const HTTP_DURATION_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** The database conventions' operation duration metric and the buckets they advise (seconds). */
export const METRIC_DB_CLIENT_OPERATION_DURATION = 'db.client.operation.duration';
export const DB_DURATION_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];
