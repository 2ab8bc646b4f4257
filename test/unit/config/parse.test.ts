import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { describeType, formatValue, parseKeyValues, parseValue } from '../../../src/config/parse';
import type { SettingType } from '../../../src/config/settings';

const cwd = process.cwd();

function accept(type: SettingType, raw: unknown, at = cwd): unknown {
  const r = parseValue(type, raw, at);
  if (!r.ok) assert.fail(`expected ${JSON.stringify(raw)} to be accepted as ${type.kind}, got: ${r.reason}`);
  return r.value;
}

function reject(type: SettingType, raw: unknown, at = cwd): string {
  const r = parseValue(type, raw, at);
  if (r.ok) assert.fail(`expected ${JSON.stringify(raw)} to be rejected as ${type.kind}, got ${JSON.stringify(r.value)}`);
  assert.equal(typeof r.reason, 'string');
  assert.ok(r.reason.length > 0, 'a rejection carries a reason');
  return r.reason;
}

/** keyValues results are null-prototype objects; compare them as plain ones. */
function plain(value: unknown): Record<string, string> {
  assert.equal(typeof value, 'object');
  assert.notEqual(value, null);
  return { ...(value as Record<string, string>) };
}

const BOOL: SettingType = { kind: 'bool' };
const COUNT: SettingType = { kind: 'int', min: 0 };
const MS: SettingType = { kind: 'int', min: 0, unit: 'ms' };
const PORT: SettingType = { kind: 'int', min: 0, max: 65535 };
const ONE_TO_TEN: SettingType = { kind: 'int', min: 1, max: 10 };
const RATIO: SettingType = { kind: 'number', min: 0, max: 1 };
const PROTOCOL: SettingType = { kind: 'enum', values: ['http/protobuf', 'http/json', 'grpc'] };
const EXPORTERS: SettingType = { kind: 'enumList', values: ['otlp', 'console', 'none'] };
const NOTHING_ALLOWED: SettingType = { kind: 'enumList', values: [] };
const LIST: SettingType = { kind: 'list' };
const KV: SettingType = { kind: 'keyValues' };
const URL_T: SettingType = { kind: 'url' };
const FILE: SettingType = { kind: 'file' };
const STR: SettingType = { kind: 'string' };

const ALL_TYPES: SettingType[] = [BOOL, COUNT, MS, PORT, RATIO, PROTOCOL, EXPORTERS, LIST, KV, URL_T, FILE, STR];

describe('parseValue: missing values', () => {
  for (const type of ALL_TYPES) {
    it(`${type.kind}: null and undefined are 'no value'`, () => {
      assert.equal(reject(type, null), 'no value');
      assert.equal(reject(type, undefined), 'no value');
    });
  }
});

describe('parseValue: bool', () => {
  it('accepts true and false in any case, with surrounding spaces', () => {
    for (const t of ['true', 'TRUE', 'True', 'tRuE', ' true', 'true ', '\ttrue\n']) assert.equal(accept(BOOL, t), true, t);
    for (const t of ['false', 'FALSE', 'False', ' fAlSe ', '\nfalse\t']) assert.equal(accept(BOOL, t), false, t);
  });

  it('accepts native booleans from config files', () => {
    assert.equal(accept(BOOL, true), true);
    assert.equal(accept(BOOL, false), false);
  });

  it('rejects anything else, including the usual truthy spellings', () => {
    for (const raw of ['1', '0', 'yes', 'no', 'on', 'off', 't', 'f', 'tru', 'truee', 'true false', '', ' ', 1, 0, [], {}]) {
      assert.equal(reject(BOOL, raw), 'expected true or false', JSON.stringify(raw));
    }
  });
});

