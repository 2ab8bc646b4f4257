/**
 * Texts of /proc/self/cgroup and /proc/self/mountinfo as the common container runtimes lay them
 * out (shortened to the lines that matter plus some noise; ids invented).
 */

export const DOCKER_ID = '64632812a0d5af08fafdc25bef613975da2d6819bfcbaaa712f1d2e2377036a2';
export const CONTAINERD_ID = '357a982dba524aaff776fea50affcba68d6d14cac69882ae35f6da4c4608217d';
export const CONTAINERD_SANDBOX_ID = '6d566ddd30e75851ca7163a50472312d8b1ad4b56a388dff4a2f4f5adb87f3a2';
export const CRIO_ID = 'bb4461c5a8d2ebd1054a575fd5b7712f94f6c2bac4555ffd6fe765408958f6ba';
export const CRIO_SANDBOX_ID = 'b2ebfea003090b7fde4acab64de15c46b7b00408a7623eecb969e70ab42fff75';
export const PODMAN_ID = 'd0d34f3ea09f0974b3c1be2cca64b6af22a76019b62abd48bddc0ccd39f549ce';
/** An overlay layer id: 64 hex digits too, but not a container's. */
export const LAYER_ID = 'd8f2d8124c0c9967fd141c35aab80455c56aa7191c4798635569874dc64e5046';
export const POD_UID = 'b9bc0b35-6421-4904-a947-db08046fd29e';
const POD_UID_SYSTEMD = POD_UID.replace(/-/g, '_');

// ----------------------------------------------------------------------------------------------
// /proc/self/cgroup

/** Docker, cgroup v1, cgroupfs driver. */
export const CGROUP_V1_DOCKER = [
  `12:hugetlb:/docker/${DOCKER_ID}`,
  `11:memory:/docker/${DOCKER_ID}`,
  `10:cpu,cpuacct:/docker/${DOCKER_ID}`,
  `1:name=systemd:/docker/${DOCKER_ID}`,
  '',
].join('\n');

/** Docker, cgroup v1, systemd driver. */
export const CGROUP_V1_DOCKER_SYSTEMD = [
  `9:pids:/system.slice/docker-${DOCKER_ID}.scope`,
  `1:name=systemd:/system.slice/docker-${DOCKER_ID}.scope`,
  '',
].join('\n');

/** Kubernetes with containerd, cgroup v1, cgroupfs driver. */
export const CGROUP_V1_KUBEPODS = [
  `11:devices:/kubepods/besteffort/pod${POD_UID}/${CONTAINERD_ID}`,
  `4:memory:/kubepods/besteffort/pod${POD_UID}/${CONTAINERD_ID}`,
  '',
].join('\n');

/** Kubernetes with containerd, systemd driver: `cri-containerd-<id>.scope`. */
export const CGROUP_V1_CRI_CONTAINERD = [
  `5:cpuset:/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${POD_UID_SYSTEMD}.slice/cri-containerd-${CONTAINERD_ID}.scope`,
  '',
].join('\n');

/** containerd 1.5+ with the systemd driver: `…slice:cri-containerd:<id>`. */
export const CGROUP_V1_CONTAINERD_COLON = [
  `7:devices:/system.slice/containerd.service/kubepods-besteffort-pod${POD_UID_SYSTEMD}.slice:cri-containerd:${CONTAINERD_ID}`,
  '',
].join('\n');

/** Kubernetes with CRI-O. */
export const CGROUP_V1_CRIO = [
  `3:memory:/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${POD_UID_SYSTEMD}.slice/crio-${CRIO_ID}.scope`,
  '',
].join('\n');

/** Podman, cgroup v1. */
export const CGROUP_V1_PODMAN = [`2:memory:/machine.slice/libpod-${PODMAN_ID}.scope`, ''].join('\n');

/** cgroup v2 without a cgroup namespace (Docker with --cgroupns=host). */
export const CGROUP_V2_HOST_NAMESPACE = `0::/system.slice/docker-${DOCKER_ID}.scope\n`;

/** A process started by systemd inside a container: the id is not the last segment. */
export const CGROUP_V2_NESTED = `0::/docker/${DOCKER_ID}/init.scope\n`;

/** cgroup v2 with a cgroup namespace: every container sees only this. */
export const CGROUP_V2_NAMESPACED = '0::/\n';

