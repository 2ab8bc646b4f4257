/**
 * Every symbol the project puts on objects it does not own, in one place. `Symbol.for` keys are
 * shared across copies of the project loaded into one process, so two installed copies (or the
 * require and import flavours of the preload) recognise each other's marks.
 */

/** globalThis slot holding the running agent: the start-once guard. */
export const AGENT = Symbol.for('ts-otel-run.agent');
/** On a wrapper: the function it replaced. */
export const ORIGINAL = Symbol.for('ts-otel-run.original');
/** On a wrapper: the id of the instrumentation that made it. */
export const WRAPPED_BY = Symbol.for('ts-otel-run.wrapped-by');
/**
 * On an incoming request (http.IncomingMessage): its SERVER span, set by the http instrumentation,
 * so that framework instrumentations can name it by route and record errors on it.
 */
export const HTTP_SERVER_SPAN = Symbol.for('ts-otel-run.http.server-span');
/** The route a framework matched for a request, on the request: known whether or not its span records. */
export const HTTP_SERVER_ROUTE = Symbol.for('ts-otel-run.http.server-route');
