/**
 * Just enough of npm's semver ranges to state which versions of a library an instrumentation
 * supports: comparators (>=, >, <=, <, =), caret, tilde, x-ranges (8, 8.x, *), hyphen ranges,
 * conjunction by spaces and `||`. Pre-release versions compare below their release.
 */
type Version = [number, number, number, string];
type Comparator = (v: Version) => boolean;

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;
const PARTIAL = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-([0-9A-Za-z.-]+))?$/;

export function parseVersion(text: string): Version | undefined {
  const m = VERSION.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] ?? ''] : undefined;
}

function comparePre(a: string, b: string): number {
  if (a === b) return 0;
  if (!a) return 1;
  if (!b) return -1;
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny && Number(x) !== Number(y)) return Number(x) < Number(y) ? -1 : 1;
    if (nx !== ny) return nx ? -1 : 1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return (a[i] as number) < (b[i] as number) ? -1 : 1;
  return comparePre(a[3], b[3]);
}

type Partial = { parts: (number | undefined)[]; pre: string };

function parsePartial(text: string): Partial | undefined {
  const m = PARTIAL.exec(text);
  if (!m) return undefined;
  const parts: (number | undefined)[] = [];
  for (const p of [m[1], m[2], m[3]]) {
    if (p === undefined || /^[xX*]$/.test(p) || parts.includes(undefined)) parts.push(undefined);
    else parts.push(Number(p));
  }
  return { parts, pre: m[4] ?? '' };
}

const lowest = (p: Partial): Version => [p.parts[0] ?? 0, p.parts[1] ?? 0, p.parts[2] ?? 0, p.pre];
const ge = (b: Version): Comparator => (v) => compare(v, b) >= 0;
const lt = (b: Version): Comparator => (v) => compare(v, b) < 0;

/** The exclusive upper bound of an x-range: 8 → 9.0.0-0, 8.2 → 8.3.0-0. */
function nextAfter(p: Partial): Version | undefined {
  const [a, b, c] = p.parts;
  if (a === undefined) return undefined;
  if (b === undefined) return [a + 1, 0, 0, '0'];
  if (c === undefined) return [a, b + 1, 0, '0'];
  return undefined;
}

function comparators(token: string): Comparator[] | undefined {
  const m = /^(>=|<=|>|<|=|\^|~>?)?\s*(.*)$/.exec(token);
  if (!m) return undefined;
  const op = m[1] ?? '';
  const p = parsePartial(m[2] ?? '');
  if (!p) return undefined;
  const [a, b, c] = p.parts;
  const low = lowest(p);
  const next = nextAfter(p);
  switch (op) {
    case '':
    case '=':
      if (a === undefined) return [];
      return next ? [ge(low), lt(next)] : [(v) => compare(v, low) === 0];
    case '>=':
      return [ge(low)];
    case '>':
      return next ? [ge(next)] : [(v) => compare(v, low) > 0];
    case '<':
      // A partial version excludes its own pre-releases, as npm desugars it: <9 is <9.0.0-0.
      return [lt(p.parts.includes(undefined) ? [a ?? 0, b ?? 0, c ?? 0, '0'] : low)];
    case '<=':
      return next ? [lt(next)] : [(v) => compare(v, low) <= 0];
    case '^': {
      if (a === undefined) return [];
      let upper: Version;
      if (a > 0 || b === undefined) upper = [a + 1, 0, 0, '0'];
      else if (b > 0 || c === undefined) upper = [0, b + 1, 0, '0'];
      else upper = [0, 0, c + 1, '0'];
      return [ge(low), lt(upper)];
    }
    default: {
      // ~ and ~>
      if (a === undefined) return [];
      const upper: Version = b === undefined ? [a + 1, 0, 0, '0'] : [a, b + 1, 0, '0'];
      return [ge(low), lt(upper)];
    }
  }
}

/** Compiles a range once, at setup, into a predicate over version strings. Throws on a bad range. */
export function compileRange(range: string): (version: string) => boolean {
  const alternatives: Comparator[][] = [];
  for (const alt of range.split('||')) {
    const text = alt.trim().replace(/(>=|<=|>|<|=|\^|~>?)\s+/g, '$1');
    const all: Comparator[] = [];
    const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(text);
    if (hyphen) {
      const from = parsePartial(hyphen[1]!);
      const to = parsePartial(hyphen[2]!);
      if (!from || !to) throw new Error(`invalid version range '${range}'`);
      all.push(ge(lowest(from)));
      const next = nextAfter(to);
      all.push(next ? lt(next) : (v) => compare(v, lowest(to)) <= 0);
    } else {
      for (const token of text ? text.split(/\s+/) : ['*']) {
        const c = comparators(token);
        if (!c) throw new Error(`invalid version range '${range}'`);
        all.push(...c);
      }
    }
    alternatives.push(all);
  }
  return (version) => {
    const v = parseVersion(version);
    if (!v) return false;
    return alternatives.some((all) => all.every((c) => c(v)));
  };
}

export function satisfies(version: string, range: string): boolean {
  return compileRange(range)(version);
}
