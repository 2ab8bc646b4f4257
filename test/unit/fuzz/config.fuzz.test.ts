// Property-based tests of configuration parsing: the environment, flags and config files are read
// before the program's first line, so whatever they hold, resolving them must not throw. An invalid
// value is a problem naming the setting, the value (masked when secret) and what is allowed, and
// the setting keeps its default. Every property runs with a fixed seed.
import { strict as assert } from 'node:assert';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import * as fc from 'fast-check';
import { type LoadedFile, loadConfigFile, loadConfigFileSync } from '../../../src/config/file';
import { describeType, formatValue, parseKeyValues, parseValue } from '../../../src/config/parse';
import { resolveConfig, settingsToEnv } from '../../../src/config/resolve';
import { flagName, NAME_BY_KEY, SETTING_NAMES, SETTINGS, type SettingDef, type SettingName } from '../../../src/config/settings';

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'ts-otel-run-config-fuzz-')));
after(() => rmSync(dir, { recursive: true, force: true }));
const CONFIG_PATH = join(dir, '.ts-otel-runrc.json');

const KEY_VALUE_SETTINGS = SETTING_NAMES.filter((n) => SETTINGS[n].type.kind === 'keyValues');
const SECRET = 'S3CR3T';
/** JSON.stringify writes a lone surrogate as a \\uXXXX escape. */
const LONE_SURROGATE = /\\ud[89a-f][0-9a-f]{2}/;

// --- arbitraries ------------------------------------------------------------------------------

const PIECES = [...'=,%;: \t', '\r', '\n', '\0', '%2', '%zz', '%C3', '%ED%A0%80', '%E2%82%AC', '%25', '%3D', '%2C', 'é', '\ud800', '😀', 'a', 'k', 'v', '1'];
const nearKeyValues = fc.string({ unit: fc.constantFrom(...PIECES), maxLength: 60 });
const keyValueText = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  nearKeyValues,
  fc.array(fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 })), { maxLength: 6 }).map((pairs) =>
    pairs.map(([k, v]) => `${k}=${v}`).join(','),
  ),
);

/** Text close to what each kind of setting accepts, and text far from it. */
function textFor(def: SettingDef): fc.Arbitrary<string> {
  const t = def.type;
  const near: fc.Arbitrary<string>[] = [];
  switch (t.kind) {
    case 'enum':
    case 'enumList':
      near.push(fc.constantFrom(...t.values, ...t.values.map((v) => ` ${v.toUpperCase()} `), 'none,', ',', 'x'));
      near.push(fc.subarray([...t.values, 'bogus', ' ', '']).map((vs) => vs.join(',')));
      break;
    case 'int':
    case 'number':
      near.push(
        fc.oneof(
          fc.integer().map(String),
          fc.double().map(String),
          fc.constantFrom('+1', '-1', '1e3', '1.', '.5', '0x10', '1_000', '٣', ' 7 ', '9'.repeat(30), 'NaN', 'Infinity', '-0', '00012'),
        ),
      );
      break;
    case 'bool':
      near.push(fc.constantFrom('true', 'FALSE', ' True ', '1', '0', 'yes', 'on', 'tru'));
      break;
    case 'keyValues':
      near.push(keyValueText);
      break;
    case 'url':
      near.push(fc.oneof(fc.webUrl(), fc.constantFrom('localhost:4317', '[::1]:4317', 'ftp://x', 'http://u:p@h', 'http://', '::', 'host:99999')));
      break;
    case 'patternList':
      near.push(fc.constantFrom('(', '[a-', '/health,/metrics$', '(?<a>x)(?<a>y)', '\\', '*', 'a{2,1}'));
      break;
    case 'file':
      near.push(fc.constantFrom('.', '..', '/', '/dev/null', 'nope.pem', '\0', 'a\0b', '~/x'));
      break;
    default:
      break;
  }
  return fc.oneof(
    { arbitrary: fc.string({ maxLength: 40 }), weight: 2 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 1 },
    { arbitrary: fc.string({ minLength: 300, maxLength: 600 }), weight: 1 },
    ...near.map((arbitrary) => ({ arbitrary, weight: 4 })),
  );
}

