// Bundles (from tsc's output in dist/src) the two entry points users run into single files: the
// preload (`ts-otel-run/register`) and the CLI. Loading one file instead of two dozen halves the
// preload's start-up time and memory (see test/bench/startup.mjs). Runtime dependencies stay
// external; so do the instrumentations, which the registry loads lazily from
// dist/instrumentations/<id>. require-in-the-middle is bundled into the preload, with its `debug`
// dependency replaced by a no-op (scripts/debug-noop.cjs): the real one costs ~4 ms per start.
//
// The bundles live in dist/bundle/<dir>/, at the same depth as tsc's dist/src/<dir>/, so that a
// relative path such as ../../instrumentations/http means the same in both layouts.
import { build } from 'esbuild';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = (await import(new URL('../package.json', import.meta.url), { with: { type: 'json' } })).default;

const BANNER = `/* ts-otel-run ${pkg.version}. Bundled: require-in-the-middle and module-details-from-path
 * (MIT License, Copyright (c) 2016-2025 Thomas Watson Steen). */`;

/** Resolves `debug` to the no-op stand-in, only for require-in-the-middle's own import. */
const debugNoop = {
  name: 'debug-noop',
  setup(b) {
    b.onResolve({ filter: /^debug$/ }, (args) =>
      args.importer.includes(`${'node_modules'}/require-in-the-middle/`)
        ? { path: fileURLToPath(new URL('./debug-noop.cjs', import.meta.url)) }
        : undefined,
    );
  },
};

/**
 * The project's package.json, which src/version.ts reads its version from, becomes just that
 * version in the bundles: the whole file (dependency lists and all) would be parsed at every start.
 */
const versionOnly = {
  name: 'version-only',
  setup(b) {
    b.onResolve({ filter: /\/package\.json$/ }, (args) =>
      args.importer.endsWith(`${'dist'}/src/version.js`) ? { path: 'package.json', namespace: 'version-only' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'version-only' }, () => ({ contents: JSON.stringify({ version: pkg.version }), loader: 'json' }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20.6',
  absWorkingDir: root,
  external: [...Object.keys(pkg.dependencies), '../../instrumentations/*'],
  logLevel: 'warning',
  legalComments: 'none',
  // Less to parse at every start; names are kept, so stack traces stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  banner: { js: BANNER },
  plugins: [debugNoop, versionOnly],
};

await build({ ...common, entryPoints: ['dist/src/register/register.js'], outfile: 'dist/bundle/register/register.js' });
// The OTLP exporters (encoders, transports) are loaded on the first export, from
// the file next to the preload (src/exporters/otlp/lazy.ts): compiling it at start-up would cost
// every program a few milliseconds.
await build({ ...common, entryPoints: ['dist/src/exporters/otlp/otlp-exporters.js'], outfile: 'dist/bundle/register/otlp-exporters.js' });
writeFileSync(
  new URL('../dist/bundle/register/register.mjs', import.meta.url),
  [
    '// The `--import ts-otel-run/register` entry. Both flavours share one start-once guard.',
    "// Loaded with require, not import: Node's ES module path into a CommonJS file costs tens of ms.",
    "import { createRequire } from 'node:module';",
    "createRequire(import.meta.url)('./register.js');",
    '',
  ].join('\n'),
);
await build({ ...common, entryPoints: ['dist/src/cli/main.js'], outfile: 'dist/bundle/cli/main.js' });
