import { strict as assert } from 'node:assert';
import { after, before, beforeEach, describe, it } from 'node:test';
import { diag, type Level, LEVELS, setLevel, setSink } from '../../../src/diag/index';

const MESSAGE_LEVELS = ['error', 'warn', 'info', 'debug', 'verbose'] as const;

/** The level in force before these tests, found by probing (there is no getter). */
function currentLevel(): Level {
  let level: Level = 'none';
  for (const l of MESSAGE_LEVELS) if (diag.enabled(l)) level = l;
  return level;
}

let lines: string[] = [];
let previousSink: ((line: string) => void) | undefined;
let previousLevel: Level = 'warn';

before(() => {
  previousLevel = currentLevel();
  previousSink = setSink((line) => lines.push(line));
});
after(() => {
  if (previousSink) setSink(previousSink);
  setLevel(previousLevel);
});
beforeEach(() => {
  lines = [];
  setLevel('warn');
});

let unique = 0;
const key = (name: string) => `unit-test:${name}:${process.pid}:${++unique}`;

function writeAll(d = diag) {
  d.error('e');
  d.warn('w');
  d.info('i');
  d.debug('d');
  d.verbose('v');
}

describe('diag levels', () => {
  it('LEVELS lists the levels from quietest to loudest', () => {
    assert.deepEqual(LEVELS, ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all']);
  });

  it('at the default warn level, only errors and warnings are written', () => {
    writeAll();
    assert.deepEqual(lines, ['ts-otel-run: error: e\n', 'ts-otel-run: warn: w\n']);
  });

  const expected: Record<Level, string[]> = {
    none: [],
    error: ['error'],
    warn: ['error', 'warn'],
    info: ['error', 'warn', 'info'],
    debug: ['error', 'warn', 'info', 'debug'],
    verbose: ['error', 'warn', 'info', 'debug', 'verbose'],
    all: ['error', 'warn', 'info', 'debug', 'verbose'],
  };
  for (const level of LEVELS) {
    it(`setLevel('${level}') writes ${expected[level].join(', ') || 'nothing'}`, () => {
      setLevel(level);
      writeAll();
      assert.deepEqual(
        lines.map((l) => l.split(': ')[1]),
        expected[level],
      );
      for (const l of MESSAGE_LEVELS) assert.equal(diag.enabled(l), expected[level].includes(l), `enabled('${l}') at ${level}`);
    });
  }

  it('writes one whole line per message, message text untouched', () => {
    setLevel('info');
    diag.info('with: colons and 100% and\ttabs');
    assert.deepEqual(lines, ['ts-otel-run: info: with: colons and 100% and\ttabs\n']);
  });

  it('setSink returns the sink it replaces', () => {
    const mine = (line: string) => lines.push(line);
    const replaced = setSink(mine);
    const back = setSink(replaced);
    assert.equal(back, mine);
    diag.warn('still captured');
    assert.equal(lines.length, 1, 'the capturing sink is in place again');
  });
});

describe('diag.once', () => {
  it('writes the first time a key is seen, and never again', () => {
    const k = key('once');
    diag.once(k, 'warn', 'first');
    diag.once(k, 'warn', 'second');
    diag.once(k, 'error', 'third');
    assert.deepEqual(lines, ['ts-otel-run: warn: first\n']);
  });

  it('different keys are independent', () => {
    diag.once(key('a'), 'warn', 'a');
    diag.once(key('b'), 'warn', 'b');
    assert.equal(lines.length, 2);
  });

  it('respects the level', () => {
    diag.once(key('quiet'), 'debug', 'hidden at warn');
    assert.deepEqual(lines, []);
  });

  it('keys are shared between a logger and its children', () => {
    const k = key('shared');
    diag.child('ns').once(k, 'warn', 'from child');
    diag.once(k, 'warn', 'from root');
    assert.deepEqual(lines, ['ts-otel-run: warn: ns: from child\n']);
  });
});

describe('diag.child', () => {
  it('prefixes every line with the namespace', () => {
    const http = diag.child('http');
    http.warn('slow');
    http.error('down');
    assert.deepEqual(lines, ['ts-otel-run: warn: http: slow\n', 'ts-otel-run: error: http: down\n']);
  });

  it('nests namespaces', () => {
    diag.child('exporter').child('otlp').warn('retrying');
    assert.deepEqual(lines, ['ts-otel-run: warn: exporter: otlp: retrying\n']);
  });

  it('follows the global level, also when it changes after the child was made', () => {
    const c = diag.child('c');
    c.info('hidden');
    assert.equal(c.enabled('info'), false);
    setLevel('info');
    assert.equal(c.enabled('info'), true);
    c.info('shown');
    assert.deepEqual(lines, ['ts-otel-run: info: c: shown\n']);
  });

  it('does not change the parent', () => {
    diag.child('x');
    diag.warn('plain');
    assert.deepEqual(lines, ['ts-otel-run: warn: plain\n']);
  });
});
