import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { SettingType } from './settings';

export type Parsed = { ok: true; value: unknown } | { ok: false; reason: string };

const ok = (value: unknown): Parsed => ({ ok: true, value });
const bad = (reason: string): Parsed => ({ ok: false, reason });

const WHOLE = /^[+]?\d+$/;
const HOST_PORT = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]):\d{1,5}$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** What a setting of this type accepts, in words, for help and error messages. */
export function describeType(type: SettingType): string {
  switch (type.kind) {
    case 'string':
      return 'text';
    case 'enum':
      return `one of ${type.values.join(', ')}`;
    case 'enumList':
      return type.values.length ? `comma-separated list of ${type.values.join(', ')}` : 'comma-separated list';
    case 'list':
      return 'comma-separated list';
    case 'patternList':
      return 'comma-separated list of regular expressions';
    case 'int': {
      const unit = type.unit === 'ms' ? ' (milliseconds)' : '';
      return type.max === undefined
        ? `whole number ≥ ${type.min}${unit}`
        : `whole number from ${type.min} to ${type.max}${unit}`;
    }
    case 'number':
      return `number from ${type.min} to ${type.max}`;
    case 'bool':
      return 'true or false';
    case 'keyValues':
      return 'key=value pairs, comma-separated, values percent-encoded';
    case 'url':
      return 'an http:// or https:// URL (or host:port, for gRPC)';
    case 'file':
      return 'path of a readable file';
  }
}

function splitList(text: string): string[] {
  const seen = new Set<string>();
  for (const part of text.split(',')) {
    const item = part.trim();
    if (item) seen.add(item);
  }
  return [...seen];
}

/** Keys are percent-decoded when they are valid percent-encoding, and kept as written otherwise. */
function decodeLeniently(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Parses `k1=v1,k2=v2` as the specification's OTEL_RESOURCE_ATTRIBUTES and OTEL_EXPORTER_OTLP_HEADERS
 * are written: keys and values trimmed, values percent-decoded. One malformed entry rejects the
 * whole value, as the specification asks. Reasons never quote values: they may be secrets.
 */
export function parseKeyValues(text: string): Parsed {
  const out: Record<string, string> = Object.create(null);
  const parts = text.split(',');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!.trim();
    if (!part) continue;
    const eq = part.indexOf('=');
    if (eq <= 0) return bad(`entry ${i + 1} is not key=value`);
    const key = decodeLeniently(part.slice(0, eq).trim());
    let value: string;
    try {
      value = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return bad(`entry ${i + 1} (key '${key}') has an invalid percent-encoding`);
    }
    out[key] = value;
  }
  return ok(out);
}

const KEPT_AS_TEXT: ReadonlySet<SettingType['kind']> = new Set(['string', 'list', 'patternList', 'url', 'file']);

function hasNul(raw: unknown): boolean {
  if (typeof raw === 'string') return raw.includes('\0');
  return Array.isArray(raw) && raw.some((x) => typeof x === 'string' && x.includes('\0'));
}

/**
 * Turns one raw value (from a flag, an environment variable or a config file) into the setting's
 * typed value. Config files may give native JSON/YAML types; everything else arrives as text.
 * `cwd` anchors relative file paths, which are made absolute so that child processes with
 * another working directory still find them.
 */
