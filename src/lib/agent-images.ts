/**
 * The node agent's container images a box keeps for its k3s cluster: a directory (default
 * /usr/share/vipgate/k3s, where the SD image puts them) of vipgate-agent-VERSION-ARCH.tar, or .tar.gz,
 * each with VERSION-ARCH.tar.sha256. They live outside the A/B app slots (an update through the boot
 * partition could not carry them), so the box may hold an agent older than its router: the version served,
 * and the one the rendered manifests name, is the router's own when present, else the newest there.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_AGENT_IMAGES = '/usr/share/vipgate/k3s';

export type AgentArch = 'amd64' | 'arm64';

export interface AgentImageFile {
  readonly version: string;
  readonly arch: AgentArch;
  /** The .tar or .tar.gz. */
  readonly file: string;
  readonly gzip: boolean;
  /** Its .tar.sha256 (which may be missing). */
  readonly sha256File: string;
}

const NAME = /^vipgate-agent-(\d+\.\d+\.\d+(?:-[\w.]+)?)-(amd64|arm64)\.tar(\.gz)?$/;

/** The images in `dir` (none when it does not exist). */
export function listAgentImages(dir: string): AgentImageFile[] {
  let names: string[];
  try { names = readdirSync(dir); } catch { return []; }
  return names.flatMap((n) => {
    const m = NAME.exec(n);
    if (!m) return [];
    const [, version, arch, gz] = m as unknown as [string, string, AgentArch, string | undefined];
    return [{ version, arch, file: join(dir, n), gzip: gz !== undefined, sha256File: join(dir, `vipgate-agent-${version}-${arch}.tar.sha256`) }];
  });
}

/** Compare dotted versions numerically (1.10.0 > 1.9.0); a pre-release sorts before its release. */
function compareVersions(a: string, b: string): number {
  const [ca, pa] = a.split('-', 2);
  const [cb, pb] = b.split('-', 2);
  const na = ca!.split('.').map(Number);
  const nb = cb!.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (na[i] !== nb[i]) return na[i]! - nb[i]!;
  if (pa === pb) return 0;
  return pa === undefined ? 1 : pb === undefined ? -1 : pa.localeCompare(pb);
}

/** The version to serve: `own` when the directory has it, else the newest present, else `own`. */
export function servedAgentVersion(images: readonly AgentImageFile[], own: string): string {
  if (images.some((i) => i.version === own)) return own;
  return [...new Set(images.map((i) => i.version))].sort(compareVersions).at(-1) ?? own;
}
