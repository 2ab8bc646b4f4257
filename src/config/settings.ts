/**
 * The one table of settings. Flags, kebab aliases, config-file keys, `--help`, `ts-otel-run config`,
 * validation and the README's option table are all derived from it, so they cannot drift apart.
 *
 * Keys are the environment variables exactly as the OpenTelemetry specification spells them, or
 * prefixed `TS_OTEL_RUN_` for the project's own settings.
 */
import { INSTRUMENTATION_IDS } from '../instrumentation/catalog';

export type SettingType =
  | { readonly kind: 'string' }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'enumList'; readonly values: readonly string[] }
  | { readonly kind: 'list' }
  | { readonly kind: 'patternList' }
  | { readonly kind: 'int'; readonly min: number; readonly max?: number; readonly unit?: 'ms' }
  | { readonly kind: 'number'; readonly min: number; readonly max: number }
  | { readonly kind: 'bool' }
  | { readonly kind: 'keyValues' }
  | { readonly kind: 'url' }
  | { readonly kind: 'file' };

export type Group =
  | 'General'
  | 'Exporters'
  | 'OTLP exporter'
  | 'OTLP exporter, per signal'
  | 'Batch processors'
  | 'Limits'
  | 'Metrics'
  | 'Instrumentations'
  | 'ts-otel-run';

export interface SettingDef {
  readonly type: SettingType;
  readonly group: Group;
  readonly help: string;
  readonly default?: unknown;
  /** Shown in help and docs when the default is computed rather than a fixed value. */
  readonly defaultText?: string;
  /** The value is masked in every output and never echoed in an error. */
  readonly secret?: boolean;
  /** false: may not be set from a config file (the config file's own path). */
  readonly inFile?: boolean;
}

const str = { kind: 'string' } as const;
const bool = { kind: 'bool' } as const;
const url = { kind: 'url' } as const;
const file = { kind: 'file' } as const;
const keyValues = { kind: 'keyValues' } as const;
const list = { kind: 'list' } as const;
const patterns = { kind: 'patternList' } as const;
const ms = { kind: 'int', min: 0, unit: 'ms' } as const;
const positiveMs = { kind: 'int', min: 1, unit: 'ms' } as const;
const count = { kind: 'int', min: 0 } as const;
const positiveCount = { kind: 'int', min: 1 } as const;
function oneOf<const V extends readonly string[]>(values: V) {
  return { kind: 'enum', values } as const;
}
function listOf<const V extends readonly string[]>(values: V) {
  return { kind: 'enumList', values } as const;
}

const PROTOCOLS = ['http/protobuf', 'http/json', 'grpc'] as const;
/** The libraries whose log records are bridged into the log pipeline. */
export const LOG_BRIDGES = ['console', 'pino', 'winston', 'bunyan'] as const;
const COMPRESSIONS = ['gzip', 'none'] as const;

/** The OTLP exporter's settings; each exists once in general and once per signal. */
const OTLP_FIELDS = {
  ENDPOINT: {
    type: url,
    help: 'OTLP endpoint. The general one gets /v1/<signal> appended for HTTP; a per-signal one is used as is',
    defaultText: 'http://localhost:4318 (http), http://localhost:4317 (grpc)',
  },
  PROTOCOL: { type: oneOf(PROTOCOLS), help: 'OTLP transport protocol', default: 'http/protobuf' },
  HEADERS: {
    type: keyValues,
    help: 'Headers sent with every export, key=value pairs, comma-separated, values percent-encoded',
    secret: true,
  },
  TIMEOUT: { type: ms, help: 'Time limit of one export, retries included, in milliseconds', default: 10000 },
  COMPRESSION: { type: oneOf(COMPRESSIONS), help: 'Compression of the export payload', default: 'none' },
  CERTIFICATE: { type: file, help: 'PEM file of trusted certificates for verifying the server' },
  CLIENT_KEY: { type: file, help: 'PEM file of the client private key for mTLS', secret: true },
  CLIENT_CERTIFICATE: { type: file, help: 'PEM file of the client certificate chain for mTLS' },
  INSECURE: { type: bool, help: 'gRPC: for an endpoint given as host:port, connect without TLS', default: false },
} as const satisfies Record<string, Omit<SettingDef, 'group'>>;