describe('parseValue: int', () => {
  it('accepts whole numbers, trimmed, with an optional plus sign and leading zeros', () => {
    assert.equal(accept(COUNT, '0'), 0);
    assert.equal(accept(COUNT, '42'), 42);
    assert.equal(accept(COUNT, '  42 '), 42);
    assert.equal(accept(COUNT, '+5'), 5);
    assert.equal(accept(COUNT, '007'), 7);
  });

  it('accepts native whole numbers from config files, 5.0 included (it is the number 5)', () => {
    assert.equal(accept(COUNT, 5), 5);
    assert.equal(accept(COUNT, 5.0), 5);
    assert.equal(accept(COUNT, 0), 0);
  });

  it("rejects text that is not a plain whole number: '5.0', '1e3', hex, separators, words", () => {
    for (const raw of ['5.0', '5.', '1e3', '1E3', '0x10', '0b1', '0o7', '1_000', '1,000', '1 000', '5ms', 'Infinity', 'NaN', '', ' ', '+', '++5', '+-5', 'five']) {
      reject(COUNT, raw);
    }
  });

  it('rejects digits other than ASCII ones', () => {
    reject(COUNT, '１２'); // fullwidth
    reject(COUNT, '٣'); // Arabic-Indic
  });

  it('rejects negative numbers when the minimum is 0', () => {
    for (const raw of ['-1', '-0', ' -5 ', -1, -100]) reject(COUNT, raw);
  });

  it('rejects non-whole native numbers and non-numbers', () => {
    for (const raw of [5.5, NaN, Infinity, -Infinity, 1e21, true, false, [], {}]) reject(COUNT, raw);
  });

  it('enforces the minimum and the maximum, both inclusive', () => {
    assert.equal(accept(ONE_TO_TEN, '1'), 1);
    assert.equal(accept(ONE_TO_TEN, '10'), 10);
    assert.equal(reject(ONE_TO_TEN, '0'), 'expected a whole number from 1 to 10');
    assert.equal(reject(ONE_TO_TEN, '11'), 'expected a whole number from 1 to 10');
    assert.equal(accept(PORT, '65535'), 65535);
    reject(PORT, '65536');
  });

  it('accepts the largest safe integer and rejects unsafe ones', () => {
    assert.equal(accept(COUNT, String(Number.MAX_SAFE_INTEGER)), Number.MAX_SAFE_INTEGER);
    reject(COUNT, String(Number.MAX_SAFE_INTEGER + 1));
    reject(COUNT, '9007199254740993');
    reject(COUNT, '99999999999999999999999');
    reject(COUNT, '1'.repeat(400));
    reject(COUNT, Number.MAX_SAFE_INTEGER + 2);
  });

  it('names the allowed range, and the unit for milliseconds', () => {
    assert.equal(reject(COUNT, 'x'), 'expected a whole number ≥ 0');
    assert.equal(reject(MS, 'soon'), 'expected a whole number ≥ 0 (milliseconds)');
    assert.equal(reject(MS, '1.5'), 'expected a whole number ≥ 0 (milliseconds)');
  });

  it('never echoes the value in the reason', () => {
    assert.ok(!reject(COUNT, 'hunter2').includes('hunter2'));
  });
});

describe('parseValue: number', () => {
  it('accepts decimals in range in every usual spelling', () => {
    const cases: [string | number, number][] = [
      ['0', 0],
      ['1', 1],
      ['0.5', 0.5],
      ['.5', 0.5],
      ['+.5', 0.5],
      ['+0.25', 0.25],
      ['1.', 1],
      ['1.0', 1],
      ['1e-1', 0.1],
      ['5E-1', 0.5],
      ['0.1e+1', 1],
      [' 0.75 ', 0.75],
      [0.5, 0.5],
      [1, 1],
      [1e-7, 1e-7],
    ];
    for (const [raw, want] of cases) assert.equal(accept(RATIO, raw), want, JSON.stringify(raw));
  });

  it('rejects values out of range', () => {
    for (const raw of ['1.1', '2', '-0.1', '-1', '1e1', 1.0000001, -0.5]) {
      assert.equal(reject(RATIO, raw), 'expected a number from 0 to 1', JSON.stringify(raw));
    }
  });

  it('rejects NaN, Infinity and text that is not a decimal number', () => {
    for (const raw of ['NaN', 'Infinity', '-Infinity', '+Infinity', NaN, Infinity, '', ' ', '.', 'e1', '1e', '0.5.5', '0x1', '1_0', '½', 'half', '0,5', true, [], {}]) {
      reject(RATIO, raw);
    }
  });
});

describe('parseValue: scalars given as arrays in a config file', () => {
  it(
    'bool, int and number reject a one-element array instead of reading it as its element',
    () => {
      reject(BOOL, ['true']);
      reject(BOOL, [false]);
      reject(COUNT, [5]);
      reject(COUNT, ['5']);
      reject(RATIO, [0.5]);
      reject(RATIO, [[0.5]]);
    },
  );
});

