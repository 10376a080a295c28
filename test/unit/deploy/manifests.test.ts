/**
 * deploy/: the default manifests name the image `npm run agent-image` makes (docker.io/library/vipgate-agent
 * tagged with package.json's version, as image/agent/build.sh tags it), never pull it, and keep the agent
 * unprivileged (UID 65532, every capability dropped, no privilege escalation, read-only root; only the
 * init container runs as root, with CHOWN alone); deploy/config.yaml's agent.yaml is a valid agent
 * configuration whose marker directory is the one the DaemonSet mounts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseAgentConfig } from '../../../src/agent/config/load.js';
import type { Container, PodSpec } from '../../helpers/pod.js';
import { REPO } from '../../helpers/vipgate.js';

const docs = (file: string) => parseAllDocuments(readFileSync(join(REPO, 'deploy', file), 'utf8')).map((d) => d.toJS() as Record<string, unknown>);
const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const buildScript = readFileSync(join(REPO, 'image', 'agent', 'build.sh'), 'utf8');

describe('deploy/ manifests', () => {
  const daemonset = docs('daemonset.yaml').find((d) => d['kind'] === 'DaemonSet') as { spec: { template: { spec: PodSpec } } };
  const pod = daemonset.spec.template.spec;
  const all: Container[] = [...(pod.initContainers ?? []), ...pod.containers];

  it('name the image the build script makes, with the package version, and never pull it (every DaemonSet in deploy/)', () => {
    expect(buildScript).toContain('name=${VIPGATE_AGENT_IMAGE_NAME:-docker.io/library/vipgate-agent}');
    const ipvs = docs('daemonset-ipvs.yaml').find((d) => d['kind'] === 'DaemonSet') as { spec: { template: { spec: PodSpec } } };
    for (const c of [...all, ...(ipvs.spec.template.spec.initContainers ?? []), ...ipvs.spec.template.spec.containers]) {
      expect(c.image, c.name).toBe(`docker.io/library/vipgate-agent:${version}`);
      expect(c.imagePullPolicy, c.name).toBe('Never');
    }
  });

  it('run the agent unprivileged: UID 65532, no capability, no escalation, read-only root; the init container CHOWN only', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    for (const c of pod.containers) {
      expect(c.securityContext, c.name).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    }
    for (const c of pod.initContainers ?? []) {
      expect(c.securityContext?.capabilities, c.name).toEqual({ drop: ['ALL'], add: ['CHOWN'] });
      expect(c.securityContext?.allowPrivilegeEscalation, c.name).toBe(false);
    }
  });

  it('config.yaml holds a valid agent configuration whose graceful restart marker lives in the mounted state volume', () => {
    const cm = docs('config.yaml').find((d) => d['kind'] === 'ConfigMap') as { data: Record<string, string> };
    const cfg = parseAgentConfig(cm.data['agent.yaml']!, 'deploy/config.yaml');
    const mounts = pod.containers[0]!.volumeMounts ?? [];
    expect(mounts.find((m) => m.mountPath === cfg.gracefulRestart.stateDir)?.name).toBe('state');
    expect(mounts.find((m) => m.name === 'config')?.mountPath).toBe('/etc/vipgate');
    expect(pod.containers[0]!.args).toContain('/etc/vipgate/agent.yaml');
  });
});
