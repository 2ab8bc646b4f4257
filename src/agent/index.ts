import type { Config } from '../config/settings';
import type { Diag } from '../diag';
import { ConsoleLogExporter, ConsoleMetricExporter, ConsoleSpanExporter } from '../exporters/console';
import { MeterProvider, temporalityPreference } from '../metrics/meter';
import { PeriodicExportingMetricReader } from '../metrics/reader';
import { Temporality, type MetricExporter, type ResourceMetrics } from '../metrics/types';
import { LoggerProvider, logLimitsFromConfig } from '../logs/logger';
import type { ReadableLogRecord } from '../logs/types';
import type { Exporter, Processor } from '../processing/types';
import { activeCatalog, CATALOG } from '../instrumentation/catalog';
import { installHooks } from '../instrumentation/hooks';
import { Registry } from '../instrumentation/registry';
import { SimpleProcessor } from '../processing/simple';
import type { TracerProvider } from '../trace/tracer';
import type { ReadableSpan, Resource, SpanProcessor } from '../trace/types';
import { VERSION } from '../version';
import { loadExtraInstrumentations } from './extras';
import { startupSummary } from './summary';
import { suppressTracing } from '../context/context';
import type { TextMapPropagatorLike } from '../instrumentation/types';
import { createPropagator, headerPropagation } from '../propagation';
import { contextFromEnvironment } from '../propagation/environment';
import { otlpOptions } from '../exporters/otlp/options';
import { handOffAtExit, OUTCOME, type ExitRequest } from '../exporters/otlp/exit-handoff';
import { lazyOtlpLogExporter, lazyOtlpMetricExporter, lazyOtlpSpanExporter, type OtlpExporterHandle } from '../exporters/otlp/lazy';
import { BatchProcessor, type BatchOptions } from '../processing/batch';
import { describe } from '../instrumentation/registry';
import { installShutdown } from './shutdown';
import { createTracing } from './tracing';
import { Span } from '../trace/span';
import { getSpan } from '../trace/span-context';
import { StatusCode } from '../trace/types';

export interface Agent {
  readonly version: string;
  readonly config: Config;
  readonly registry: Registry;
  readonly tracerProvider: TracerProvider;
  readonly loggerProvider: LoggerProvider;
  readonly meterProvider: MeterProvider;
  /** Removes the module hooks and the exit handlers. Patches already made stay (Registry.disable undoes them). */
  stop(): void;
}

/**
 * A resource detected when first read, which is when the first batch is exported: the detectors'
 * file reads and system calls stay out of the program's start-up and out of its first request.
 */
function lazyResource(detect: () => Resource): Resource {
  let detected: Resource | undefined;
  return {
    get attributes() {
      return (detected ??= detect()).attributes;
    },
    get schemaUrl() {
      return (detected ??= detect()).schemaUrl;
    },
  };
}

/** A batch processor and its OTLP exporter: what the exit hand-off drains and sends. */
interface ExitSource<T = unknown> {
  readonly processor: { takePending(): T[] };
  readonly exporter: OtlpExporterHandle<T>;
}

/** What differs between the span and the log pipelines: the exporters and the batch settings. */
interface Pipeline<T> {
  readonly names: readonly string[];
  readonly console: () => Exporter<T>;
  readonly otlp: () => OtlpExporterHandle<T>;
  readonly batch: BatchOptions;
}

/**
 * The processors of a pipeline by its exporter names: the console through a simple processor
 * (written as each item ends), OTLP through a batch processor the exit hand-off drains.
 */
function processorsOf<T>(p: Pipeline<T>, diag: Diag, exitSources: ExitSource[]): Processor<T>[] {
  const processors: Processor<T>[] = [];
  for (const name of p.names) {
    if (name === 'console') processors.push(new SimpleProcessor<T>(p.console(), diag.child('console')));
    if (name === 'otlp') {
      const exporter = p.otlp();
      const processor = new BatchProcessor<T>(exporter, p.batch, diag.child('otlp'));
      processors.push(processor);
      exitSources.push({ processor, exporter } as unknown as ExitSource);
    }
  }
  return processors;
}

