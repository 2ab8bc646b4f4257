import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  CGROUP_PATH,
  containerIdFromCgroup,
  containerIdFromCgroupPath,
  containerIdFromMountinfo,
  detectContainerId,
  MOUNTINFO_PATH,
} from '../../../src/resource/container';
import * as f from './fixtures';

describe('container id from /proc/self/cgroup', () => {
  const cases: [string, string, string | undefined][] = [
    ['Docker, cgroup v1, cgroupfs driver', f.CGROUP_V1_DOCKER, f.DOCKER_ID],
    ['Docker, cgroup v1, systemd driver (docker-<id>.scope)', f.CGROUP_V1_DOCKER_SYSTEMD, f.DOCKER_ID],
    ['Kubernetes kubepods path', f.CGROUP_V1_KUBEPODS, f.CONTAINERD_ID],
    ['Kubernetes cri-containerd-<id>.scope', f.CGROUP_V1_CRI_CONTAINERD, f.CONTAINERD_ID],
    ['containerd systemd driver (…slice:cri-containerd:<id>)', f.CGROUP_V1_CONTAINERD_COLON, f.CONTAINERD_ID],
    ['CRI-O (crio-<id>.scope)', f.CGROUP_V1_CRIO, f.CRIO_ID],
    ['Podman (libpod-<id>.scope)', f.CGROUP_V1_PODMAN, f.PODMAN_ID],
    ['cgroup v2 without a cgroup namespace', f.CGROUP_V2_HOST_NAMESPACE, f.DOCKER_ID],
    ['a nested cgroup inside the container (/docker/<id>/init.scope)', f.CGROUP_V2_NESTED, f.DOCKER_ID],
    ['cgroup v2 with a cgroup namespace (0::/)', f.CGROUP_V2_NAMESPACED, undefined],
    ['a host: systemd user slices', f.CGROUP_HOST_SYSTEMD, undefined],
    ['a host: 32 hex digits are not a container id', f.CGROUP_HOST_SHORT_HEX, undefined],
    ['empty text', '', undefined],
  ];
  for (const [name, text, expected] of cases) {
    it(name, () => assert.equal(containerIdFromCgroup(text), expected));
  }

  it('rejects ids that are not exactly 64 hex digits', () => {
    const id = f.DOCKER_ID;
    assert.equal(containerIdFromCgroupPath(`/docker/${id.slice(1)}`), undefined);
    assert.equal(containerIdFromCgroupPath(`/docker/${id}0`), undefined);
    assert.equal(containerIdFromCgroupPath(`/docker/${id.slice(0, 60)}zzzz`), undefined);
    assert.equal(containerIdFromCgroupPath(`/docker/${id}`), id);
  });

  it('gives the id in lower case', () => {
    assert.equal(containerIdFromCgroupPath(`/docker/${f.DOCKER_ID.toUpperCase()}`), f.DOCKER_ID);
  });

  it('ignores lines that are not hierarchy:controllers:path', () => {
    assert.equal(containerIdFromCgroup(`garbage ${f.DOCKER_ID}\n/docker/${f.DOCKER_ID}\n`), undefined);
  });
});