type OtlpFields = typeof OTLP_FIELDS;
type Signal = 'TRACES' | 'METRICS' | 'LOGS';

function otlpGeneral() {
  const out: Record<string, SettingDef> = {};
  for (const [field, def] of Object.entries(OTLP_FIELDS)) {
    out[`OTEL_EXPORTER_OTLP_${field}`] = { ...def, group: 'OTLP exporter' };
  }
  return out as { [F in keyof OtlpFields as `OTEL_EXPORTER_OTLP_${F}`]: OtlpFields[F] & { group: Group } };
}

function otlpSignal<S extends Signal>(signal: S) {
  const out: Record<string, SettingDef> = {};
  const lower = signal.toLowerCase();
  for (const [field, def] of Object.entries(OTLP_FIELDS)) {
    const { default: _default, defaultText: _text, ...rest } = def as SettingDef;
    out[`OTEL_EXPORTER_OTLP_${signal}_${field}`] = {
      ...rest,
      group: 'OTLP exporter, per signal',
      help: `${def.help.split('.')[0]}, for ${lower} only`,
      defaultText: `OTEL_EXPORTER_OTLP_${field}`,
    };
  }
  return out as {
    [F in keyof OtlpFields as `OTEL_EXPORTER_OTLP_${S}_${F}`]: Omit<OtlpFields[F], 'default'> & { group: Group };
  };
}

