/** A span as the console exporter writes it: one JSON object per line on stderr. */
export interface ConsoleSpan {
  name: string;
  kind: string;
  context: { trace_id: string; span_id: string };
  parent_id: string | null;
  status: { status_code: string; description?: string };
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
  resource: { attributes: Record<string, unknown> };
  scope: { name: string; version: string };
}

/** The console exporter's span lines in a program's stderr. */
export function consoleSpans(stderr: string): ConsoleSpan[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{"name"'))
    .map((l) => JSON.parse(l) as ConsoleSpan);
}