/** A desktop or server outside any container. */
export const CGROUP_HOST_SYSTEMD = [
  '12:memory:/user.slice/user-1000.slice/session-4.scope',
  '1:name=systemd:/user.slice/user-1000.slice/session-4.scope',
  '0::/user.slice/user-1000.slice/session-4.scope',
  '',
].join('\n');

/** A sandbox whose cgroup names hold 32 hex digits, not 64. */
export const CGROUP_HOST_SHORT_HEX = [
  '5:devices:/',
  '4:memory:/process_api/07615fc6aaf8838bbbd15f3242708eeb',
  '0::/',
  '',
].join('\n');

// ----------------------------------------------------------------------------------------------
// /proc/self/mountinfo

const COMMON_MOUNTS = [
  '1403 1402 0:286 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw',
  '1404 1402 0:287 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755',
  '1406 1402 0:289 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro',
  '1407 1406 0:30 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw,nsdelegate',
  '1408 1404 0:285 / /dev/shm rw,nosuid,nodev,noexec,relatime - tmpfs shm rw,size=65536k',
];

/** Docker on cgroup v2: /etc/hostname, /etc/hosts and /etc/resolv.conf come from the container's directory. */
export const MOUNTINFO_DOCKER = [
  `1402 1300 0:284 / / rw,relatime master:1 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/ABCDEF:/var/lib/docker/overlay2/l/GHIJKL,upperdir=/var/lib/docker/overlay2/${LAYER_ID}/diff,workdir=/var/lib/docker/overlay2/${LAYER_ID}/work`,
  ...COMMON_MOUNTS,
  `1409 1402 254:1 /docker/containers/${DOCKER_ID}/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/vda1 rw`,
  `1410 1402 254:1 /docker/containers/${DOCKER_ID}/hostname /etc/hostname rw,relatime - ext4 /dev/vda1 rw`,
  `1411 1402 254:1 /docker/containers/${DOCKER_ID}/hosts /etc/hosts rw,relatime - ext4 /dev/vda1 rw`,
  '',
].join('\n');

/** Rootless Podman on cgroup v2: the files come from …/overlay-containers/<id>/userdata/. */
export const MOUNTINFO_PODMAN = [
  `961 812 0:58 / / ro,relatime - overlay overlay rw,lowerdir=/home/u/.local/share/containers/storage/overlay/l/XYZ,upperdir=/home/u/.local/share/containers/storage/overlay/${LAYER_ID}/diff,workdir=/home/u/.local/share/containers/storage/overlay/${LAYER_ID}/work,userxattr`,
  ...COMMON_MOUNTS,
  `980 963 0:56 /containers/overlay-containers/${PODMAN_ID}/userdata/.containerenv /run/.containerenv ro,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw,size=783888k,mode=700`,
  `981 961 0:56 /containers/overlay-containers/${PODMAN_ID}/userdata/resolv.conf /etc/resolv.conf ro,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw,size=783888k,mode=700`,
  `982 961 0:56 /containers/overlay-containers/${PODMAN_ID}/userdata/hosts /etc/hosts ro,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw,size=783888k,mode=700`,
  `983 961 0:56 /containers/overlay-containers/${PODMAN_ID}/userdata/hostname /etc/hostname ro,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw,size=783888k,mode=700`,
  '',
].join('\n');

const KUBELET_MOUNTS = [
  `2021 2002 253:1 /var/lib/kubelet/pods/${POD_UID}/etc-hosts /etc/hosts rw,relatime - xfs /dev/mapper/root rw`,
  `2022 2004 253:1 /var/lib/kubelet/pods/${POD_UID}/containers/app/82b03b66 /dev/termination-log rw,relatime - xfs /dev/mapper/root rw`,
  '2026 2002 0:96 / /run/secrets/kubernetes.io/serviceaccount ro,relatime - tmpfs tmpfs rw,size=32768456k',
];

/**
 * Kubernetes with CRI-O on cgroup v2: /etc/hostname and /etc/resolv.conf are the pod sandbox's,
 * /run/secrets is the container's own.
 */