/** An environment setting some of the settings, each to text that may or may not be valid. */
const environment = fc
  .subarray(SETTING_NAMES, { maxLength: 20 })
  .chain((names) => fc.tuple(...names.map((n) => textFor(SETTINGS[n]).map((v) => [n, v] as const))))
  .map((pairs) => Object.fromEntries(pairs) as Record<string, string>);

/** What the resolution must say about one invalid value: where, which value, what is allowed. */
function checkProblem(name: SettingName, raw: unknown, message: string): void {
  const def: SettingDef = SETTINGS[name];
  assert.ok(message.startsWith(`${name}: invalid value '`), message);
  if (def.secret) {
    assert.ok(message.includes("'***'"), message);
  } else if (typeof raw === 'string' && def.type.kind !== 'url') {
    assert.ok(message.includes(raw.slice(0, 200)), message);
  }
  switch (def.type.kind) {
    case 'enum':
      assert.ok(message.includes(def.type.values.join(', ')), message);
      break;
    case 'enumList':
      assert.ok(message.includes('allowed: '), message);
      break;
    case 'int':
    case 'number':
      assert.ok(message.includes(describeType(def.type)), message);
      break;
    case 'bool':
      assert.ok(message.includes('true or false'), message);
      break;
    default:
      break;
  }
}

function checkKeyValues(value: unknown): void {
  assert.equal(typeof value, 'object');
  for (const [k, v] of Object.entries(value as object)) {
    assert.equal(typeof k, 'string');
    assert.equal(typeof v, 'string');
  }
}

// --- properties -------------------------------------------------------------------------------

