import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { loadExtraInstrumentations } from '../../../src/agent/extras';
import { resolveConfig } from '../../../src/config/resolve';
import { diag, type Level, setLevel, setSink } from '../../../src/diag';
import { Registry } from '../../../src/instrumentation/registry';
import type { Instrumentation } from '../../../src/instrumentation/types';
import { testServices } from '../../helpers/engine';

/**
 * TS_OTEL_RUN_EXTRA_INSTRUMENTATIONS: the user's own instrumentation modules, loaded at start.
 * The fixtures are .cjs files in the source tree (tsc does not copy them to dist), found from the
 * repository root.
 */

const ROOT = resolve(__dirname, '..', '..', '..', '..');
const FIXTURES = resolve(ROOT, 'test', 'unit', 'agent', 'fixtures');
const fixture = (name: string) => join(FIXTURES, name);

function currentLevel(): Level {
  for (const level of ['verbose', 'debug', 'info', 'warn', 'error'] as const) if (diag.enabled(level)) return level;
  return 'none';
}

let lines: string[] = [];
let restoreDiag: (() => void) | undefined;
const warnings = () => lines.filter((l) => l.startsWith('ts-otel-run: warn: '));

const tmpRoot = mkdtempSync(join(tmpdir(), 'ts-otel-run-extras-test-'));
after(() => rmSync(tmpRoot, { recursive: true, force: true }));

/** A directory with node_modules/<name>/ holding `source` as its main file. */
function projectWithPackage(name: string, source: string, main = 'index.js'): string {
  const dir = mkdtempSync(join(tmpRoot, 'project-'));
  const pkg = join(dir, 'node_modules', ...name.split('/'));
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name, version: '1.0.0', main }));
  writeFileSync(join(pkg, main), source);
  return dir;
}