export const SETTINGS = {
  // General
  OTEL_SDK_DISABLED: {
    type: bool,
    group: 'General',
    default: false,
    help: 'Leave the program untouched: no hooks, no exporters',
  },
  OTEL_SERVICE_NAME: {
    type: str,
    group: 'General',
    help: 'service.name of the resource',
    defaultText: "service.name in OTEL_RESOURCE_ATTRIBUTES, else the program's package.json name, else unknown_service:node",
  },
  OTEL_RESOURCE_ATTRIBUTES: {
    type: keyValues,
    group: 'General',
    help: 'Resource attributes, key=value pairs, comma-separated, values percent-encoded',
  },
  OTEL_NODE_RESOURCE_DETECTORS: {
    type: listOf(['all', 'none', 'env', 'host', 'os', 'process', 'serviceinstance', 'container', 'k8s']),
    group: 'General',
    default: ['all'],
    help: 'Resource detectors to run (none of them touches the network)',
  },
  OTEL_LOG_LEVEL: {
    type: oneOf(['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all']),
    group: 'General',
    default: 'warn',
    help: "Level of ts-otel-run's own diagnostics on stderr",
  },
  OTEL_PROPAGATORS: {
    type: listOf(['tracecontext', 'baggage', 'b3', 'b3multi', 'jaeger', 'none']),
    group: 'General',
    default: ['tracecontext', 'baggage'],
    help: 'Context propagators',
  },
  OTEL_TRACES_SAMPLER: {
    type: oneOf([
      'always_on',
      'always_off',
      'traceidratio',
      'parentbased_always_on',
      'parentbased_always_off',
      'parentbased_traceidratio',
    ]),
    group: 'General',
    default: 'parentbased_always_on',
    help: 'Sampler for new spans',
  },
  OTEL_TRACES_SAMPLER_ARG: {
    type: { kind: 'number', min: 0, max: 1 },
    group: 'General',
    help: 'Sampling ratio for the traceidratio samplers, from 0 to 1',
    defaultText: '1.0',
  },

  // Exporters
  OTEL_TRACES_EXPORTER: {
    type: listOf(['otlp', 'console', 'none']),
    group: 'Exporters',
    default: ['otlp'],
    help: 'Span exporters',
  },
  OTEL_METRICS_EXPORTER: {
    type: listOf(['otlp', 'prometheus', 'console', 'none']),
    group: 'Exporters',
    default: ['otlp'],
    help: 'Metric exporters',
  },
  OTEL_LOGS_EXPORTER: {
    type: listOf(['otlp', 'console', 'none']),
    group: 'Exporters',
    default: ['otlp'],
    help: 'Log record exporters',
  },

  // OTLP
  ...otlpGeneral(),
  ...otlpSignal('TRACES'),
  ...otlpSignal('METRICS'),
  ...otlpSignal('LOGS'),

  // Batch processors
  OTEL_BSP_SCHEDULE_DELAY: { type: ms, group: 'Batch processors', default: 5000, help: 'Span batch: delay between exports, ms' },
  OTEL_BSP_EXPORT_TIMEOUT: { type: ms, group: 'Batch processors', default: 30000, help: 'Span batch: time limit of one export, ms' },
  OTEL_BSP_MAX_QUEUE_SIZE: { type: positiveCount, group: 'Batch processors', default: 2048, help: 'Span batch: spans kept before dropping' },
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: { type: positiveCount, group: 'Batch processors', default: 512, help: 'Span batch: spans per export' },
  OTEL_BLRP_SCHEDULE_DELAY: { type: ms, group: 'Batch processors', default: 1000, help: 'Log batch: delay between exports, ms' },
  OTEL_BLRP_EXPORT_TIMEOUT: { type: ms, group: 'Batch processors', default: 30000, help: 'Log batch: time limit of one export, ms' },
  OTEL_BLRP_MAX_QUEUE_SIZE: { type: positiveCount, group: 'Batch processors', default: 2048, help: 'Log batch: records kept before dropping' },
  OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: { type: positiveCount, group: 'Batch processors', default: 512, help: 'Log batch: records per export' },

  // Limits
  OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: { type: count, group: 'Limits', defaultText: 'no limit', help: 'Longest string attribute value kept' },
  OTEL_ATTRIBUTE_COUNT_LIMIT: { type: count, group: 'Limits', default: 128, help: 'Most attributes kept per span, event, link or log record' },
  OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: { type: count, group: 'Limits', defaultText: 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', help: 'Longest span attribute value kept' },
  OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: { type: count, group: 'Limits', defaultText: 'OTEL_ATTRIBUTE_COUNT_LIMIT', help: 'Most attributes kept per span' },
  OTEL_SPAN_EVENT_COUNT_LIMIT: { type: count, group: 'Limits', default: 128, help: 'Most events kept per span' },
  OTEL_SPAN_LINK_COUNT_LIMIT: { type: count, group: 'Limits', default: 128, help: 'Most links kept per span' },
  OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT: { type: count, group: 'Limits', default: 128, help: 'Most attributes kept per span event' },
  OTEL_LINK_ATTRIBUTE_COUNT_LIMIT: { type: count, group: 'Limits', default: 128, help: 'Most attributes kept per span link' },
  OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT: { type: count, group: 'Limits', defaultText: 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', help: 'Longest log record attribute value kept' },
  OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT: { type: count, group: 'Limits', defaultText: 'OTEL_ATTRIBUTE_COUNT_LIMIT', help: 'Most attributes kept per log record' },

  // Metrics
  OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: {
    type: oneOf(['cumulative', 'delta', 'lowmemory']),
    group: 'Metrics',
    default: 'cumulative',
    help: 'Aggregation temporality the OTLP metric exporter asks for',
  },
  OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION: {
    type: oneOf(['explicit_bucket_histogram', 'base2_exponential_bucket_histogram']),
    group: 'Metrics',
    default: 'explicit_bucket_histogram',
    help: 'Default aggregation of histogram instruments',
  },
  OTEL_METRIC_EXPORT_INTERVAL: { type: positiveMs, group: 'Metrics', default: 60000, help: 'Interval between metric exports, ms' },
  OTEL_METRIC_EXPORT_TIMEOUT: { type: ms, group: 'Metrics', default: 30000, help: 'Time limit of one metric export, ms' },
  OTEL_METRICS_EXEMPLAR_FILTER: {
    type: oneOf(['trace_based', 'always_on', 'always_off']),
    group: 'Metrics',
    default: 'trace_based',
    help: 'Which measurements may become exemplars (accepted and checked; this version records no exemplars yet)',
  },
  OTEL_EXPORTER_PROMETHEUS_HOST: { type: str, group: 'Metrics', default: 'localhost', help: 'Address the Prometheus scrape endpoint binds' },
  OTEL_EXPORTER_PROMETHEUS_PORT: {
    type: { kind: 'int', min: 0, max: 65535 },
    group: 'Metrics',
    default: 9464,
    help: 'Port of the Prometheus scrape endpoint',
  },

  // Instrumentations
  OTEL_NODE_ENABLED_INSTRUMENTATIONS: {
    type: listOf(INSTRUMENTATION_IDS),
    group: 'Instrumentations',
    defaultText: 'all',
    help: 'Only these instrumentations are active',
  },
  OTEL_NODE_DISABLED_INSTRUMENTATIONS: {
    type: listOf(INSTRUMENTATION_IDS),
    group: 'Instrumentations',
    defaultText: 'none',
    help: 'These instrumentations are not active',
  },
  TS_OTEL_RUN_MIDDLEWARE_SPANS: {
    type: bool,
    group: 'Instrumentations',
    default: false,
    help: 'An INTERNAL span per Express middleware and route handler and per Koa middleware',
  },
  TS_OTEL_RUN_DB_FULL_STATEMENTS: {
    type: bool,
    group: 'Instrumentations',
    default: false,
    help:
      'Record database statements as written; by default every literal in db.query.text is replaced by ?. ' +
      'Bound parameter values are never recorded',
  },
  TS_OTEL_RUN_DB_CONNECT_SPANS: {
    type: bool,
    group: 'Instrumentations',
    default: false,
    help:
      'A span per database connection checkout and new connection: pg-pool.connect (the wait for a pooled client, or its ' +
      'connection) and pg.connect',
  },
  TS_OTEL_RUN_LOG_CORRELATION: {
    type: bool,
    group: 'Instrumentations',
    default: true,
    help: "Add trace_id, span_id and trace_flags to the program's own pino, winston and bunyan output",
  },
  TS_OTEL_RUN_LOG_SENDING_DISABLED: {
    type: listOf(LOG_BRIDGES),
    group: 'Instrumentations',
    defaultText: 'none',
    help: "These loggers' records are not exported (their output still gets trace ids)",
  },
  TS_OTEL_RUN_EXCLUDED_URLS: {
    type: patterns,
    group: 'Instrumentations',
    defaultText: 'none',
    help:
      'HTTP requests to leave out (no spans, no metrics), server and client: regular expressions, comma-separated, ' +
      'searched in the full URL (e.g. /health,/metrics$)',
  },
  OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST: {
    type: list,
    group: 'Instrumentations',
    defaultText: 'none',
    help: 'Request headers recorded on server spans as http.request.header.<name>',
  },
  OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_RESPONSE: {
    type: list,
    group: 'Instrumentations',
    defaultText: 'none',
    help: 'Response headers recorded on server spans as http.response.header.<name>',
  },
  OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_CLIENT_REQUEST: {
    type: list,
    group: 'Instrumentations',
    defaultText: 'none',
    help: 'Request headers recorded on client spans as http.request.header.<name>',
  },
  OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_CLIENT_RESPONSE: {
    type: list,
    group: 'Instrumentations',
    defaultText: 'none',
    help: 'Response headers recorded on client spans as http.response.header.<name>',
  },
  OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SANITIZE_FIELDS: {
    type: list,
    group: 'Instrumentations',
    defaultText: 'none',
    help:
      'Captured headers recorded as REDACTED, besides Authorization, Cookie, Set-Cookie and Proxy-Authorization, ' +
      'which always are',
  },
  TS_OTEL_RUN_REDACTED_QUERY_PARAMS: {
    type: list,
    group: 'Instrumentations',
    defaultText: 'none',
    help:
      'Query parameters whose values are recorded as REDACTED in url.full and url.query, besides AWSAccessKeyId, ' +
      'Signature, sig and X-Goog-Signature, which always are',
  },
  TS_OTEL_RUN_IMPORT_HOOK: {
    type: oneOf(['auto', 'on', 'off']),
    group: 'Instrumentations',
    default: 'auto',
    help:
      "The ES module import hook: auto installs it when the program's entry point is an ES module " +
      '(a CommonJS program reaches its libraries through require); on also covers libraries a CommonJS ' +
      'program loads with import()',
  },
  TS_OTEL_RUN_EXTRA_INSTRUMENTATIONS: {
    type: list,
    group: 'Instrumentations',
    defaultText: 'none',
    help: 'More instrumentation modules to load: paths or package names, comma-separated, each exporting an instrumentation object',
  },

  // The project's own
  TS_OTEL_RUN_SHUTDOWN_TIMEOUT: {
    type: ms,
    group: 'ts-otel-run',
    default: 3000,
    help: 'Longest time a flush may hold a program that is exiting (signal, natural end), ms',
  },
  TS_OTEL_RUN_CONFIG: {
    type: file,
    group: 'ts-otel-run',
    inFile: false,
    defaultText: 'searched from the working directory up to the nearest package.json',
    help: 'Config file to read',
  },
} as const satisfies Record<string, SettingDef>;

export type SettingName = keyof typeof SETTINGS;

type EnumValue<T> = T extends { values: readonly (infer V)[] } ? V : string;
type ValueOfType<T> = T extends { kind: 'bool' }
  ? boolean
  : T extends { kind: 'int' | 'number' }
    ? number
    : T extends { kind: 'enumList' }
      ? readonly EnumValue<T>[]
      : T extends { kind: 'list' | 'patternList' }
        ? readonly string[]
        : T extends { kind: 'keyValues' }
          ? Readonly<Record<string, string>>
          : T extends { kind: 'enum' }
            ? EnumValue<T>
            : string;
type ValueOfSetting<D> = D extends { type: infer T; default: unknown }
  ? ValueOfType<T>
  : D extends { type: infer T }
    ? ValueOfType<T> | undefined
    : never;

/** The resolved, typed, frozen configuration: one value per setting. */
export type Config = { readonly [K in SettingName]: ValueOfSetting<(typeof SETTINGS)[K]> };

export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];

export function settingDef(name: SettingName): SettingDef {
  return SETTINGS[name];
}

/** `OTEL_TRACES_EXPORTER` → `traces_exporter`; `TS_OTEL_RUN_CONFIG` → `config`. */
export function flagName(name: string): string {
  const bare = name.startsWith('OTEL_') ? name.slice(5) : name.startsWith('TS_OTEL_RUN_') ? name.slice(12) : name;
  return bare.toLowerCase();
}

export function kebabName(name: string): string {
  return flagName(name).replace(/_/g, '-');
}

/** Both spellings of every flag and config-file key, mapped to the setting. */
export const NAME_BY_KEY: ReadonlyMap<string, SettingName> = new Map(
  SETTING_NAMES.flatMap((n) => [
    [flagName(n), n],
    [kebabName(n), n],
  ]),
);

export function defaultDescription(def: SettingDef): string {
  if (def.defaultText !== undefined) return def.defaultText;
  if (def.default === undefined) return 'unset';
  if (Array.isArray(def.default)) return def.default.join(',');
  return String(def.default);
}
