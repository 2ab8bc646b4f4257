/**
 * container.id from the files Linux gives every process about itself, read once, locally.
 *
 * 1. /proc/self/cgroup. Under cgroup v1, and under cgroup v2 without a cgroup namespace, the
 *    process's cgroup path names its container: `/docker/<id>`, `/system.slice/docker-<id>.scope`,
 *    `/kubepods/…/pod<uid>/<id>`, `…/cri-containerd-<id>.scope`, `…/crio-<id>.scope`,
 *    `…/libpod-<id>.scope`, or with containerd's systemd driver `…slice:cri-containerd:<id>`.
 *    The id is a segment of 64 hex digits once a runtime prefix (up to the last `-` or `:`) and a
 *    suffix (from the first `.`) are taken off.
 * 2. /proc/self/mountinfo, for cgroup v2 with a cgroup namespace, where (1) only says `0::/`:
 *    a. a cgroup v1 mount whose root is such a path (hybrid hosts);
 *    b. a bind mount from the runtime's per-container directory, `…/containers/<id>/…`
 *       (Docker: /var/lib/docker/containers/<id>/hostname) or `…/overlay-containers/<id>/…`
 *       (Podman and CRI-O: …/overlay-containers/<id>/userdata/hostname).
 *       Under Kubernetes (a mount from `/kubelet/pods/` shows it), /etc/hostname, /etc/hosts,
 *       /etc/resolv.conf and /run/.containerenv belong to the pod sandbox: their id is the pause
 *       container's, not ours, so only another mount of the container's own directory counts
 *       (CRI-O mounts /run/secrets from it). Outside Kubernetes, those files are the container's own.
 *
 * Nothing here touches the network or another process; every read is guarded by the caller.
 * The approach follows the OpenTelemetry Java and JavaScript container detectors; the code is ours.
 */

export const CGROUP_PATH = '/proc/self/cgroup';
export const MOUNTINFO_PATH = '/proc/self/mountinfo';

const HEX64 = /^[0-9a-f]{64}$/i;

/** Mount points that a Kubernetes pod shares among its containers (their source is the sandbox's). */
const POD_LEVEL_MOUNTS = new Set(['/etc/hostname', '/etc/hosts', '/etc/resolv.conf', '/run/.containerenv']);

/** The container id in one path segment: `docker-<id>.scope`, `…slice:cri-containerd:<id>`, `<id>`. */
function idFromSegment(segment: string): string | undefined {
  let s = segment;
  const colon = s.lastIndexOf(':');
  if (colon >= 0) s = s.slice(colon + 1);
  const dot = s.indexOf('.');
  if (dot >= 0) s = s.slice(0, dot);
  const dash = s.lastIndexOf('-');
  if (dash >= 0) s = s.slice(dash + 1);
  return HEX64.test(s) ? s.toLowerCase() : undefined;
}

/** The container id in a cgroup path: its deepest segment that is one (`/docker/<id>/init.scope` too). */
export function containerIdFromCgroupPath(path: string): string | undefined {
  if (!path.includes('/')) return undefined;
  const segments = path.split('/');
  for (let i = segments.length - 1; i >= 0; i--) {
    const id = idFromSegment(segments[i]!);
    if (id) return id;
  }
  return undefined;
}

/** The container id in the text of /proc/self/cgroup (`hierarchy:controllers:path` lines), if any. */
export function containerIdFromCgroup(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const first = line.indexOf(':');
    const second = first < 0 ? -1 : line.indexOf(':', first + 1);
    if (second < 0) continue;
    const id = containerIdFromCgroupPath(line.slice(second + 1).trim());
    if (id) return id;
  }
  return undefined;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescapeMountField(field: string): string {
  return field.includes('\\') ? field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))) : field;
}

/** The id after a `containers` or `overlay-containers` segment of a path, if any. */
function idFromRuntimeDirectory(root: string): string | undefined {
  const segments = root.split('/');
  for (let i = segments.length - 2; i >= 0; i--) {
    const s = segments[i];
    if ((s === 'containers' || s === 'overlay-containers') && HEX64.test(segments[i + 1]!)) {
      return segments[i + 1]!.toLowerCase();
    }
  }
  return undefined;
}

/** The container id in the text of /proc/self/mountinfo, if any (see the module comment). */
export function containerIdFromMountinfo(text: string): string | undefined {
  let kubernetes = false;
  let fromCgroupMount: string | undefined;
  let fromOwnMount: string | undefined;
  let fromHostname: string | undefined;
  let fromPodLevelMount: string | undefined;

  for (const line of text.split('\n')) {
    // id parent major:minor root mount-point options [optional fields…] - fstype source super-options
    const fields = line.trim().split(' ');
    if (fields.length < 5) continue;
    const root = unescapeMountField(fields[3]!);
    const mountPoint = unescapeMountField(fields[4]!);
    const separator = fields.indexOf('-', 5);
    const fsType = separator >= 0 ? fields[separator + 1] : undefined;

    if (root.includes('/kubelet/pods/')) kubernetes = true;
    if (fsType === 'cgroup' || fsType === 'cgroup2') {
      fromCgroupMount ??= containerIdFromCgroupPath(root);
      continue;
    }
    const id = idFromRuntimeDirectory(root);
    if (!id) continue;
    if (!POD_LEVEL_MOUNTS.has(mountPoint)) fromOwnMount = id;
    else if (mountPoint === '/etc/hostname') fromHostname = id;
    else fromPodLevelMount ??= id;
  }

  if (fromCgroupMount) return fromCgroupMount;
  if (fromOwnMount) return fromOwnMount;
  if (kubernetes) return undefined;
  return fromHostname ?? fromPodLevelMount;
}

/**
 * The id of the container this process runs in, or undefined (not in a container, not Linux, or
 * nothing readable). `read` returns a file's text or throws; a throw only skips that file.
 */
export function detectContainerId(read: (path: string) => string): string | undefined {
  try {
    const id = containerIdFromCgroup(read(CGROUP_PATH));
    if (id) return id;
  } catch {
    // unreadable: try mountinfo
  }
  try {
    return containerIdFromMountinfo(read(MOUNTINFO_PATH));
  } catch {
    return undefined;
  }
}