describe('parseValue: enum', () => {
  it('is case-insensitive and trimmed, and returns the canonical lower-case value', () => {
    assert.equal(accept(PROTOCOL, 'grpc'), 'grpc');
    assert.equal(accept(PROTOCOL, 'GRPC'), 'grpc');
    assert.equal(accept(PROTOCOL, '  HTTP/Json\t'), 'http/json');
    assert.equal(accept(PROTOCOL, 'http/protobuf'), 'http/protobuf');
  });

  it('rejects values not in the list, naming the allowed ones', () => {
    for (const raw of ['http', 'grpc2', 'g rpc', 'http/protobuf,grpc', '', ' ']) {
      assert.equal(reject(PROTOCOL, raw), 'allowed: http/protobuf, http/json, grpc', JSON.stringify(raw));
    }
  });

  it('rejects non-strings from config files', () => {
    for (const raw of [1, true, ['grpc'], { grpc: true }]) {
      assert.equal(reject(PROTOCOL, raw), 'expected one of http/protobuf, http/json, grpc');
    }
  });
});

describe('parseValue: enumList', () => {
  it('splits on commas, trims, lower-cases', () => {
    assert.deepEqual(accept(EXPORTERS, 'otlp,console'), ['otlp', 'console']);
    assert.deepEqual(accept(EXPORTERS, ' OTLP , Console '), ['otlp', 'console']);
  });

  it('drops duplicates, also those that differ only in case, keeping the first position', () => {
    assert.deepEqual(accept(EXPORTERS, 'console,otlp,console'), ['console', 'otlp']);
    assert.deepEqual(accept(EXPORTERS, 'OTLP,console,otlp,Otlp'), ['otlp', 'console']);
  });

  it('ignores empty items', () => {
    assert.deepEqual(accept(EXPORTERS, ',,otlp,, ,'), ['otlp']);
    assert.deepEqual(accept(EXPORTERS, ''), []);
    assert.deepEqual(accept(EXPORTERS, ' , '), []);
  });

  it('names every wrong item in the reason, and the allowed values, but not the right items', () => {
    const reason = reject(EXPORTERS, 'otlp,zipkin,Jaeger');
    assert.equal(reason, "'zipkin', 'jaeger' not allowed; allowed: otlp, console, none");
    assert.ok(!reason.includes("'otlp'"));
  });

  it('one wrong item rejects the whole list', () => {
    reject(EXPORTERS, 'otlp,console,nope');
  });

  it('says so when no value at all is available', () => {
    assert.equal(reject(NOTHING_ALLOWED, 'http'), "'http' not allowed; allowed: none are available");
    assert.deepEqual(accept(NOTHING_ALLOWED, ''), []);
  });

  it('accepts arrays of strings from config files, with the same rules', () => {
    assert.deepEqual(accept(EXPORTERS, ['console', 'OTLP']), ['console', 'otlp']);
    assert.deepEqual(accept(EXPORTERS, ['otlp, console', ' none ']), ['otlp', 'console', 'none']);
    assert.deepEqual(accept(EXPORTERS, ['otlp', 'otlp']), ['otlp']);
    assert.deepEqual(accept(EXPORTERS, []), []);
    assert.match(reject(EXPORTERS, ['otlp', 'zipkin']), /'zipkin' not allowed/);
  });

  it('rejects arrays with non-strings and values of other kinds', () => {
    assert.equal(reject(EXPORTERS, ['otlp', 1]), 'expected a list of strings');
    assert.equal(reject(EXPORTERS, [null]), 'expected a list of strings');
    assert.equal(reject(EXPORTERS, [['otlp']]), 'expected a list of strings');
    reject(EXPORTERS, 5);
    reject(EXPORTERS, true);
    reject(EXPORTERS, { otlp: true });
  });
});

