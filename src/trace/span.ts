import { AttributeBag, boundedAttributes, type AttributeLimits } from './attributes';
import { compareHr, now, toHrTime } from './time';
import {
  StatusCode,
  type Attributes,
  type HrTime,
  type InstrumentationScope,
  type ReadableSpan,
  type Resource,
  type SpanContext,
  type SpanEvent,
  type SpanKind,
  type SpanLink,
  type SpanStatus,
} from './types';

export interface SpanLimits {
  readonly attributes: AttributeLimits;
  readonly eventCountLimit: number;
  readonly linkCountLimit: number;
  readonly eventAttributes: AttributeLimits;
  readonly linkAttributes: AttributeLimits;
}

const NOT_ENDED: HrTime = Object.freeze([0, 0]) as unknown as HrTime;
const UNSET_STATUS: SpanStatus = Object.freeze({ code: StatusCode.UNSET });
const NO_EVENTS = Object.freeze([]) as unknown as SpanEvent[];
const NO_LINKS = Object.freeze([]) as unknown as SpanLink[];

/** Where a span goes when it ends: the provider's processors. */
export interface SpanSink {
  onEnd(span: Span): void;
}

export interface LinkInput {
  context: SpanContext;
  attributes?: Attributes;
}

/**
 * A recording span. It implements @opentelemetry/api's Span (so the API bridge hands it to programs
 * as it is) and the exporters' ReadableSpan (so they encode straight from it).
 */
export class Span implements ReadableSpan {
  name: string;
  readonly startTime: HrTime;
  endTime: HrTime = NOT_ENDED;
  status: SpanStatus = UNSET_STATUS;
  // Shared empty arrays until the first event or link: most spans have none, and every span
  // allocated on a request path counts.
  events: SpanEvent[] = NO_EVENTS;
  droppedEventsCount = 0;
  links: SpanLink[] = NO_LINKS;
  droppedLinksCount = 0;
  private readonly bag: AttributeBag;
  private ended = false;

  constructor(
    private readonly context: SpanContext,
    name: string,
    readonly kind: SpanKind,
    readonly parentSpanId: string | undefined,
    readonly parentIsRemote: boolean | undefined,
    readonly resource: Resource,
    readonly instrumentationScope: InstrumentationScope,
    private readonly limits: SpanLimits,
    private readonly sink: SpanSink,
    startTime?: unknown,
  ) {
    this.name = name;
    this.startTime = startTime === undefined ? now() : toHrTime(startTime);
    this.bag = new AttributeBag(limits.attributes);
  }

  // ReadableSpan
  spanContext(): SpanContext {
    return this.context;
  }
  get attributes(): Attributes {
    return this.bag.values;
  }
  get droppedAttributesCount(): number {
    return this.bag.dropped;
  }

  // @opentelemetry/api Span
  isRecording(): boolean {
    return !this.ended;
  }

  setAttribute(key: string, value: unknown): this {
    if (!this.ended) this.bag.set(key, value);
    return this;
  }

  setAttributes(attributes: unknown): this {
    if (!this.ended) this.bag.setAll(attributes);
    return this;
  }

  addEvent(name: string, attributesOrTime?: unknown, time?: unknown): this {
    if (this.ended || typeof name !== 'string') return this;
    if (this.events.length >= this.limits.eventCountLimit) {
      this.droppedEventsCount++;
      return this;
    }
    let attributes: unknown = attributesOrTime;
    // addEvent(name, time) is allowed too: a time where the attributes would be.
    if (Array.isArray(attributesOrTime) || attributesOrTime instanceof Date || typeof attributesOrTime === 'number') {
      time = attributesOrTime;
      attributes = undefined;
    }
    const { values, dropped } = boundedAttributes(attributes, this.limits.eventAttributes);
    if (this.events === NO_EVENTS) this.events = [];
    this.events.push({
      name,
      time: time === undefined ? now() : toHrTime(time),
      attributes: values,
      droppedAttributesCount: dropped,
    });
    return this;
  }

  addLink(link: LinkInput): this {
    if (this.ended || !link || typeof link !== 'object' || !link.context) return this;
    if (this.links.length >= this.limits.linkCountLimit) {
      this.droppedLinksCount++;
      return this;
    }
    const { values, dropped } = boundedAttributes(link.attributes, this.limits.linkAttributes);
    if (this.links === NO_LINKS) this.links = [];
    this.links.push({ context: link.context, attributes: values, droppedAttributesCount: dropped });
    return this;
  }

  addLinks(links: readonly LinkInput[]): this {
    if (Array.isArray(links)) for (const l of links) this.addLink(l);
    return this;
  }

  /** By the specification: OK is final, UNSET is ignored, a message is kept only for ERROR. */
  setStatus(status: SpanStatus): this {
    if (this.ended || !status || this.status.code === StatusCode.OK) return this;
    if (status.code === StatusCode.OK) this.status = { code: StatusCode.OK };
    else if (status.code === StatusCode.ERROR) {
      this.status =
        typeof status.message === 'string' ? { code: StatusCode.ERROR, message: status.message } : { code: StatusCode.ERROR };
    }
    return this;
  }

  updateName(name: string): this {
    if (!this.ended && typeof name === 'string') this.name = name;
    return this;
  }

  /** Records an exception as the specification's `exception` event. Does not change the status. */
  recordException(exception: unknown, time?: unknown): void {
    if (this.ended) return;
    const attributes: Attributes = {};
    if (typeof exception === 'string') {
      attributes['exception.message'] = exception;
    } else if (exception && typeof exception === 'object') {
      const e = exception as { name?: unknown; message?: unknown; stack?: unknown; code?: unknown };
      const type = typeof e.code === 'string' || typeof e.code === 'number' ? String(e.code) : e.name;
      if (typeof type === 'string') attributes['exception.type'] = type;
      if (typeof e.message === 'string') attributes['exception.message'] = e.message;
      if (typeof e.stack === 'string') attributes['exception.stacktrace'] = e.stack;
    }
    if (attributes['exception.type'] === undefined && attributes['exception.message'] === undefined) return;
    this.addEvent('exception', attributes, time);
  }

  end(endTime?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    const end = endTime === undefined ? now() : toHrTime(endTime);
    this.endTime = compareHr(end, this.startTime) < 0 ? this.startTime : end;
    this.sink.onEnd(this);
  }

  /** True once `end` was called. */
  get isEnded(): boolean {
    return this.ended;
  }
}
