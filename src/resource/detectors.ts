/**
 * The resource detectors other than 'env' (OTEL_RESOURCE_ATTRIBUTES, applied in index.ts).
 *
 * Each is synchronous and cheap: process fields, a few os.* calls, and small local files. None
 * touches the network or starts a process. Every file read and OS call is guarded: a failure skips
 * the attribute it was for (with a debug line), never throws.
 *
 * Never read, on purpose: process.argv, process.execArgv, process.title and /proc/self/cmdline, so
 * that neither process.command_line nor process.command_args nor anything else can carry the
 * program's arguments (they may hold secrets) into telemetry.
 */
import { basename } from 'node:path';
import { diag } from '../diag';
import { detectContainerId } from './container';
import {
  ATTR_CONTAINER_ID,
  ATTR_HOST_ARCH,
  ATTR_HOST_ID,
  ATTR_HOST_NAME,
  ATTR_K8S_CONTAINER_NAME,
  ATTR_K8S_NAMESPACE_NAME,
  ATTR_K8S_NODE_NAME,
  ATTR_K8S_POD_NAME,
  ATTR_K8S_POD_UID,
  ATTR_OS_DESCRIPTION,
  ATTR_OS_NAME,
  ATTR_OS_TYPE,
  ATTR_OS_VERSION,
  ATTR_PROCESS_EXECUTABLE_NAME,
  ATTR_PROCESS_EXECUTABLE_PATH,
  ATTR_PROCESS_OWNER,
  ATTR_PROCESS_PARENT_PID,
  ATTR_PROCESS_PID,
  ATTR_PROCESS_RUNTIME_DESCRIPTION,
  ATTR_PROCESS_RUNTIME_NAME,
  ATTR_PROCESS_RUNTIME_VERSION,
  ATTR_SERVICE_INSTANCE_ID,
} from './semconv';
import type { Attributes } from '../trace/types';

const log = diag.child('resource');

/** The OS calls the detectors make; injectable for tests. Each may throw. */
export interface SystemInfo {
  hostname(): string;
  /** As `os.arch()`: 'x64', 'arm64', 'ia32'… */
  arch(): string;
  /** As `os.platform()`: 'linux', 'darwin', 'win32'… */
  platform(): string;
  /** As `os.release()`: the kernel release. */
  release(): string;
  /** As `os.version()`: the kernel version text ('Windows 10 Pro' on Windows). */
  version(): string;
  userInfo(): { readonly username: string };
}

/** What a detector may look at. */
export interface DetectContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Returns the text of a small local file, or throws. */
  readonly read: (path: string) => string;
  readonly system: SystemInfo;
}

export type Detector = (ctx: DetectContext) => Attributes;

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `f()`, or undefined when it throws or gives nothing usable. */
function attempt<T>(what: string, f: () => T): T | undefined {
  try {
    return f();
  } catch (error) {
    log.debug(`${what} skipped: ${describe(error)}`);
    return undefined;
  }
}

function put(attrs: Attributes, key: string, value: string | number | undefined): void {
  if (typeof value === 'string' ? value !== '' : Number.isFinite(value)) attrs[key] = value!;
}

function readTrimmed(ctx: DetectContext, path: string): string | undefined {
  return attempt(`reading ${path}`, () => ctx.read(path).trim()) || undefined;
}

// ---------------------------------------------------------------------------------------------
// host

/** os.arch() → host.arch: the semantic conventions' values where one fits, else Node's name. */
export function hostArch(nodeArch: string): string {
  switch (nodeArch) {
    case 'x64':
      return 'amd64';
    case 'arm':
      return 'arm32';
    case 'ia32':
      return 'x86';
    case 'ppc':
      return 'ppc32';
    default:
      return nodeArch; // arm64, ppc64, s390x as they are; riscv64, loong64, mips… have no value yet
  }
}

const BSDS = new Set(['freebsd', 'openbsd', 'netbsd', 'dragonflybsd']);

/** Files the semantic conventions name as the machine id, by OS, in order (non-privileged only). */
export function machineIdFiles(platform: string): readonly string[] {
  if (platform === 'linux') return ['/etc/machine-id', '/var/lib/dbus/machine-id'];
  if (BSDS.has(platform)) return ['/etc/hostid'];
  // macOS (ioreg) and Windows (the registry) need another process: not worth it at start-up.
  return [];
}