function spanProcessors(config: Config, diag: Diag, suppressed: <R>(fn: () => R) => R, exitSources: ExitSource[]): SpanProcessor[] {
  return processorsOf<ReadableSpan>(
    {
      names: config.OTEL_TRACES_EXPORTER,
      console: () => new ConsoleSpanExporter(),
      otlp: () => lazyOtlpSpanExporter(otlpOptions(config, 'traces'), diag.child('otlp'), suppressed),
      batch: {
        scheduleDelayMs: config.OTEL_BSP_SCHEDULE_DELAY,
        exportTimeoutMs: config.OTEL_BSP_EXPORT_TIMEOUT,
        maxQueueSize: config.OTEL_BSP_MAX_QUEUE_SIZE,
        maxExportBatchSize: config.OTEL_BSP_MAX_EXPORT_BATCH_SIZE,
        noun: 'span',
      },
    },
    diag,
    exitSources,
  ) as SpanProcessor[];
}

function logProcessors(
  config: Config,
  diag: Diag,
  suppressed: <R>(fn: () => R) => R,
  exitSources: ExitSource[],
): Processor<ReadableLogRecord>[] {
  return processorsOf<ReadableLogRecord>(
    {
      names: config.OTEL_LOGS_EXPORTER,
      console: () => new ConsoleLogExporter(),
      otlp: () => lazyOtlpLogExporter(otlpOptions(config, 'logs'), diag.child('otlp'), suppressed),
      batch: {
        scheduleDelayMs: config.OTEL_BLRP_SCHEDULE_DELAY,
        exportTimeoutMs: config.OTEL_BLRP_EXPORT_TIMEOUT,
        maxQueueSize: config.OTEL_BLRP_MAX_QUEUE_SIZE,
        maxExportBatchSize: config.OTEL_BLRP_MAX_EXPORT_BATCH_SIZE,
        noun: 'log record',
      },
    },
    diag,
    exitSources,
  );
}

function metricReaders(
  config: Config,
  meterProvider: MeterProvider,
  diag: Diag,
  suppressed: <R>(fn: () => R) => R,
  exitSources: ExitSource[],
): PeriodicExportingMetricReader[] {
  const readers: PeriodicExportingMetricReader[] = [];
  const periodic = { intervalMs: config.OTEL_METRIC_EXPORT_INTERVAL, timeoutMs: config.OTEL_METRIC_EXPORT_TIMEOUT };
  const exponentialHistograms = config.OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION === 'base2_exponential_bucket_histogram';
  for (const name of config.OTEL_METRICS_EXPORTER) {
    if (name === 'console') {
      const preferences = { temporality: () => Temporality.CUMULATIVE, exponentialHistograms: false };
      readers.push(
        new PeriodicExportingMetricReader(meterProvider, new ConsoleMetricExporter(), preferences, { ...periodic, synchronous: true }, diag.child('console')),
      );
    }
    if (name === 'prometheus') {
      // Pulled, not pushed: each scrape collects. Cumulative and explicit buckets, as Prometheus reads them.
      const index = meterProvider.addReader({ temporality: () => Temporality.CUMULATIVE, exponentialHistograms: false });
      const { PrometheusExporter } = require('../exporters/prometheus') as typeof import('../exporters/prometheus');
      const endpoint = new PrometheusExporter({
        host: config.OTEL_EXPORTER_PROMETHEUS_HOST,
        port: config.OTEL_EXPORTER_PROMETHEUS_PORT,
        collect: () => meterProvider.collect(index),
        diag: diag.child('prometheus'),
        suppressed,
      });
      void endpoint.start();
    }
    if (name === 'otlp') {
      const handle = lazyOtlpMetricExporter(otlpOptions(config, 'metrics'), diag.child('otlp'), suppressed);
      const exporter: MetricExporter = {
        export: (batch, done) => handle.export([batch], done),
        shutdown: () => handle.shutdown(),
      };
      const preferences = { temporality: temporalityPreference(config.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE), exponentialHistograms };
      const reader = new PeriodicExportingMetricReader(meterProvider, exporter, preferences, periodic, diag.child('otlp'));
      readers.push(reader);
      exitSources.push({ processor: reader, exporter: handle } as ExitSource<ResourceMetrics> as ExitSource);
    }
  }
  return readers;
}

