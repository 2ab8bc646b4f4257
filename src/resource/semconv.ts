/**
 * The resource attribute names this project sets, spelled as the OpenTelemetry semantic conventions
 * spell them (checked against the registry of semantic conventions 1.3x; most are still
 * "development" there, service.name, service.version and telemetry.sdk.* are stable).
 * One name, one constant: nothing else in src/resource/ writes an attribute name as a literal.
 */

// service (stable: name, version; development: instance.id)
export const ATTR_SERVICE_NAME = 'service.name';
export const ATTR_SERVICE_VERSION = 'service.version';
export const ATTR_SERVICE_INSTANCE_ID = 'service.instance.id';

// telemetry.sdk (stable) and telemetry.distro (development)
export const ATTR_TELEMETRY_SDK_NAME = 'telemetry.sdk.name';
export const ATTR_TELEMETRY_SDK_LANGUAGE = 'telemetry.sdk.language';
export const ATTR_TELEMETRY_SDK_VERSION = 'telemetry.sdk.version';
export const ATTR_TELEMETRY_DISTRO_NAME = 'telemetry.distro.name';
export const ATTR_TELEMETRY_DISTRO_VERSION = 'telemetry.distro.version';
/** Well-known value of telemetry.sdk.language for Node.js. */
export const TELEMETRY_SDK_LANGUAGE_VALUE_NODEJS = 'nodejs';

// process and process.runtime
export const ATTR_PROCESS_PID = 'process.pid';
export const ATTR_PROCESS_PARENT_PID = 'process.parent_pid';
export const ATTR_PROCESS_EXECUTABLE_NAME = 'process.executable.name';
export const ATTR_PROCESS_EXECUTABLE_PATH = 'process.executable.path';
export const ATTR_PROCESS_OWNER = 'process.owner';
export const ATTR_PROCESS_RUNTIME_NAME = 'process.runtime.name';
export const ATTR_PROCESS_RUNTIME_VERSION = 'process.runtime.version';
export const ATTR_PROCESS_RUNTIME_DESCRIPTION = 'process.runtime.description';

// host
export const ATTR_HOST_NAME = 'host.name';
export const ATTR_HOST_ID = 'host.id';
export const ATTR_HOST_ARCH = 'host.arch';
/** Well-known values of host.arch. */
export const HOST_ARCH_VALUES = ['amd64', 'arm32', 'arm64', 'ia64', 'ppc32', 'ppc64', 's390x', 'x86'] as const;

// os
export const ATTR_OS_TYPE = 'os.type';
export const ATTR_OS_NAME = 'os.name';
export const ATTR_OS_VERSION = 'os.version';
export const ATTR_OS_DESCRIPTION = 'os.description';
/** Well-known values of os.type (`z_os` is deprecated in favour of `zos`). */
export const OS_TYPE_VALUES = [
  'windows',
  'linux',
  'darwin',
  'freebsd',
  'netbsd',
  'openbsd',
  'dragonflybsd',
  'hpux',
  'aix',
  'solaris',
  'zos',
] as const;

// container
export const ATTR_CONTAINER_ID = 'container.id';

// k8s
export const ATTR_K8S_POD_NAME = 'k8s.pod.name';
export const ATTR_K8S_POD_UID = 'k8s.pod.uid';
export const ATTR_K8S_NAMESPACE_NAME = 'k8s.namespace.name';
export const ATTR_K8S_NODE_NAME = 'k8s.node.name';
export const ATTR_K8S_CONTAINER_NAME = 'k8s.container.name';
