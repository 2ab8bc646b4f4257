import { createTracing, type TracingParts } from '../../src/agent/tracing';
import { resolveConfig } from '../../src/config/resolve';
import type { Config } from '../../src/config/settings';
import type { Services } from '../../src/instrumentation/registry';
import type { Propagation } from '../../src/instrumentation/types';
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

export interface TestEngine extends TracingParts {
  readonly config: Config;
  readonly memory: InMemorySpans;
  readonly services: Services;
}

/** A real engine (tracer provider, context manager) whose spans land in memory. */
export function testEngine(env: NodeJS.ProcessEnv = {}, propagation?: Propagation): TestEngine {
  const config = resolveConfig({ env, cwd: process.cwd() }).config;
  const memory = new InMemorySpans();
  const parts = createTracing({
    config,
    resource: { attributes: { 'service.name': 'test' } },
    processors: [memory],
    ...(propagation ? { propagation } : {}),
  });
  return { ...parts, config, memory, services: { tracerProvider: parts.tracerProvider, trace: parts.trace, version: 'test' } };
}

/** Services for tests that need a Registry but no spans. */
export function testServices(): Services {
  return testEngine().services;
}