export function parseValue(type: SettingType, raw: unknown, cwd: string): Parsed {
  if (raw === null || raw === undefined) return bad('no value');
  // Text that is kept as it is may go on to a child process in its environment (settingsToEnv),
  // which cannot hold NUL: only a config file can give one ("\u0000" in JSON), and the launch
  // would fail on it. (Other kinds reject it anyway; key-values are percent-encoded.)
  if (KEPT_AS_TEXT.has(type.kind) && hasNul(raw)) return bad('a NUL character is not allowed');
  const scalar = typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean';
  switch (type.kind) {
    case 'bool': {
      if (typeof raw === 'boolean') return ok(raw);
      if (!scalar) return bad('expected true or false');
      const t = String(raw).trim().toLowerCase();
      if (t === 'true') return ok(true);
      if (t === 'false') return ok(false);
      return bad('expected true or false');
    }
    case 'int': {
      if (!scalar) return bad(`expected a ${describeType(type)}`);
      const t = typeof raw === 'number' ? String(raw) : String(raw).trim();
      if (!WHOLE.test(t)) return bad(`expected a ${describeType(type)}`);
      const n = Number(t);
      if (!Number.isSafeInteger(n) || n < type.min || (type.max !== undefined && n > type.max)) {
        return bad(`expected a ${describeType(type)}`);
      }
      return ok(n);
    }
    case 'number': {
      if (!scalar) return bad(`expected a ${describeType(type)}`);
      const t = typeof raw === 'number' ? String(raw) : String(raw).trim();
      if (!DECIMAL.test(t)) return bad(`expected a ${describeType(type)}`);
      const n = Number(t);
      if (!Number.isFinite(n) || n < type.min || n > type.max) return bad(`expected a ${describeType(type)}`);
      return ok(n);
    }
    case 'enum': {
      if (typeof raw !== 'string') return bad(`expected ${describeType(type)}`);
      const t = raw.trim().toLowerCase();
      if (!type.values.includes(t)) return bad(`allowed: ${type.values.join(', ')}`);
      return ok(t);
    }
    case 'enumList':
    case 'list':
    case 'patternList': {
      let items: string[];
      if (Array.isArray(raw)) {
        if (!raw.every((x) => typeof x === 'string')) return bad('expected a list of strings');
        items = splitList(raw.join(','));
      } else if (typeof raw === 'string') {
        items = splitList(raw);
      } else {
        return bad(`expected a ${describeType(type)}`);
      }
      if (type.kind === 'list') return ok(items);
      if (type.kind === 'patternList') {
        for (const item of items) {
          try {
            new RegExp(item);
          } catch {
            return bad(`'${item}' is not a valid regular expression`);
          }
        }
        return ok(items);
      }
      const lower = items.map((s) => s.toLowerCase());
      const wrong = lower.filter((s) => !type.values.includes(s));
      if (wrong.length) {
        const allowed = type.values.length ? type.values.join(', ') : 'none are available';
        return bad(`${wrong.map((w) => `'${w}'`).join(', ')} not allowed; allowed: ${allowed}`);
      }
      return ok([...new Set(lower)]);
    }
    case 'keyValues': {
      if (typeof raw === 'object' && !Array.isArray(raw)) {
        const out: Record<string, string> = Object.create(null);
        for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
          if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
            return bad(`key '${k}' must have a string value`);
          }
          // As in the text form, where `=v` is no entry: a child process could not read it back.
          if (k === '') return bad('a key must not be empty');
          out[k] = String(v);
        }
        return ok(out);
      }
      if (typeof raw !== 'string') return bad(`expected ${describeType(type)}`);
      return parseKeyValues(raw);
    }
    case 'url': {
      if (typeof raw !== 'string') return bad(`expected ${describeType(type)}`);
      const t = raw.trim();
      // host:port without a scheme: the specification allows it for gRPC, where
      // OTEL_EXPORTER_OTLP_INSECURE then decides between plaintext and TLS.
      if (HOST_PORT.test(t)) return ok(t);
      let u: URL;
      try {
        u = new URL(t);
      } catch {
        return bad(`expected ${describeType(type)}`);
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') return bad(`expected ${describeType(type)}`);
      return ok(t);
    }
    case 'file': {
      if (typeof raw !== 'string') return bad(`expected ${describeType(type)}`);
      const path = isAbsolute(raw.trim()) ? raw.trim() : resolve(cwd, raw.trim());
      try {
        if (!statSync(path).isFile()) return bad('not a file');
      } catch (e) {
        return bad((e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'cannot read it');
      }
      return ok(path);
    }
    case 'string':
      return scalar ? ok(String(raw)) : bad('expected text');
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Percent-encodes a key or value. A lone surrogate (a JSON config file may hold "\ud800") has no
 * UTF-8 form and makes encodeURIComponent throw; it becomes U+FFFD, which is also what a child
 * process would see of it in its environment.
 */
function encodeText(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return encodeURIComponent(text.replace(LONE_SURROGATE, '\uFFFD'));
  }
}

/** The canonical text of a typed value, as it is written to the environment for child processes. */
export function formatValue(type: SettingType, value: unknown): string {
  if (value === undefined) return '';
  switch (type.kind) {
    case 'enumList':
    case 'list':
    case 'patternList':
      return (value as string[]).join(',');
    case 'keyValues':
      return Object.entries(value as Record<string, string>)
        .map(([k, v]) => `${encodeText(k)}=${encodeText(v)}`)
        .join(',');
    default:
      return String(value);
  }
}
