/**
 * The resource: the attributes describing the process that produces the telemetry.
 *
 * Precedence, highest first:
 *  1. telemetry.sdk.name / .language / .version: always this engine's, nothing overrides them;
 *  2. service.name and service.version, by the rule of ./service (OTEL_SERVICE_NAME, else
 *     service.name in OTEL_RESOURCE_ATTRIBUTES, else the program's package.json, else
 *     unknown_service:node), whatever the detectors;
 *  3. OTEL_RESOURCE_ATTRIBUTES (the 'env' detector);
 *  4. the other detectors (host, os, process, serviceinstance, container, k8s);
 *  5. defaults: telemetry.distro.name / .version (which OTEL_RESOURCE_ATTRIBUTES may replace, for a
 *     distribution built on this one).
 *
 * OTEL_NODE_RESOURCE_DETECTORS picks the detectors: 'all' anywhere means every one, else 'none'
 * anywhere means none, else those listed. It runs once, at start-up, synchronously.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import * as os from 'node:os';
import type { Config } from '../config/settings';
import { diag } from '../diag';
import type { Attributes, Resource } from '../trace/types';
import { VERSION } from '../version';
import {
  containerDetector,
  type DetectContext,
  type Detector,
  hostDetector,
  k8sDetector,
  osDetector,
  processDetector,
  serviceInstanceDetector,
  type SystemInfo,
} from './detectors';
import { type PackageInfo, programPackage } from './package-json';
import {
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
  ATTR_TELEMETRY_DISTRO_NAME,
  ATTR_TELEMETRY_DISTRO_VERSION,
  ATTR_TELEMETRY_SDK_LANGUAGE,
  ATTR_TELEMETRY_SDK_NAME,
  ATTR_TELEMETRY_SDK_VERSION,
  TELEMETRY_SDK_LANGUAGE_VALUE_NODEJS,
} from './semconv';
import { serviceIdentity } from './service';

export type { SystemInfo } from './detectors';

const log = diag.child('resource');

export const SDK_NAME = 'ts-otel-run';

/** Every detector, in the order they run (a later one would win a shared key; none share any). */
export const DETECTOR_NAMES = ['host', 'os', 'process', 'container', 'k8s', 'serviceinstance', 'env'] as const;
export type DetectorName = (typeof DETECTOR_NAMES)[number];

const DETECTORS: Readonly<Record<Exclude<DetectorName, 'env'>, Detector>> = {
  host: hostDetector,
  os: osDetector,
  process: processDetector,
  container: containerDetector,
  k8s: k8sDetector,
  serviceinstance: serviceInstanceDetector,
};

const SDK_KEYS: ReadonlySet<string> = new Set([ATTR_TELEMETRY_SDK_NAME, ATTR_TELEMETRY_SDK_LANGUAGE, ATTR_TELEMETRY_SDK_VERSION]);

export interface ResourceOptions {
  /** The environment the k8s detector reads (default process.env). OTEL_* settings come from the config. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Reads a small local file's text, or throws (default: a bounded synchronous read). */
  readonly readFile?: (path: string) => string;
  /** Replaces some or all of the OS calls (default node:os). */
  readonly system?: Partial<SystemInfo>;
  /** The program's package.json; null for none (default: found from the entry script). */
  readonly pkg?: PackageInfo | null;
}

/** The detectors OTEL_NODE_RESOURCE_DETECTORS turns on. */
export function enabledDetectors(list: readonly string[]): ReadonlySet<DetectorName> {
  if (list.includes('all')) return new Set(DETECTOR_NAMES);
  if (list.includes('none')) return new Set();
  return new Set(DETECTOR_NAMES.filter((name) => list.includes(name)));
}

const MAX_FILE_BYTES = 1 << 20;
const CHUNK_BYTES = 64 * 1024;

/**
 * The text of a local file, at most 1 MiB of it (procfs files report a size of 0, so the size is
 * not asked for: read until the end or the limit).
 */
export function readSmallFile(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    while (total < MAX_FILE_BYTES) {
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, MAX_FILE_BYTES - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
      total += n;
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * The user name of this process from /etc/passwd itself. os.userInfo() asks the system's user
 * database, which on hosts set up with LDAP or SSSD goes over the network: no detector may.
 */
function localUserName(): { readonly username: string } {
  const uid = process.getuid?.();
  if (uid === undefined) throw new Error('no uid on this platform');
  for (const line of readSmallFile('/etc/passwd').split('\n')) {
    const fields = line.split(':');
    if (fields.length >= 3 && Number(fields[2]) === uid && fields[0]) return { username: fields[0] };
  }
  throw new Error(`uid ${uid} is not in /etc/passwd`);
}

const NODE_SYSTEM: SystemInfo = {
  hostname: () => os.hostname(),
  arch: () => os.arch(),
  platform: () => os.platform(),
  release: () => os.release(),
  version: () => os.version(),
  userInfo: localUserName,
};

const NO_PACKAGE: PackageInfo = { path: '' };

function findPackage(): PackageInfo | undefined {
  try {
    return programPackage();
  } catch (error) {
    log.debug(`package.json skipped: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

/** The resource of this process, from the configuration and the enabled detectors. Never throws. */
export function createResource(config: Config, options: ResourceOptions = {}): Resource {
  const ctx: DetectContext = {
    env: options.env ?? process.env,
    read: options.readFile ?? readSmallFile,
    system: { ...NODE_SYSTEM, ...options.system },
  };
  const enabled = enabledDetectors(config.OTEL_NODE_RESOURCE_DETECTORS);

  const detected: Attributes = {
    [ATTR_TELEMETRY_DISTRO_NAME]: SDK_NAME,
    [ATTR_TELEMETRY_DISTRO_VERSION]: VERSION,
  };
  for (const name of DETECTOR_NAMES) {
    if (name === 'env' || !enabled.has(name)) continue;
    try {
      Object.assign(detected, DETECTORS[name](ctx));
    } catch (error) {
      // The detectors guard every call they make; this is the last line of defence.
      log.debug(`detector ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (enabled.has('env')) {
    for (const [key, value] of Object.entries(config.OTEL_RESOURCE_ATTRIBUTES ?? {})) {
      if (SDK_KEYS.has(key)) {
        log.debug(`OTEL_RESOURCE_ATTRIBUTES: ${key} ignored: it always describes this SDK`);
        continue;
      }
      detected[key] = value;
    }
  }

  const pkg = options.pkg === undefined ? findPackage() : options.pkg;
  // serviceIdentity looks the package up itself when given undefined: "none" is a package without a name.
  const service = serviceIdentity(config, pkg ?? NO_PACKAGE);
  const attributes: Attributes = {
    [ATTR_SERVICE_NAME]: service.name,
    ...(service.version === undefined ? {} : { [ATTR_SERVICE_VERSION]: service.version }),
  };
  for (const [key, value] of Object.entries(detected)) {
    if (key !== ATTR_SERVICE_NAME && key !== ATTR_SERVICE_VERSION) attributes[key] = value;
  }
  attributes[ATTR_TELEMETRY_SDK_NAME] = SDK_NAME;
  attributes[ATTR_TELEMETRY_SDK_LANGUAGE] = TELEMETRY_SDK_LANGUAGE_VALUE_NODEJS;
  attributes[ATTR_TELEMETRY_SDK_VERSION] = VERSION;
  return { attributes: Object.freeze(attributes) };
}