describe('parseValue: list', () => {
  it('splits, trims, drops empties and exact duplicates, and keeps case', () => {
    assert.deepEqual(accept(LIST, 'a, b ,a,,B'), ['a', 'b', 'B']);
    assert.deepEqual(accept(LIST, './x.js,@scope/pkg'), ['./x.js', '@scope/pkg']);
    assert.deepEqual(accept(LIST, ''), []);
  });

  it('keeps spaces inside items', () => {
    assert.deepEqual(accept(LIST, 'my dir/x.js , y'), ['my dir/x.js', 'y']);
  });

  it('accepts arrays of strings and rejects anything else', () => {
    assert.deepEqual(accept(LIST, ['./a.js', 'b', './a.js']), ['./a.js', 'b']);
    assert.equal(reject(LIST, ['a', {}]), 'expected a list of strings');
    assert.equal(reject(LIST, 5), 'expected a comma-separated list');
    reject(LIST, { a: 'b' });
  });
});

describe('parseValue: keyValues', () => {
  it('parses key=value pairs, trimming keys and values', () => {
    assert.deepEqual(plain(accept(KV, 'a=1,b=2')), { a: '1', b: '2' });
    assert.deepEqual(plain(accept(KV, ' a = 1 ,  b=2  ')), { a: '1', b: '2' });
    assert.deepEqual(plain(accept(KV, 'service.name=shop,deployment.environment=prod')), {
      'service.name': 'shop',
      'deployment.environment': 'prod',
    });
  });

  it('percent-decodes values', () => {
    assert.deepEqual(plain(accept(KV, 'k=a%20b%2Cc%3Dd%25')), { k: 'a b,c=d%' });
    assert.deepEqual(plain(accept(KV, 'k=%E2%9C%93')), { k: '✓' });
    assert.deepEqual(plain(accept(KV, 'Authorization=Basic%20dXNlcjpwdw%3D%3D')), { Authorization: 'Basic dXNlcjpwdw==' });
  });

  it("does not treat '+' as a space", () => {
    assert.deepEqual(plain(accept(KV, 'k=a+b')), { k: 'a+b' });
  });

  it("keeps everything after the first '=' as the value", () => {
    assert.deepEqual(plain(accept(KV, 'k=a=b=c')), { k: 'a=b=c' });
  });

  it('accepts empty values, empty entries and an empty text', () => {
    assert.deepEqual(plain(accept(KV, 'k=')), { k: '' });
    assert.deepEqual(plain(accept(KV, ',a=1,,b=2,')), { a: '1', b: '2' });
    assert.deepEqual(plain(accept(KV, '')), {});
    assert.deepEqual(plain(accept(KV, ' , ')), {});
  });

  it('the last of repeated keys wins', () => {
    assert.deepEqual(plain(accept(KV, 'a=1,a=2')), { a: '2' });
  });

  it('keeps __proto__ and friends as ordinary keys, without touching Object.prototype', () => {
    const v = accept(KV, '__proto__=polluted,constructor=c,toString=t') as Record<string, string>;
    assert.equal(Object.getOwnPropertyDescriptor(v, '__proto__')?.value, 'polluted');
    assert.equal(Object.getOwnPropertyDescriptor(v, 'constructor')?.value, 'c');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
  });

  it('one malformed entry rejects the whole value', () => {
    assert.equal(reject(KV, 'a=1,b'), 'entry 2 is not key=value');
    assert.equal(reject(KV, 'justtext'), 'entry 1 is not key=value');
  });

  it('rejects entries with an empty key', () => {
    reject(KV, '=value');
    reject(KV, 'a=1, =value');
    reject(KV, 'a=1,   =value');
  });

  it('rejects bad percent-encoding, naming the entry and its key', () => {
    assert.equal(reject(KV, 'a=1,Authorization=Bearer%2'), "entry 2 (key 'Authorization') has an invalid percent-encoding");
    reject(KV, 'k=%zz');
    reject(KV, 'k=100%');
    reject(KV, 'k=%C3%28'); // invalid UTF-8
  });

  it('never puts the value, or any part of it, in the reason: it may be a secret', () => {
    const secret = 'S3cr3tT0ken';
    const hostile = [
      `a=1,${secret}`,
      `${secret}`,
      `=${secret}`,
      `a=1, =${secret}`,
      `Authorization=Bearer ${secret}%`,
      `Authorization=${secret}%zz`,
      `k=%E0%A4%A${secret}`,
      `a=1,b=2,${secret}`,
    ];
    for (const raw of hostile) {
      const reason = reject(KV, raw);
      assert.ok(!reason.includes(secret), `reason '${reason}' leaks the value of ${raw}`);
      assert.ok(!reason.includes('Bearer'), `reason '${reason}' leaks part of the value`);
    }
  });

  it('parseKeyValues is the same parser for text', () => {
    const r = parseKeyValues('x=%20y%20');
    assert.ok(r.ok);
    assert.deepEqual(plain(r.value), { x: ' y ' });
  });

  it('accepts objects from config files, turning numbers and booleans into text', () => {
    assert.deepEqual(plain(accept(KV, { team: 'a b', replicas: 3, canary: true, ratio: 0.5 })), {
      team: 'a b',
      replicas: '3',
      canary: 'true',
      ratio: '0.5',
    });
    assert.deepEqual(plain(accept(KV, {})), {});
  });

  it('does not percent-decode values given as an object (they are not encoded)', () => {
    assert.deepEqual(plain(accept(KV, { k: 'a%20b' })), { k: 'a%20b' });
  });

  it('rejects objects with non-scalar values, naming the key but not the value', () => {
    for (const bad of [{ token: { nested: 'S3CRET' } }, { token: ['S3CRET'] }, { token: null }, { token: undefined }]) {
      const reason = reject(KV, bad);
      assert.equal(reason, "key 'token' must have a string value");
      assert.ok(!reason.includes('S3CRET'));
    }
  });

  it('rejects arrays, numbers and booleans', () => {
    for (const raw of [['a=1'], [], 5, true]) {
      assert.equal(reject(KV, raw), 'expected key=value pairs, comma-separated, values percent-encoded');
    }
  });
});

