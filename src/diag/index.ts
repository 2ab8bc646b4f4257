/**
 * The project's own diagnostics: one line per message on stderr, filtered by OTEL_LOG_LEVEL
 * (default warn). It writes to the stream directly, never through `console`, so that a console
 * instrumentation can never turn the project's diagnostics into telemetry.
 */
export const LEVELS = ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'] as const;
export type Level = (typeof LEVELS)[number];
type MessageLevel = Exclude<Level, 'none' | 'all'>;

const RANK: Record<Level, number> = { none: 0, error: 1, warn: 2, info: 3, debug: 4, verbose: 5, all: 6 };

export interface Diag {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
  verbose(message: string): void;
  /** Whether a message at this level would be written; check it before building costly messages. */
  enabled(level: MessageLevel): boolean;
  /** Writes the message the first time `key` is seen, and never again in this process. */
  once(key: string, level: MessageLevel, message: string): void;
  /** A logger whose lines name `namespace` (an instrumentation id, an exporter). */
  child(namespace: string): Diag;
}

let threshold = RANK.warn;
let sink: (line: string) => void = (line) => {
  try {
    process.stderr.write(line);
  } catch {
    // stderr closed or broken: diagnostics are never worth an exception in the program.
  }
};
const seen = new Set<string>();

export function setLevel(level: Level): void {
  threshold = RANK[level];
}

/** Redirects every diagnostic line; returns the previous sink. */
export function setSink(next: (line: string) => void): (line: string) => void {
  const previous = sink;
  sink = next;
  return previous;
}

function make(prefix: string): Diag {
  const write = (level: MessageLevel, message: string) => {
    if (RANK[level] <= threshold) sink(`ts-otel-run: ${level}: ${prefix}${message}\n`);
  };
  const d: Diag = {
    error: (m) => write('error', m),
    warn: (m) => write('warn', m),
    info: (m) => write('info', m),
    debug: (m) => write('debug', m),
    verbose: (m) => write('verbose', m),
    enabled: (level) => RANK[level] <= threshold,
    once(key, level, message) {
      // A message hidden by the level is not used up: it can still appear once the level allows it.
      if (seen.has(key) || RANK[level] > threshold) return;
      seen.add(key);
      write(level, message);
    },
    child: (namespace) => make(`${prefix}${namespace}: `),
  };
  return d;
}

export const diag: Diag = make('');
