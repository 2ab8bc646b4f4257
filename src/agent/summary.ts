import type { Config } from '../config/settings';
import { otlpOptions, redactUrl, type OtlpSignal } from '../exporters/otlp/options';
import { activeCatalog } from '../instrumentation/catalog';
import type { PackageInfo } from '../resource/package-json';
import { serviceIdentity } from '../resource/service';
import { VERSION } from '../version';

function describeExporters(config: Config, signal: OtlpSignal, exporters: readonly string[]): string {
  const active = exporters.filter((e) => e !== 'none');
  if (active.length === 0) return `${signal} off`;
  const parts = active.map((e) => {
    if (e === 'otlp') {
      const o = otlpOptions(config, signal);
      return `otlp ${o.protocol} ${redactUrl(o.url)}`;
    }
    if (e === 'prometheus') {
      return `prometheus http://${config.OTEL_EXPORTER_PROMETHEUS_HOST}:${config.OTEL_EXPORTER_PROMETHEUS_PORT}/metrics`;
    }
    return e;
  });
  return `${signal} → ${parts.join(' + ')}`;
}

export interface SummaryParts {
  readonly service: string;
  readonly signals: readonly string[];
  readonly instrumentations: readonly string[];
}

/**
 * What a configuration amounts to: the service name, where each signal goes (final URLs, no
 * credentials) and which instrumentations are on (the catalog's, plus extra ones once loaded).
 */
export function startupSummaryParts(config: Config, ids?: readonly string[], pkg?: PackageInfo): SummaryParts {
  return {
    service: serviceIdentity(config, pkg).name,
    signals: [
      describeExporters(config, 'traces', config.OTEL_TRACES_EXPORTER),
      describeExporters(config, 'metrics', config.OTEL_METRICS_EXPORTER),
      describeExporters(config, 'logs', config.OTEL_LOGS_EXPORTER),
    ],
    instrumentations: ids ?? [
      ...activeCatalog(config).map((e) => e.id),
      ...(config.TS_OTEL_RUN_EXTRA_INSTRUMENTATIONS ?? []),
    ],
  };
}

/** The one line printed at OTEL_LOG_LEVEL=info when the agent has started. */
export function startupSummary(config: Config, ids: readonly string[]): string {
  const parts = startupSummaryParts(config, ids);
  return [
    `ts-otel-run ${VERSION} started for service '${parts.service}'`,
    ...parts.signals,
    `instrumentations: ${parts.instrumentations.length ? parts.instrumentations.join(', ') : 'none'}`,
  ].join('; ');
}