describe('configuration, property-based', () => {
  it('key=value lists (resource attributes, OTLP headers): any text parses or is rejected, never throws', () => {
    fc.assert(
      fc.property(keyValueText, (text) => {
        const parsed = parseKeyValues(text);
        if (parsed.ok) checkKeyValues(parsed.value);
        else assert.equal(typeof parsed.reason, 'string');
      }),
      { seed: 0xc0f01, numRuns: 500 },
    );
  });

  it('key=value lists: a rejection never quotes a value (they may be secrets)', () => {
    const value = fc.string({ unit: fc.constantFrom(...PIECES), maxLength: 12 }).map((v) => `${SECRET}${v}`);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.stringMatching(/^[a-z]{1,6}$/), value), { minLength: 1, maxLength: 5 }), (pairs) => {
        const parsed = parseKeyValues(pairs.map(([k, v]) => `${k}=${v}`).join(','));
        if (!parsed.ok) assert.ok(!parsed.reason.includes(SECRET), parsed.reason);
      }),
      { seed: 0xc0f02, numRuns: 300 },
    );
  });

  it('key=value lists: what is parsed is written back for a child process and parsed the same', () => {
    const type = SETTINGS.OTEL_RESOURCE_ATTRIBUTES.type;
    const pairs = fc.dictionary(fc.string({ unit: 'binary', minLength: 1, maxLength: 10 }), fc.string({ unit: 'binary', maxLength: 10 }), { maxKeys: 5 });
    fc.assert(
      fc.property(fc.oneof(keyValueText.map((t) => parseKeyValues(t)), pairs.map((o) => parseValue(type, o, dir))), (parsed) => {
        if (!parsed.ok) return;
        const text = formatValue(type, parsed.value);
        const again = parseKeyValues(text);
        assert.ok(again.ok, text);
        // Keys and values are trimmed when parsed: compare what survives a first round.
        const trimmed = Object.fromEntries(
          Object.entries(parsed.value as Record<string, string>)
            .map(([k, v]) => [k.trim(), v.trim()])
            .filter(([k]) => k !== ''),
        );
        if (Object.keys(trimmed).length === Object.keys(parsed.value as object).length) {
          assert.equal(Object.keys(again.value as object).length, Object.keys(trimmed).length);
        }
        checkKeyValues(again.value);
      }),
      { seed: 0xc0f03, numRuns: 300 },
    );
  });

  it('the environment: any text in any setting resolves; an invalid value is reported and the default used', () => {
    fc.assert(
      fc.property(environment, (env) => {
        const resolution = resolveConfig({ env, cwd: dir });
        const reported = new Map(resolution.problems.map((p) => [p.setting, p]));
        for (const name of SETTING_NAMES) {
          const def: SettingDef = SETTINGS[name];
          const raw = env[name];
          const problem = reported.get(name);
          if (problem) {
            checkProblem(name, raw, problem.message);
            assert.equal(problem.source, 'env');
            assert.equal(resolution.sources[name], 'default');
            assert.deepEqual(resolution.config[name], def.default, name);
          } else if (resolution.sources[name] === 'env') {
            const parsed = parseValue(def.type, raw, dir);
            assert.ok(parsed.ok);
            assert.deepEqual(resolution.config[name], parsed.value);
            if (def.type.kind === 'keyValues') checkKeyValues(resolution.config[name]);
          } else {
            assert.deepEqual(resolution.config[name], def.default, name);
          }
        }
        assert.ok(Object.isFrozen(resolution.config));
      }),
      { seed: 0xc0f04, numRuns: 300 },
    );
  });

  it('secret settings never echo their values, valid or not (header names are not secret)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SETTING_NAMES.filter((n) => (SETTINGS[n] as SettingDef).secret)), nearKeyValues, (name, noise) => {
        const raw = SETTINGS[name].type.kind === 'keyValues' ? `k=${SECRET}${noise}` : `${SECRET}${noise}`;
        const resolution = resolveConfig({ env: { [name]: raw }, cwd: dir });
        for (const p of resolution.problems) assert.ok(!p.message.includes(SECRET), p.message);
      }),
      { seed: 0xc0f05, numRuns: 200 },
    );
  });

  /** Config file keys: real ones in both spellings, near misses, and anything. */
  const fileKey = fc.oneof(
    { arbitrary: fc.constantFrom(...NAME_BY_KEY.keys()), weight: 4 },
    { arbitrary: fc.constantFrom('check', 'config', '__proto__', 'constructor', 'toString', 'OTEL_SERVICE_NAME'), weight: 1 },
    { arbitrary: fc.string({ maxLength: 30 }), weight: 1 },
  );
  /** What JSON and YAML files can hold. */
  const surrogates = fc.string({ unit: fc.constantFrom('a', ',', '=', '%', ' ', '\0', '\ud800', '\udc00', '😀'), maxLength: 8 });
  const jsonValue = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
    surrogates,
    fc.dictionary(surrogates, surrogates, { maxKeys: 3 }),
  );
  /** What a JavaScript config file can hold besides: functions, bigints, symbols, cycles, maps. */
  const jsValue = fc.oneof(
    fc.anything({
      maxDepth: 2,
      withBigInt: true,
      withBoxedValues: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withTypedArray: true,
      withSparseArray: true,
      withDate: true,
    }),
    fc.constantFrom<unknown>(
      () => 'x',
      Symbol('s'),
      10n,
      (() => {
        const cycle: Record<string, unknown> = {};
        cycle.self = cycle;
        return cycle;
      })(),
      { a: 1n },
      {
        toJSON() {
          throw new Error('toJSON');
        },
      },
    ),
  );

  function checkFileResolution(values: Record<string, unknown>, env: Record<string, string> = {}): void {
    const file: LoadedFile = { path: CONFIG_PATH, values };
    const resolution = resolveConfig({ env, cwd: dir, file });
    for (const p of resolution.problems) {
      assert.equal(typeof p.message, 'string');
      assert.ok(p.message.startsWith(CONFIG_PATH) || (p.setting !== undefined && p.message.startsWith(p.setting)), p.message);
      if (p.setting && (SETTINGS[p.setting] as SettingDef).secret) assert.ok(!p.message.includes(SECRET), p.message);
    }
    for (const name of SETTING_NAMES) {
      const source = resolution.sources[name];
      if (source === 'default') assert.deepEqual(resolution.config[name], (SETTINGS[name] as SettingDef).default);
      if (SETTINGS[name].type.kind === 'keyValues' && resolution.config[name] !== undefined) checkKeyValues(resolution.config[name]);
    }
    // What the launcher gives a child process: text for every setting taken from the file, which
    // the child (the preload) resolves to the same values, without a problem.
    const childEnv = settingsToEnv(resolution);
    for (const [k, v] of Object.entries(childEnv)) {
      assert.equal(typeof v, 'string', k);
      assert.ok(!v.includes('\0'), `${k} holds NUL`);
    }
    const child = resolveConfig({ env: { ...env, ...childEnv }, cwd: dir });
    assert.deepEqual(child.problems, [], JSON.stringify(childEnv));
    for (const name of SETTING_NAMES) {
      if (resolution.sources[name] !== 'file') continue;
      // A lone surrogate has no UTF-8 form: the child gets U+FFFD in its place.
      if (LONE_SURROGATE.test(JSON.stringify(resolution.config[name]))) continue;
      const value = resolution.config[name];
      // No pairs is written as nothing, which the child reads as unset: the same to every user.
      if (SETTINGS[name].type.kind === 'keyValues' && Object.keys(value as object).length === 0) {
        assert.equal(child.config[name], undefined);
        continue;
      }
      assert.deepEqual(child.config[name], value, name);
    }
  }

  it('config file values of any JSON shape: resolving never throws, problems are clear messages', () => {
    fc.assert(
      fc.property(fc.dictionary(fileKey, jsonValue, { maxKeys: 8 }), (values) => checkFileResolution(values)),
      { seed: 0xc0f06, numRuns: 400 },
    );
  });

  it('config file values a JavaScript config can hold (functions, bigints, cycles): never throws', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...NAME_BY_KEY.keys()), jsValue, { maxKeys: 6 }), (values) => checkFileResolution(values)),
      { seed: 0xc0f07, numRuns: 300 },
    );
  });

  it('key=value settings as objects in a config file, any keys and values: never throws', () => {
    const headers = fc.dictionary(fc.string({ unit: 'binary', maxLength: 10 }), fc.oneof(jsonValue, fc.string({ unit: 'binary', maxLength: 10 })), { maxKeys: 5 });
    fc.assert(
      fc.property(fc.constantFrom(...KEY_VALUE_SETTINGS), headers, (name, value) => checkFileResolution({ [flagName(name)]: value })),
      { seed: 0xc0f08, numRuns: 300 },
    );
  });

  it('unknown keys of any length are reported, quickly (a hang on a huge key would be a bug)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 200_000 }), (piece, n) => {
        const key = piece.repeat(Math.ceil(n / piece.length));
        const start = process.hrtime.bigint();
        const resolution = resolveConfig({ env: {}, cwd: dir, file: { path: CONFIG_PATH, values: { [key]: 1 } } });
        // Generous: before the fix, a 200 000-character key took seconds on its own.
        assert.ok(process.hrtime.bigint() - start < 1_000_000_000n, `${key.length} characters`);
        if (!NAME_BY_KEY.has(key)) assert.equal(resolution.problems.length, 1);
      }),
      { seed: 0xc0f0a, numRuns: 15 },
    );
  });

  it('config files holding any text: the loaders return an object of settings or throw a message naming the file', async () => {
    const text = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.dictionary(fileKey, jsonValue, { maxKeys: 5 }).map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 60 }),
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.constantFrom('', ' ', '{', '[]', 'null', '"x"', '{"a":}', '\ufeff{}', '{"service_name": 1e999}', 'a: [', '- 1', '!!js/function "x"', 'x: &a [*a]'),
    );
    let n = 0;
    await fc.assert(
      fc.asyncProperty(text, fc.constantFrom('.ts-otel-runrc.json', '.ts-otel-runrc.yaml', '.ts-otel-runrc'), async (content, name) => {
        const path = join(dir, `${n++}-${name}`);
        writeFileSync(path, content);
        for (const load of [loadConfigFileSync, loadConfigFile]) {
          let loaded: LoadedFile | undefined;
          try {
            loaded = await load(path);
          } catch (e) {
            assert.ok(e instanceof Error, `not an Error: ${String(e)}`);
            assert.ok(e.message.includes(path), e.message);
            continue;
          }
          assert.equal(loaded.path, path);
          assert.ok(typeof loaded.values === 'object' && loaded.values !== null && !Array.isArray(loaded.values));
          checkFileResolution(loaded.values);
        }
        rmSync(path, { force: true });
      }),
      { seed: 0xc0f09, numRuns: 120 },
    );
  });
});