export const MOUNTINFO_CRIO_K8S = [
  `10303 9025 0:676 / / rw,relatime - overlay overlay rw,upperdir=/var/lib/containers/storage/overlay/${LAYER_ID}/diff`,
  ...COMMON_MOUNTS,
  `10311 10303 0:25 /containers/storage/overlay-containers/${CRIO_SANDBOX_ID}/userdata/resolv.conf /etc/resolv.conf rw,nosuid,nodev,noexec - tmpfs tmpfs rw,mode=755`,
  `10312 10303 0:25 /containers/storage/overlay-containers/${CRIO_SANDBOX_ID}/userdata/hostname /etc/hostname rw,nosuid,nodev - tmpfs tmpfs rw,mode=755`,
  `10313 10303 0:25 /containers/storage/overlay-containers/${CRIO_SANDBOX_ID}/userdata/.containerenv /run/.containerenv rw,nosuid,nodev - tmpfs tmpfs rw,mode=755`,
  ...KUBELET_MOUNTS,
  `10316 10303 0:25 /containers/storage/overlay-containers/${CRIO_ID}/userdata/run/secrets /run/secrets rw,nosuid,nodev - tmpfs tmpfs rw,mode=755`,
  '',
].join('\n');

/** The same without the /run/secrets mount: only the sandbox's id is there, which is not ours. */
export const MOUNTINFO_CRIO_K8S_SANDBOX_ONLY = MOUNTINFO_CRIO_K8S.split('\n')
  .filter((line) => !line.includes('/run/secrets rw'))
  .join('\n');

/**
 * Kubernetes with containerd on a hybrid host: cgroup v1 hierarchies are mounted with the
 * container's cgroup path as their root; /etc/hostname is the sandbox's.
 */
export const MOUNTINFO_CONTAINERD_K8S_HYBRID = [
  '2002 1895 0:226 / / rw,relatime master:629 - overlay overlay rw,lowerdir=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/75438/fs',
  '2008 2007 0:230 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw,mode=755',
  `2009 2008 0:32 /system.slice/containerd.service/kubepods-burstable-pod${POD_UID_SYSTEMD}.slice:cri-containerd:${CONTAINERD_ID} /sys/fs/cgroup/systemd ro,nosuid,nodev,noexec,relatime master:11 - cgroup cgroup rw,xattr,name=systemd`,
  `2011 2008 0:36 /kubepods-burstable-pod${POD_UID_SYSTEMD}.slice:cri-containerd:${CONTAINERD_ID} /sys/fs/cgroup/freezer ro,nosuid,nodev,noexec,relatime master:16 - cgroup cgroup rw,freezer`,
  ...KUBELET_MOUNTS,
  `2023 2002 253:1 /var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/${CONTAINERD_SANDBOX_ID}/hostname /etc/hostname rw,relatime - xfs /dev/mapper/root rw`,
  `2024 2002 253:1 /var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/${CONTAINERD_SANDBOX_ID}/resolv.conf /etc/resolv.conf rw,relatime - xfs /dev/mapper/root rw`,
  '',
].join('\n');

/** Kubernetes with containerd on pure cgroup v2: nothing in mountinfo names the container itself. */
export const MOUNTINFO_CONTAINERD_K8S_V2 = MOUNTINFO_CONTAINERD_K8S_HYBRID.split('\n')
  .filter((line) => !line.includes(' - cgroup cgroup '))
  .join('\n');

/** Kubernetes with Docker (cri-dockerd): /etc/hostname is the pause container's, in Docker's directory. */
export const MOUNTINFO_DOCKER_K8S = [
  ...COMMON_MOUNTS,
  `1409 1402 254:1 /var/lib/docker/containers/${CONTAINERD_SANDBOX_ID}/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/vda1 rw`,
  `1410 1402 254:1 /var/lib/docker/containers/${CONTAINERD_SANDBOX_ID}/hostname /etc/hostname rw,relatime - ext4 /dev/vda1 rw`,
  ...KUBELET_MOUNTS,
  '',
].join('\n');

/** A host outside any container (no runtime directories, cgroup hierarchies at their roots). */
export const MOUNTINFO_HOST = [
  '22 27 0:21 / /proc rw,relatime - proc proc rw',
  '23 27 0:22 / /sys rw,relatime - sysfs sysfs rw',
  '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard',
  '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
  `88 27 0:50 / /var/lib/docker/overlay2/${LAYER_ID}/merged rw,relatime - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/Q`,
  '',
].join('\n');