function machineId(ctx: DetectContext, platform: string | undefined): string | undefined {
  if (platform === undefined) return undefined;
  for (const path of machineIdFiles(platform)) {
    const id = readTrimmed(ctx, path);
    // systemd writes 'uninitialized' during early boot; an empty file is a template image's.
    if (id && id !== 'uninitialized' && !/\s/.test(id)) return id;
  }
  return undefined;
}

export const hostDetector: Detector = (ctx) => {
  const attrs: Attributes = {};
  put(attrs, ATTR_HOST_NAME, attempt('host.name', () => ctx.system.hostname()));
  const arch = attempt('host.arch', () => ctx.system.arch());
  put(attrs, ATTR_HOST_ARCH, arch && hostArch(arch));
  put(attrs, ATTR_HOST_ID, machineId(ctx, attempt('platform', () => ctx.system.platform())));
  return attrs;
};

// ---------------------------------------------------------------------------------------------
// os

/** os.platform() → os.type: the semantic conventions' values where one fits, else Node's name. */
export function osType(platform: string): string {
  switch (platform) {
    case 'win32':
    case 'cygwin':
      return 'windows';
    case 'sunos':
      return 'solaris';
    case 'os390':
      return 'zos';
    case 'android':
      return 'linux';
    default:
      return platform; // linux, darwin, freebsd, openbsd, netbsd, aix as they are
  }
}

export const OS_RELEASE_FILES = ['/etc/os-release', '/usr/lib/os-release'] as const;

/** The KEY=value pairs of an os-release file (values unquoted). */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const eq = line.indexOf('=');
    if (eq <= 0 || line.startsWith('#')) continue;
    let value = line.slice(eq + 1).trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.length >= 2 && value.endsWith(quote)) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\(["\\$`])/g, '$1');
    }
    out[line.slice(0, eq)] = value;
  }
  return out;
}

export const osDetector: Detector = (ctx) => {
  const attrs: Attributes = {};
  const platform = attempt('os.type', () => ctx.system.platform());
  put(attrs, ATTR_OS_TYPE, platform && osType(platform));
  put(attrs, ATTR_OS_VERSION, attempt('os.version', () => ctx.system.release()));
  let description: string | undefined;
  if (platform === 'linux') {
    for (const path of OS_RELEASE_FILES) {
      const text = readTrimmed(ctx, path);
      if (!text) continue;
      const fields = parseOsRelease(text);
      put(attrs, ATTR_OS_NAME, fields.NAME);
      description = fields.PRETTY_NAME || undefined;
      break;
    }
  }
  put(attrs, ATTR_OS_DESCRIPTION, description ?? attempt('os.description', () => ctx.system.version().trim()));
  return attrs;
};

// ---------------------------------------------------------------------------------------------
// process

export const processDetector: Detector = (ctx) => {
  const attrs: Attributes = {};
  put(attrs, ATTR_PROCESS_PID, process.pid);
  put(attrs, ATTR_PROCESS_PARENT_PID, attempt('process.parent_pid', () => process.ppid));
  // The executable itself (already resolved by Node, as /proc/self/exe), never argv[0].
  put(attrs, ATTR_PROCESS_EXECUTABLE_NAME, attempt('process.executable.name', () => basename(process.execPath)));
  put(attrs, ATTR_PROCESS_EXECUTABLE_PATH, process.execPath);
  put(attrs, ATTR_PROCESS_RUNTIME_NAME, 'nodejs');
  put(attrs, ATTR_PROCESS_RUNTIME_VERSION, process.versions.node);
  put(attrs, ATTR_PROCESS_RUNTIME_DESCRIPTION, 'Node.js');
  // os.userInfo() throws when the uid has no passwd entry (containers run with an arbitrary uid).
  put(attrs, ATTR_PROCESS_OWNER, attempt('process.owner', () => ctx.system.userInfo().username));
  return attrs;
};

// ---------------------------------------------------------------------------------------------
// serviceinstance

let instanceId: string | undefined;

/**
 * A random UUID v4, the same for every call in this process. It needs to be unique, not secret:
 * Math.random's 122 bits do, and spare a program that never makes a span from loading node:crypto
 * (several milliseconds) for its one export at exit.
 */
export function serviceInstanceId(): string {
  return (instanceId ??= randomUuidV4());
}