describe('parseValue: url', () => {
  it('accepts http and https URLs, trimmed, returned as given', () => {
    assert.equal(accept(URL_T, 'http://localhost:4318'), 'http://localhost:4318');
    assert.equal(accept(URL_T, ' https://otel.example.com/otlp?x=1 '), 'https://otel.example.com/otlp?x=1');
    assert.equal(accept(URL_T, 'HTTP://COLLECTOR:4318'), 'HTTP://COLLECTOR:4318');
    assert.equal(accept(URL_T, 'http://[::1]:4318/'), 'http://[::1]:4318/');
  });

  it('accepts host:port without a scheme (the specification allows it for gRPC endpoints)', () => {
    for (const raw of ['collector:4317', 'localhost:4318', '10.0.0.5:4317', '[::1]:4317', 'otel-collector.monitoring.svc:4317']) {
      assert.equal(accept(URL_T, raw), raw);
    }
  });

  it('rejects other schemes, scheme-less text and non-URLs, without echoing them', () => {
    const hostile = [
      'ftp://collector',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'ws://collector:4318',
      'collector:',
      'collector:port',
      '//collector:4318',
      'http://',
      'http://exa mple',
      'not a url',
      '',
    ];
    for (const raw of hostile) {
      const reason = reject(URL_T, raw);
      assert.equal(reason, 'expected an http:// or https:// URL (or host:port, for gRPC)', raw);
    }
  });

  it('rejects non-strings', () => {
    for (const raw of [4318, true, ['http://x'], { href: 'http://x' }]) reject(URL_T, raw);
  });
});

describe('parseValue: file', () => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'ts-otel-run-parse-')));
  after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'ca.pem'), 'pem');
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'key with space.pem'), 'pem');

  it('makes a relative path absolute against cwd', () => {
    const value = accept(FILE, 'ca.pem', dir);
    assert.equal(value, join(dir, 'ca.pem'));
    assert.ok(isAbsolute(value as string));
  });

  it('trims and normalises the path', () => {
    assert.equal(accept(FILE, '  ca.pem  ', dir), join(dir, 'ca.pem'));
    assert.equal(accept(FILE, './sub/../ca.pem', dir), join(dir, 'ca.pem'));
    assert.equal(accept(FILE, 'sub/key with space.pem', dir), join(dir, 'sub', 'key with space.pem'));
  });

  it('keeps an absolute path, whatever cwd is', () => {
    assert.equal(accept(FILE, join(dir, 'ca.pem'), '/'), join(dir, 'ca.pem'));
  });

  it("relative paths do not depend on the process's working directory", () => {
    reject(FILE, 'ca.pem', cwd);
  });

  it("rejects a missing file with 'no such file', without echoing the path", () => {
    const reason = reject(FILE, 'missing-secret.pem', dir);
    assert.equal(reason, 'no such file');
  });

  it("rejects a directory with 'not a file'", () => {
    assert.equal(reject(FILE, 'sub', dir), 'not a file');
    assert.equal(reject(FILE, dir, '/'), 'not a file');
  });

  it('rejects non-strings', () => {
    for (const raw of [1, true, ['ca.pem'], { path: 'ca.pem' }]) {
      assert.equal(reject(FILE, raw, dir), 'expected path of a readable file');
    }
  });
});