/** At 'exit': everything still pending goes to a worker thread that sends it while we wait. */
function exitHandOff(sources: readonly ExitSource[], deadlineMs: number, diag: Diag): void {
  const requests: ExitRequest[] = [];
  const exporters: OtlpExporterHandle<unknown>[] = [];
  for (const s of sources) {
    const items = s.processor.takePending();
    if (items.length === 0) continue;
    try {
      requests.push(s.exporter.exitRequest(items));
      exporters.push(s.exporter);
    } catch (e) {
      diag.warn(`${items.length} item(s) could not be encoded at exit for ${s.exporter.destination}: ${describe(e)}`);
    }
  }
  if (requests.length === 0) return;
  const outcomes = handOffAtExit(requests, deadlineMs);
  outcomes.forEach((outcome, i) => {
    if (outcome === OUTCOME.SENT) return;
    const r = requests[i]!;
    const why = outcome === OUTCOME.PENDING ? `no answer within ${deadlineMs} ms` : 'the export failed';
    diag.warn(`${r.count} ${r.noun}(s) could not be exported at exit to ${exporters[i]!.destination}: ${why}`);
  });
}

export function startAgent(config: Config, diag: Diag): Agent {
  const propagator = createPropagator(config.OTEL_PROPAGATORS);
  const propagation = headerPropagation(propagator);
  // TRACEPARENT / TRACESTATE / BAGGAGE in the environment: the program's root spans join that trace.
  const baseContext = contextFromEnvironment(propagator, process.env);
  const resource = lazyResource(() => (require('../resource') as typeof import('../resource')).createResource(config));
  const tracing = createTracing({
    config,
    resource,
    processors: [],
    propagation,
    propagator: propagator as unknown as TextMapPropagatorLike,
    baseContext,
    diag,
  });
  const { contextManager } = tracing;
  const suppressed = <R>(fn: () => R): R => contextManager.with(suppressTracing(contextManager.active()), fn);
  const exitSources: ExitSource[] = [];
  for (const p of spanProcessors(config, diag, suppressed, exitSources)) tracing.tracerProvider.addSpanProcessor(p);
  const loggerProvider = new LoggerProvider({
    resource,
    limits: logLimitsFromConfig(config),
    contextManager,
    processors: logProcessors(config, diag, suppressed, exitSources),
  });
  const meterProvider = new MeterProvider({ resource, diag });
  const readers = metricReaders(config, meterProvider, diag, suppressed, exitSources);
  const services = { tracerProvider: tracing.tracerProvider, trace: tracing.trace, loggerProvider, meterProvider, version: VERSION };
  const extras = loadExtraInstrumentations(
    config.TS_OTEL_RUN_EXTRA_INSTRUMENTATIONS ?? [],
    new Set(CATALOG.map((e) => e.id)),
    diag,
  );
  const registry = new Registry([...activeCatalog(config, diag), ...extras], config, diag, services);
  const hooks = installHooks(registry, diag, config.TS_OTEL_RUN_IMPORT_HOOK);
  registry.startEager();
  const removeShutdown = installShutdown({
    flush: (final) => {
      // The program is ending: a collector that refuses connections is not worth a retry now.
      if (final) for (const s of exitSources) s.exporter.beginShutdown();
      return Promise.all([
        tracing.tracerProvider.forceFlush(),
        loggerProvider.forceFlush(),
        ...readers.map((r) => r.forceFlush(final).catch(() => undefined)),
      ]).then(() => undefined);
    },
    flushSync: () => {
      // The console writes synchronously: its last collection needs no hand-off.
      for (const reader of readers) {
        if (!reader.synchronous) continue;
        for (const batch of reader.takePending()) reader.exporter.export(batch, () => undefined);
      }
      exitHandOff(exitSources, config.TS_OTEL_RUN_SHUTDOWN_TIMEOUT, diag);
    },
    onFatal: (error) => {
      // The span the program was in when it died: record why, and end it so that it is exported.
      const span = getSpan(tracing.contextManager.active());
      if (span instanceof Span && span.isRecording()) {
        span.recordException(error);
        span.setStatus({ code: StatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        span.end();
      }
    },
    deadlineMs: config.TS_OTEL_RUN_SHUTDOWN_TIMEOUT,
    diag,
  });
  for (const reader of readers) reader.start();
  if (diag.enabled('info')) diag.info(startupSummary(config, registry.ids()));
  return {
    version: VERSION,
    config,
    registry,
    tracerProvider: tracing.tracerProvider,
    loggerProvider,
    meterProvider,
    stop: () => {
      hooks.unhook();
      removeShutdown();
    },
  };
}