describe('loadExtraInstrumentations', () => {
  beforeEach(() => {
    lines = [];
    const previousLevel = currentLevel();
    const previousSink = setSink((line) => lines.push(line));
    setLevel('debug');
    restoreDiag = () => {
      setSink(previousSink);
      setLevel(previousLevel);
    };
  });
  afterEach(() => {
    restoreDiag?.();
    restoreDiag = undefined;
  });

  describe('valid modules', () => {
    it('module.exports = { id, targets }: one entry, modules = the unique target modules, not eager', () => {
      const entries = loadExtraInstrumentations(['./valid.cjs'], new Set(), diag, FIXTURES);
      assert.deepEqual(warnings(), []);
      assert.equal(entries.length, 1);
      const e = entries[0]!;
      assert.equal(e.id, 'extras-test-valid');
      assert.deepEqual(e.modules, ['extras-lib-a', 'node:os']);
      assert.equal(e.eager, false);
      // load gives the module's own object.
      const loaded = e.load();
      assert.equal(loaded, require(fixture('valid.cjs')));
      assert.equal(loaded.targets!.length, 3);
    });

    it('exports.default = { ... } (TypeScript/ESM interop shape) is unwrapped', () => {
      const entries = loadExtraInstrumentations(['./default-export.cjs'], new Set(), diag, FIXTURES);
      assert.deepEqual(warnings(), []);
      assert.equal(entries.length, 1);
      assert.equal(entries[0]!.id, 'extras-test-default');
      assert.deepEqual(entries[0]!.modules, ['extras-lib-b']);
      assert.equal(entries[0]!.eager, false);
      assert.equal(entries[0]!.load(), (require(fixture('default-export.cjs')) as { default: unknown }).default);
    });

    it('an instrumentation with only setup is eager, with no modules', () => {
      const entries = loadExtraInstrumentations(['./setup-only.cjs'], new Set(), diag, FIXTURES);
      assert.deepEqual(warnings(), []);
      assert.deepEqual(
        entries.map((e) => ({ id: e.id, modules: e.modules, eager: e.eager })),
        [{ id: 'extras-test-setup-only', modules: [], eager: true }],
      );
    });

    it('an empty targets array is accepted and is eager', () => {
      const entries = loadExtraInstrumentations(['./empty-targets.cjs'], new Set(), diag, FIXTURES);
      assert.deepEqual(warnings(), []);
      assert.equal(entries.length, 1);
      assert.deepEqual(entries[0]!.modules, []);
      assert.equal(entries[0]!.eager, true);
    });

    it('several specs give entries in order; no specs give none', () => {
      assert.deepEqual(loadExtraInstrumentations([], new Set(), diag, FIXTURES), []);
      const entries = loadExtraInstrumentations(
        ['./valid.cjs', './default-export.cjs', './setup-only.cjs'],
        new Set(),
        diag,
        FIXTURES,
      );
      assert.deepEqual(
        entries.map((e) => e.id),
        ['extras-test-valid', 'extras-test-default', 'extras-test-setup-only'],
      );
      assert.deepEqual(lines, []);
    });
  });

  describe('resolution', () => {
    it('relative paths resolve against cwd, not the process working directory', () => {
      assert.notEqual(process.cwd(), FIXTURES);
      const entries = loadExtraInstrumentations(['./valid.cjs'], new Set(), diag, FIXTURES);
      assert.equal(entries[0]?.id, 'extras-test-valid');
      // The same spec from another directory does not find it.
      const elsewhere = mkdtempSync(join(tmpRoot, 'elsewhere-'));
      assert.deepEqual(loadExtraInstrumentations(['./valid.cjs'], new Set(), diag, elsewhere), []);
      assert.equal(warnings().length, 1);
      assert.match(warnings()[0]!, /^ts-otel-run: warn: extra instrumentation '\.\/valid\.cjs' could not be loaded: .*Cannot find module/);
    });

    it('paths with .. and absolute paths are accepted', () => {
      // The cwd need not exist: a path is resolved against it, not looked up from it.
      const missing = join(FIXTURES, '..', 'no-such-dir');
      assert.equal(loadExtraInstrumentations(['../fixtures/valid.cjs'], new Set(), diag, missing)[0]?.id, 'extras-test-valid');
      assert.equal(
        loadExtraInstrumentations([`./${relative(ROOT, fixture('valid.cjs'))}`], new Set(), diag, ROOT)[0]?.id,
        'extras-test-valid',
      );
      assert.equal(loadExtraInstrumentations([fixture('valid.cjs')], new Set(), diag, tmpRoot)[0]?.id, 'extras-test-valid');
      assert.deepEqual(warnings(), []);
    });

    it("package names resolve from cwd's node_modules", () => {
      const project = projectWithPackage(
        'extras-test-package',
        "module.exports = { id: 'extras-test-package', targets: [{ module: 'extras-lib-d', versions: '*', patch() {} }] };",
      );
      const entries = loadExtraInstrumentations(['extras-test-package'], new Set(), diag, project);
      assert.deepEqual(warnings(), []);
      assert.deepEqual(
        entries.map((e) => [e.id, e.modules]),
        [['extras-test-package', ['extras-lib-d']]],
      );
      // Not found from another directory.
      assert.deepEqual(loadExtraInstrumentations(['extras-test-package'], new Set(), diag, tmpRoot), []);
      assert.equal(warnings().length, 1);
      assert.match(warnings()[0]!, /extra instrumentation 'extras-test-package' could not be loaded: .*Cannot find module 'extras-test-package'/);
    });

    it('scoped package names and files inside packages resolve too', () => {
      const project = projectWithPackage(
        '@acme/extras-test',
        "module.exports = { id: 'extras-test-scoped', setup() {} };",
        'main.js',
      );
      writeFileSync(
        join(project, 'node_modules', '@acme', 'extras-test', 'other.js'),
        "exports.default = { id: 'extras-test-subpath', targets: [{ module: 'x', versions: '*', patch() {} }] };",
      );
      const entries = loadExtraInstrumentations(
        ['@acme/extras-test', '@acme/extras-test/other.js'],
        new Set(),
        diag,
        project,
      );
      assert.deepEqual(warnings(), []);
      assert.deepEqual(
        entries.map((e) => e.id),
        ['extras-test-scoped', 'extras-test-subpath'],
      );
    });

    it('a module that is missing gives a warning naming the spec', () => {
      const entries = loadExtraInstrumentations(['./no-such-file.cjs', 'no-such-package-xyz'], new Set(), diag, FIXTURES);
      assert.deepEqual(entries, []);
      assert.equal(warnings().length, 2);
      assert.match(warnings()[0]!, /extra instrumentation '\.\/no-such-file\.cjs' could not be loaded: Error: Cannot find module/);
      assert.match(warnings()[1]!, /extra instrumentation 'no-such-package-xyz' could not be loaded: Error: Cannot find module/);
    });
  });

  describe('bad modules', () => {
    const cases: [spec: string, reason: RegExp][] = [
      ['./throws.cjs', /could not be loaded: Error: this fixture refuses to load$/],
      ['./no-id.cjs', /is not an instrumentation: it has no string 'id'$/],
      ['./targets-not-array.cjs', /is not an instrumentation: 'targets' is not an array$/],
      ['./target-without-patch.cjs', /is not an instrumentation: each target needs 'module', 'versions' and 'patch'$/],
      ['./neither.cjs', /is not an instrumentation: it has neither 'targets' nor 'setup'$/],
      ['./string-export.cjs', /is not an instrumentation: it does not export an object$/],
    ];
    for (const [spec, reason] of cases) {
      it(`${spec}: skipped with one warning naming the spec and the reason`, () => {
        const entries = loadExtraInstrumentations([spec], new Set(), diag, FIXTURES);
        assert.deepEqual(entries, []);
        assert.equal(warnings().length, 1, lines.join(''));
        const line = warnings()[0]!.trimEnd();
        assert.ok(line.startsWith(`ts-otel-run: warn: extra instrumentation '${spec}' `), line);
        assert.match(line, reason);
      });
    }

    it('more shapes that are not instrumentations', () => {
      const cases: [source: string, reason: string][] = [
        ['module.exports = null;', 'it does not export an object'],
        ['module.exports = 42;', 'it does not export an object'],
        ["module.exports = function () {};", 'it does not export an object'],
        ["module.exports = { id: '', setup() {} };", "it has no string 'id'"],
        ["module.exports = { id: 7, setup() {} };", "it has no string 'id'"],
        ["module.exports = { id: 'x', setup: 'not a function' };", "it has neither 'targets' nor 'setup'"],
        ["module.exports = { id: 'x', targets: [null] };", "each target needs 'module', 'versions' and 'patch'"],
        ["module.exports = { id: 'x', targets: [{ module: 'a', patch() {} }] };", "each target needs 'module', 'versions' and 'patch'"],
        ["module.exports = { id: 'x', targets: [{ versions: '*', patch() {} }] };", "each target needs 'module', 'versions' and 'patch'"],
        ["module.exports = { id: 'x', targets: 'a' };", "'targets' is not an array"],
      ];
      const dir = mkdtempSync(join(tmpRoot, 'shapes-'));
      cases.forEach(([source], i) => writeFileSync(join(dir, `shape-${i}.cjs`), source));
      const specs = cases.map((_, i) => `./shape-${i}.cjs`);
      assert.deepEqual(loadExtraInstrumentations(specs, new Set(), diag, dir), []);
      assert.deepEqual(
        warnings(),
        cases.map(
          ([, reason], i) => `ts-otel-run: warn: extra instrumentation './shape-${i}.cjs' is not an instrumentation: ${reason}\n`,
        ),
      );
    });

    it('a bad module does not stop the ones after it', () => {
      const entries = loadExtraInstrumentations(
        ['./throws.cjs', './valid.cjs', './no-id.cjs', './setup-only.cjs'],
        new Set(),
        diag,
        FIXTURES,
      );
      assert.deepEqual(
        entries.map((e) => e.id),
        ['extras-test-valid', 'extras-test-setup-only'],
      );
      assert.equal(warnings().length, 2);
    });
  });

  describe('ids', () => {
    it('an id that is taken is skipped with a warning naming the spec and the id', () => {
      const taken = new Set(['http', 'extras-test-taken']);
      const entries = loadExtraInstrumentations(['./taken-id.cjs', './valid.cjs'], taken, diag, FIXTURES);
      assert.deepEqual(
        entries.map((e) => e.id),
        ['extras-test-valid'],
      );
      assert.deepEqual(warnings(), [
        "ts-otel-run: warn: extra instrumentation './taken-id.cjs' uses the id 'extras-test-taken', which is taken; skipped\n",
      ]);
      // The caller's set is not changed.
      assert.deepEqual([...taken], ['http', 'extras-test-taken']);
    });

    it('of two extras with one id, the first listed wins', () => {
      const entries = loadExtraInstrumentations(['./valid.cjs', './same-id-as-valid.cjs'], new Set(), diag, FIXTURES);
      assert.equal(entries.length, 1);
      assert.deepEqual(entries[0]!.modules, ['extras-lib-a', 'node:os']);
      assert.deepEqual(warnings(), [
        "ts-otel-run: warn: extra instrumentation './same-id-as-valid.cjs' uses the id 'extras-test-valid', which is taken; skipped\n",
      ]);
    });

    it('the same spec twice gives one entry and a warning', () => {
      const entries = loadExtraInstrumentations(['./valid.cjs', './valid.cjs'], new Set(), diag, FIXTURES);
      assert.equal(entries.length, 1);
      assert.equal(warnings().length, 1);
      assert.match(warnings()[0]!, /'\.\/valid\.cjs' uses the id 'extras-test-valid', which is taken/);
    });
  });

  describe('with the registry', () => {
    it('the entries drive a Registry: lazy ones patch their module, eager ones are set up at start', () => {
      const dir = mkdtempSync(join(tmpRoot, 'registry-'));
      writeFileSync(
        join(dir, 'lazy.cjs'),
        `module.exports = {
           id: 'extras-test-lazy',
           targets: [{ module: 'extras-lib-e', versions: '*', patch(exports, ctx) {
             ctx.shimmer.wrap(exports, 'greet', (original) => function (n) { return original.call(this, n) + ' [extra]'; });
           } }],
         };`,
      );
      writeFileSync(
        join(dir, 'eager.cjs'),
        "let n = 0; module.exports = { id: 'extras-test-eager', setup() { n++; }, get setups() { return n; } };",
      );
      const entries = loadExtraInstrumentations(['./lazy.cjs', './eager.cjs'], new Set(), diag, dir);
      assert.deepEqual(warnings(), []);
      const config = resolveConfig({ env: {}, cwd: process.cwd() }).config;
      const registry = new Registry(entries, config, diag, testServices());
      assert.deepEqual(registry.moduleNames(), ['extras-lib-e']);
      registry.startEager();
      const eager = require(join(dir, 'eager.cjs')) as Instrumentation & { setups: number };
      assert.equal(eager.setups, 1);
      const exports = { greet: (n: string) => `hello ${n}` };
      registry.onModule('extras-lib-e', exports, undefined, 'commonjs');
      assert.equal(exports.greet('x'), 'hello x [extra]');
      assert.deepEqual(
        registry.report().map((r) => r.id),
        ['extras-test-lazy'],
      );
    });
  });
});