describe('parseValue: string', () => {
  it('keeps text exactly as given', () => {
    assert.equal(accept(STR, 'shop'), 'shop');
    assert.equal(accept(STR, '  spaced  '), '  spaced  ');
    assert.equal(accept(STR, 'a,b=c%20'), 'a,b=c%20');
  });

  it('turns numbers and booleans from config files into text', () => {
    assert.equal(accept(STR, 42), '42');
    assert.equal(accept(STR, false), 'false');
  });

  it('rejects objects and arrays', () => {
    assert.equal(reject(STR, {}), 'expected text');
    assert.equal(reject(STR, ['a']), 'expected text');
  });
});

describe('formatValue', () => {
  it('writes undefined as the empty string', () => {
    for (const type of ALL_TYPES) assert.equal(formatValue(type, undefined), '');
  });

  it('writes lists comma-separated and key-values percent-encoded', () => {
    assert.equal(formatValue(EXPORTERS, ['console', 'otlp']), 'console,otlp');
    assert.equal(formatValue(KV, { team: 'a b', x: 'c,d' }), 'team=a%20b,x=c%2Cd');
    assert.equal(formatValue(BOOL, true), 'true');
    assert.equal(formatValue(MS, 5000), '5000');
  });

  it('rejects a NUL in text a child process would get in its environment (found by fuzzing)', () => {
    for (const type of [{ kind: 'string' }, { kind: 'list' }, { kind: 'url' }, { kind: 'patternList' }] as SettingType[]) {
      assert.equal(parseValue(type, 'a\0b', cwd).ok, false, type.kind);
    }
    assert.equal(parseValue({ kind: 'list' }, ['a', 'b\0'], cwd).ok, false);
    // Key-values are percent-encoded for the child: a NUL there is no problem.
    assert.equal(parseValue(KV, { a: 'b\0' }, cwd).ok, true);
  });

  it('rejects an empty key in key-values from a config file, as the text form does (found by fuzzing)', () => {
    assert.equal(parseValue(KV, { '': 'x' }, cwd).ok, false);
    assert.equal(parseKeyValues('=x').ok, false);
    assert.equal(parseValue(KV, { ' ': 'x' }, cwd).ok, true);
  });

  it('writes a lone surrogate (a JSON config file may hold "\\ud800") as U+FFFD instead of throwing (found by fuzzing)', () => {
    assert.equal(formatValue(KV, { a: '\ud800', '\udc00b': 'x\ud83d' }), 'a=%EF%BF%BD,%EF%BF%BDb=x%EF%BF%BD');
    assert.deepEqual({ ...(parseKeyValues('a=%EF%BF%BD') as { value: object }).value }, { a: '\ufffd' });
  });

  describe('round trips: parseValue(type, formatValue(type, v)) gives back v', () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'ts-otel-run-format-')));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const pem = join(dir, 'ca cert.pem');
    writeFileSync(pem, 'pem');

    const roundTrip = (type: SettingType, value: unknown) => {
      const text = formatValue(type, value);
      assert.equal(typeof text, 'string');
      return parseValue(type, text, dir);
    };
    const same = (type: SettingType, value: unknown) => {
      const back = roundTrip(type, value);
      if (!back.ok) assert.fail(`${JSON.stringify(value)} did not survive: ${back.reason}`);
      const got = type.kind === 'keyValues' ? plain(back.value) : back.value;
      assert.deepEqual(got, value, `${type.kind}: ${JSON.stringify(value)} came back as ${JSON.stringify(got)}`);
    };

    it('bool', () => {
      same(BOOL, true);
      same(BOOL, false);
    });

    it('int', () => {
      for (const v of [0, 1, 42, 65535, Number.MAX_SAFE_INTEGER]) same(COUNT, v);
      same(MS, 30000);
    });

    it('number', () => {
      for (const v of [0, 1, 0.5, 0.1 + 0.2, 1e-7, 5e-324, 0.999999999999]) same(RATIO, v);
    });

    it('enum', () => {
      for (const v of ['http/protobuf', 'http/json', 'grpc']) same(PROTOCOL, v);
    });

    it('enumList', () => {
      same(EXPORTERS, ['console', 'otlp']);
      same(EXPORTERS, ['none']);
      same(EXPORTERS, []);
    });

    it('list', () => {
      same(LIST, ['./a.js', 'my pkg', '@scope/x']);
      same(LIST, []);
    });

    it('keyValues with spaces, commas, equals signs, percent signs and non-ASCII in values', () => {
      same(KV, {
        'service.name': 'my shop',
        csv: 'a,b,c',
        eq: 'x=y==',
        pct: '100%',
        encoded: '%20 is a space',
        padded: '  leading and trailing  ',
        empty: '',
        plus: 'a+b',
        unicode: 'ünïcødé ✓',
        auth: 'Bearer abc.def==',
      });
      same(KV, {});
    });

    it(
      'keyValues whose keys (from a config file object) contain commas, equals signs, percent signs or outer spaces',
      () => {
        for (const key of ['a,b', 'a=b', '50%', ' padded ']) {
          const parsed = parseValue(KV, { [key]: 'x' }, dir);
          assert.ok(parsed.ok, 'the object is accepted from a config file');
          same(KV, plain(parsed.value));
        }
      },
    );

    it('url', () => {
      same(URL_T, 'https://collector.example.com:4318/otlp?tenant=a%20b');
      same(URL_T, 'http://localhost:4318');
    });

    it('file', () => {
      same(FILE, pem);
    });

    it('string', () => {
      same(STR, 'hello, world = 100%');
      same(STR, 'x');
    });

    it('values parsed from messy text come back identical after formatting (canonical form is stable)', () => {
      const messy: [SettingType, string][] = [
        [BOOL, ' TRUE '],
        [COUNT, '+007'],
        [RATIO, '.5'],
        [PROTOCOL, ' GRPC '],
        [EXPORTERS, ' OTLP ,console,,otlp '],
        [LIST, 'a, b ,,a'],
        [KV, ' a = x%20y , b=%2C '],
      ];
      for (const [type, raw] of messy) {
        const first = parseValue(type, raw, dir);
        assert.ok(first.ok, raw);
        const text = formatValue(type, first.value);
        const second = parseValue(type, text, dir);
        assert.ok(second.ok, text);
        assert.deepEqual(second.value, first.value, raw);
        assert.equal(formatValue(type, second.value), text, 'formatting is idempotent');
      }
    });
  });
});

describe('describeType', () => {
  it('words each kind for help and error messages', () => {
    assert.equal(describeType(BOOL), 'true or false');
    assert.equal(describeType(COUNT), 'whole number ≥ 0');
    assert.equal(describeType(MS), 'whole number ≥ 0 (milliseconds)');
    assert.equal(describeType(PORT), 'whole number from 0 to 65535');
    assert.equal(describeType({ kind: 'int', min: 1, max: 10, unit: 'ms' }), 'whole number from 1 to 10 (milliseconds)');
    assert.equal(describeType(RATIO), 'number from 0 to 1');
    assert.equal(describeType(PROTOCOL), 'one of http/protobuf, http/json, grpc');
    assert.equal(describeType(EXPORTERS), 'comma-separated list of otlp, console, none');
    assert.equal(describeType(NOTHING_ALLOWED), 'comma-separated list');
    assert.equal(describeType(LIST), 'comma-separated list');
    assert.equal(describeType(KV), 'key=value pairs, comma-separated, values percent-encoded');
    assert.equal(describeType(URL_T), 'an http:// or https:// URL (or host:port, for gRPC)');
    assert.equal(describeType(FILE), 'path of a readable file');
    assert.equal(describeType(STR), 'text');
  });
});
