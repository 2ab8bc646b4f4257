import { createTracing, type TracingParts } from '../../src/agent/tracing';
import { resolveConfig } from '../../src/config/resolve';
import type { Config } from '../../src/config/settings';
import type { Services } from '../../src/instrumentation/registry';
import type { Propagation } from '../../src/instrumentation/types';
import { LoggerProvider, logLimitsFromConfig } from '../../src/logs/logger';
import type { ReadableLogRecord } from '../../src/logs/types';
import { MeterProvider } from '../../src/metrics/meter';
import { Temporality, type MetricData, type ResourceMetrics } from '../../src/metrics/types';
import type { Processor } from '../../src/processing/types';
import type { ReadableSpan, SpanProcessor } from '../../src/trace/types';

/** Collects finished spans in memory, as an instrumentation test needs them. */
export class InMemorySpans implements SpanProcessor {
  readonly spans: ReadableSpan[] = [];
  onEnd(span: ReadableSpan): void {
    this.spans.push(span);
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
  clear(): void {
    this.spans.length = 0;
  }
  names(): string[] {
    return this.spans.map((s) => s.name);
  }
}

/** Collects emitted log records in memory. */
export class InMemoryLogs implements Processor<ReadableLogRecord> {
  readonly records: ReadableLogRecord[] = [];
  onEnd(record: ReadableLogRecord): void {
    this.records.push(record);
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
  clear(): void {
    this.records.length = 0;
  }
}

export interface TestEngine extends TracingParts {
  readonly config: Config;
  readonly memory: InMemorySpans;
  /** Log records emitted through `loggerProvider` (every instrumentation's ctx.logs.logger). */
  readonly logs: InMemoryLogs;
  readonly loggerProvider: LoggerProvider;
  readonly meterProvider: MeterProvider;
  /** Collects what every instrumentation's ctx.metrics.meter recorded (cumulative, explicit buckets). */
  collectMetrics(): Promise<ResourceMetrics>;
  readonly services: Services;
}

/** The data of metric `name` in a collection, if it has any. */
export function metricOf(batch: ResourceMetrics, name: string): MetricData | undefined {
  return batch.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
}

/** A real engine (tracer provider, context manager) whose spans land in memory. */
export function testEngine(env: NodeJS.ProcessEnv = {}, propagation?: Propagation): TestEngine {
  const config = resolveConfig({ env, cwd: process.cwd() }).config;
  const memory = new InMemorySpans();
  const resource = { attributes: { 'service.name': 'test' } };
  const parts = createTracing({
    config,
    resource,
    processors: [memory],
    ...(propagation ? { propagation } : {}),
  });
  const logs = new InMemoryLogs();
  const loggerProvider = new LoggerProvider({
    resource,
    limits: logLimitsFromConfig(config),
    contextManager: parts.contextManager,
    processors: [logs],
  });
  const meterProvider = new MeterProvider({ resource });
  const reader = meterProvider.addReader({ temporality: () => Temporality.CUMULATIVE, exponentialHistograms: false });
  return {
    ...parts,
    config,
    memory,
    logs,
    loggerProvider,
    meterProvider,
    collectMetrics: () => meterProvider.collect(reader),
    services: { tracerProvider: parts.tracerProvider, trace: parts.trace, loggerProvider, meterProvider, version: 'test' },
  };
}

/** Services for tests that need a Registry but no spans. */
export function testServices(): Services {
  return testEngine().services;
}