function randomUuidV4(): string {
  const hex = (n: number, digits: number) => Math.floor(Math.random() * n).toString(16).padStart(digits, '0');
  const variant = (8 + Math.floor(Math.random() * 4)).toString(16);
  return `${hex(2 ** 32, 8)}-${hex(2 ** 16, 4)}-4${hex(2 ** 12, 3)}-${variant}${hex(2 ** 12, 3)}-${hex(2 ** 24, 6)}${hex(2 ** 24, 6)}`;
}

export const serviceInstanceDetector: Detector = () => ({ [ATTR_SERVICE_INSTANCE_ID]: serviceInstanceId() });

// ---------------------------------------------------------------------------------------------
// container

/** Containers are found through cgroups and mount tables, which only Linux has. */
export const containerDetector: Detector = (ctx) => {
  const attrs: Attributes = {};
  if (attempt('platform', () => ctx.system.platform()) !== 'linux') return attrs;
  put(attrs, ATTR_CONTAINER_ID, detectContainerId(ctx.read));
  return attrs;
};

// ---------------------------------------------------------------------------------------------
// k8s

/**
 * The environment variables the k8s detector reads, by attribute, first non-empty one wins. Only
 * when KUBERNETES_SERVICE_HOST is set (Kubernetes sets it in every container), and never the API.
 *  - K8S_POD_NAME, K8S_POD_UID, K8S_NAMESPACE_NAME, K8S_NODE_NAME: the names proposed by the
 *    OpenTelemetry OTEP "Environment Variable Resource Detection in Kubernetes", set from the
 *    downward API (metadata.name, metadata.uid, metadata.namespace, spec.nodeName).
 *  - OTEL_RESOURCE_ATTRIBUTES_POD_NAME, …_POD_UID, …_NODE_NAME: what the OpenTelemetry Operator
 *    injects (it also writes them into OTEL_RESOURCE_ATTRIBUTES, which wins anyway).
 *  - POD_NAME, POD_UID, POD_NAMESPACE, NODE_NAME: the names of the Kubernetes documentation's
 *    downward API examples, widely copied; K8S_NAMESPACE: an older spelling.
 *  - K8S_CONTAINER_NAME, CONTAINER_NAME: the downward API cannot give the container's name, so it
 *    only comes from a value written in the pod spec.
 * HOSTNAME is not used for the pod name: it is the pod name only by default (spec.hostname and
 * hostNetwork change it, and it is cut to 63 characters). Workload names (deployment, statefulset…)
 * are not available from the downward API: set them in OTEL_RESOURCE_ATTRIBUTES.
 * The namespace falls back to the service account's namespace file, a local file every pod that
 * mounts a service account token has.
 */
export const K8S_ENV_VARIABLES: Readonly<Record<string, readonly string[]>> = {
  [ATTR_K8S_POD_NAME]: ['K8S_POD_NAME', 'OTEL_RESOURCE_ATTRIBUTES_POD_NAME', 'POD_NAME'],
  [ATTR_K8S_POD_UID]: ['K8S_POD_UID', 'OTEL_RESOURCE_ATTRIBUTES_POD_UID', 'POD_UID'],
  [ATTR_K8S_NAMESPACE_NAME]: ['K8S_NAMESPACE_NAME', 'K8S_NAMESPACE', 'POD_NAMESPACE'],
  [ATTR_K8S_NODE_NAME]: ['K8S_NODE_NAME', 'OTEL_RESOURCE_ATTRIBUTES_NODE_NAME', 'NODE_NAME'],
  [ATTR_K8S_CONTAINER_NAME]: ['K8S_CONTAINER_NAME', 'CONTAINER_NAME'],
};

export const K8S_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';
/** A namespace's name is an RFC 1123 label; anything else in the file is not one. */
const NAMESPACE_NAME = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

export const k8sDetector: Detector = (ctx) => {
  const attrs: Attributes = {};
  if (!ctx.env.KUBERNETES_SERVICE_HOST?.trim()) return attrs;
  for (const [attribute, names] of Object.entries(K8S_ENV_VARIABLES)) {
    for (const name of names) {
      const value = ctx.env[name]?.trim();
      if (value) {
        attrs[attribute] = value;
        break;
      }
    }
  }
  if (attrs[ATTR_K8S_NAMESPACE_NAME] === undefined) {
    const namespace = readTrimmed(ctx, K8S_NAMESPACE_FILE);
    if (namespace && NAMESPACE_NAME.test(namespace)) attrs[ATTR_K8S_NAMESPACE_NAME] = namespace;
  }
  return attrs;
};
