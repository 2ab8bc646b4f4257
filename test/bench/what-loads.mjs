// What the preload loads at start-up for a trivial program, grouped by package.
//
// Runs `node --import dist/bundle/register/register.mjs -e "<code>"`, where the code prints, at exit,
// the keys of require('module')._cache: every file loaded through require (CommonJS, and on Node
// versions with require(esm) the ES modules loaded through require). ES modules loaded through
// `import` (such as the register.mjs entry itself) and anything loaded on a module.register()
// loader thread are not in that cache, so they are not listed.
//
// The run happens in an empty temporary directory holding only a package.json without a
// "ts-otel-run" key (so there is no config file), with OTEL_*, TS_OTEL_RUN_*, NODE_OPTIONS and
// NODE_EXTRA_CA_CERTS removed from the environment and the three exporters set to none. Then it
// prints PASS/FAIL for the project's rules about what must not load when there is no config file:
// no instrumentation code, no @grpc/grpc-js, no protobufjs, no cosmiconfig. The lines are
// informational: the exit status is 0 unless the run itself failed.
//
// Usage: node test/bench/what-loads.mjs [--node PATH]

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const REGISTER_MJS = join(ROOT, 'dist/bundle/register/register.mjs');
// Host settings that change how node itself starts (as in startup.mjs).
const DROPPED_ENV = ['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS'];
const PROJECT = 'ts-otel-run (this project)';

const PROBE = [
  "const m = require('module');",
  'process.on(\'exit\', () => console.log(JSON.stringify({ node: process.version, files: Object.keys(m._cache) })));',
].join(' ');

function usage(message) {
  process.stderr.write(`what-loads.mjs: ${message}\nusage: node test/bench/what-loads.mjs [--node PATH]\n`);
  process.exit(2);
}

function parseArgs(argv) {
  let node = process.execPath;
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].includes('=') ? argv[i].split(/=(.*)/s, 2) : [argv[i], undefined];
    if (name !== '--node') usage(`unknown argument: ${argv[i]}`);
    node = resolve(inline ?? argv[++i] ?? usage('--node needs a value'));
    if (!existsSync(node)) usage(`--node: no such file: ${node}`);
  }
  return { node };
}

function cleanEnv() {
  const env = { ...process.env };
  for (const key of DROPPED_ENV) delete env[key];
  for (const key of Object.keys(env)) {
    if (key.startsWith('OTEL_') || key.startsWith('TS_OTEL_RUN_')) delete env[key];
  }
  return { ...env, OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' };
}

/** Runs the probe under the preload and returns the loaded files. */
function loadedFiles(node) {
  const cwd = mkdtempSync(join(tmpdir(), 'ts-otel-run-what-loads-'));
  try {
    writeFileSync(join(cwd, 'package.json'), '{"name":"what-loads-app","private":true}\n');
    const out = execFileSync(node, ['--import', REGISTER_MJS, '-e', PROBE], { cwd, env: cleanEnv(), encoding: 'utf8' });
    return JSON.parse(out.trim().split('\n').pop());
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

/** The package a file belongs to: the last node_modules/<pkg> (or @scope/pkg) in its path. */
function packageOf(file) {
  const parts = file.split(sep);
  const at = parts.lastIndexOf('node_modules');
  if (at !== -1 && parts[at + 1]) {
    return parts[at + 1].startsWith('@') ? `${parts[at + 1]}/${parts[at + 2]}` : parts[at + 1];
  }
  if (file.startsWith(ROOT + sep)) return PROJECT;
  return '(other)';
}

function group(files) {
  const groups = new Map();
  for (const file of files) {
    const pkg = packageOf(file);
    if (!groups.has(pkg)) groups.set(pkg, []);
    groups.get(pkg).push(file);
  }
  return groups;
}

function bytes(file) {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function printGroups(groups) {
  for (const [pkg, files] of groups) {
    const kib = files.reduce((n, f) => n + bytes(f), 0) / 1024;
    console.log(`${pkg}: ${files.length} file(s), ${kib.toFixed(1)} KiB of source`);
    for (const f of files) {
      const shown = pkg === PROJECT ? relative(ROOT, f) : f.slice(f.lastIndexOf(`node_modules${sep}`) + 13) || f;
      console.log(`  ${shown}`);
    }
  }
}

/** Instrumentation code lives under an instrumentations/ folder, or in an *instrumentation* package. */
function isInstrumentationCode(file) {
  const pkg = packageOf(file);
  if (pkg !== PROJECT && pkg !== '(other)' && /instrumentation/.test(pkg)) return true;
  return file.split(sep).includes('instrumentations');
}

const RULES = [
  { name: 'no instrumentation code', offends: isInstrumentationCode },
  { name: 'no @grpc/grpc-js', offends: (f) => packageOf(f) === '@grpc/grpc-js' },
  { name: 'no protobufjs', offends: (f) => packageOf(f) === 'protobufjs' || packageOf(f).startsWith('@protobufjs/') },
  { name: 'no cosmiconfig (no config file here)', offends: (f) => packageOf(f) === 'cosmiconfig' },
];

function main() {
  const { node } = parseArgs(process.argv.slice(2));
  if (!existsSync(REGISTER_MJS)) throw new Error(`missing ${REGISTER_MJS} (build first: npx tsc -p .)`);
  const { node: version, files } = loadedFiles(node);
  const groups = group(files);
  console.log(`Loaded through require by \`node --import register.mjs\` for a trivial program (${version}, ${node}):`);
  console.log(`${files.length} file(s) in ${groups.size} group(s). Not listed: ES modules loaded through import ` +
    '(register.mjs itself, for one) and anything loaded on a module.register() loader thread.\n');
  printGroups(groups);
  console.log('');
  for (const rule of RULES) {
    const hits = files.filter(rule.offends);
    const detail = hits.length ? `: ${hits.map((f) => relative(ROOT, f)).join(', ')}` : '';
    console.log(`${hits.length ? 'FAIL' : 'PASS'} ${rule.name}${detail}`);
  }
}

try {
  main();
} catch (e) {
  process.stderr.write(`what-loads.mjs: ${e instanceof Error ? e.message : e}\n`);
  process.exit(1);
}