describe('container id from /proc/self/mountinfo', () => {
  it('Docker on cgroup v2: the id of the container directory behind /etc/hostname', () => {
    assert.equal(containerIdFromMountinfo(f.MOUNTINFO_DOCKER), f.DOCKER_ID);
  });

  it('Podman on cgroup v2: the id of …/overlay-containers/<id>/userdata, not an overlay layer id', () => {
    assert.equal(containerIdFromMountinfo(f.MOUNTINFO_PODMAN), f.PODMAN_ID);
  });

  it("Kubernetes with CRI-O: the container's own mount, not the pod sandbox behind /etc/hostname", () => {
    assert.equal(containerIdFromMountinfo(f.MOUNTINFO_CRIO_K8S), f.CRIO_ID);
  });

  it('Kubernetes with CRI-O and only sandbox mounts: no id rather than the sandbox id', () => {
    assert.ok(f.MOUNTINFO_CRIO_K8S_SANDBOX_ONLY.includes(f.CRIO_SANDBOX_ID));
    assert.equal(containerIdFromMountinfo(f.MOUNTINFO_CRIO_K8S_SANDBOX_ONLY), undefined);
  });

  it('Kubernetes with containerd on a hybrid host: the id in the cgroup v1 mounts', () => {
    assert.equal(containerIdFromMountinfo(f.MOUNTINFO_CONTAINERD_K8S_HYBRID), f.CONTAINERD_ID);
  });

  it('Kubernetes with containerd on cgroup v2: no id (the sandbox directory is not the container)', () => {
    assert.equal(containerIdFromMountinfo(f.MOUNTINFO_CONTAINERD_K8S_V2), undefined);
  });

  it('Kubernetes with Docker: not the pause container behind /etc/hostname', () => {
    assert.equal(containerIdFromMountinfo(f.MOUNTINFO_DOCKER_K8S), undefined);
  });

  it('a host outside any container: no id', () => {
    assert.equal(containerIdFromMountinfo(f.MOUNTINFO_HOST), undefined);
  });

  it('unescapes mount points (\\ooo) before comparing them', () => {
    // Under Kubernetes, /etc/hostname is the sandbox's: written escaped, it must still be recognised.
    const text = [
      `1 0 253:1 /var/lib/kubelet/pods/${f.POD_UID}/etc-hosts /etc/hosts rw - xfs /dev/root rw`,
      `2 0 254:1 /var/lib/docker/containers/${f.CONTAINERD_SANDBOX_ID}/hostname /etc/host\\156ame rw - ext4 /dev/vda1 rw`,
    ].join('\n');
    assert.equal(containerIdFromMountinfo(text), undefined);
    assert.equal(containerIdFromMountinfo(text.replace('\\156', 'x')), f.CONTAINERD_SANDBOX_ID);
  });

  it('survives malformed text', () => {
    assert.equal(containerIdFromMountinfo('\u0000\u0001 x\n\n1 2\n- - - - - -\n'), undefined);
  });
});

describe('detectContainerId', () => {
  function reader(files: Record<string, string>, calls: string[] = []) {
    return (path: string) => {
      calls.push(path);
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return text;
    };
  }

  it('takes /proc/self/cgroup first, and does not read mountinfo when it has the id', () => {
    const calls: string[] = [];
    const id = detectContainerId(reader({ [CGROUP_PATH]: f.CGROUP_V1_DOCKER, [MOUNTINFO_PATH]: f.MOUNTINFO_PODMAN }, calls));
    assert.equal(id, f.DOCKER_ID);
    assert.deepEqual(calls, [CGROUP_PATH]);
  });

  it('falls back to mountinfo when the cgroup file only says 0::/', () => {
    const id = detectContainerId(reader({ [CGROUP_PATH]: f.CGROUP_V2_NAMESPACED, [MOUNTINFO_PATH]: f.MOUNTINFO_DOCKER }));
    assert.equal(id, f.DOCKER_ID);
  });

  it('falls back to mountinfo when the cgroup file is unreadable', () => {
    assert.equal(detectContainerId(reader({ [MOUNTINFO_PATH]: f.MOUNTINFO_PODMAN })), f.PODMAN_ID);
  });

  it('gives undefined on a host', () => {
    const id = detectContainerId(reader({ [CGROUP_PATH]: f.CGROUP_HOST_SYSTEMD, [MOUNTINFO_PATH]: f.MOUNTINFO_HOST }));
    assert.equal(id, undefined);
  });

  it('never throws: every read failing gives undefined', () => {
    assert.equal(
      detectContainerId(() => {
        throw new Error('EACCES');
      }),
      undefined,
    );
    assert.equal(
      detectContainerId(() => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error
        throw 'not even an Error';
      }),
      undefined,
    );
  });
});
