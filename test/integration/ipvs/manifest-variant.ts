/**
 * A DaemonSet's agent container as the capability cases of the coexistence VM run it (./coexist-guest/caps.ts):
 * its user, its capabilities as a container runtime leaves them to the process after exec (drop/add in the
 * bounding set; no ambient capabilities, which Kubernetes does not set, so a non-root user keeps none
 * effective), allowPrivilegeEscalation false as no_new_privs, and /proc/sys read-only (runc mounts it so
 * unless privileged) with a hostPath of /proc/sys/net mounted where the manifest says. So the manifests in
 * deploy/ are measured as written.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface CapVariant {
  readonly name: string;
  readonly as: string;
  readonly setpriv: readonly string[];
  readonly procSys: 'rw' | 'ro' | 'ro+host';
  /** Where the host's /proc/sys/net is mounted inside, for 'ro+host'. */
  readonly hostNetMount?: string;
  readonly presetSysctls?: boolean;
}

type Obj = Record<string, unknown>;
const o = (v: unknown): Obj => (v && typeof v === 'object' ? v as Obj : {});

export function variantFromDaemonSet(file: string): CapVariant {
  const pod = o(o(o(parse(readFileSync(file, 'utf8'))).spec).template);
  const spec = o(pod['spec']);
  const c = o((spec['containers'] as unknown[]).map(o).find((x) => x['name'] === 'agent'));
  const sc = o(c['securityContext']);
  const psc = o(spec['securityContext']);
  if (sc['privileged'] === true) throw new Error(`${file}: privileged containers are not translated`);
  const uid = Number(sc['runAsUser'] ?? psc['runAsUser'] ?? 0);
  const gid = Number(sc['runAsGroup'] ?? psc['runAsGroup'] ?? 0);
  const caps = o(sc['capabilities']);
  const add = ((caps['add'] as string[] | undefined) ?? []).map((x) => x.toLowerCase());
  const drop = ((caps['drop'] as string[] | undefined) ?? []).map((x) => x.toLowerCase());
  const bounding = drop.includes('all') ? `-all${add.map((a) => `,+${a}`).join('')}` : `${drop.map((d) => `-${d}`).join(',') || '+all'}`;
  const setpriv = [
    `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--inh-caps=-all', `--bounding-set=${bounding}`,
    ...(sc['allowPrivilegeEscalation'] === false ? ['--no-new-privs'] : []),
  ];
  const volumes = (spec['volumes'] as unknown[] | undefined ?? []).map(o);
  const hostNet = volumes.find((v) => o(v['hostPath'])['path'] === '/proc/sys/net');
  const mount = hostNet ? (c['volumeMounts'] as unknown[]).map(o).find((m) => m['name'] === hostNet['name']) : undefined;
  const name = file.split('/').slice(-2).join('/');
  return {
    name, as: `${name} as written: uid ${uid}, capabilities ${bounding}${mount ? `, host /proc/sys/net at ${String(mount['mountPath'])}` : ''}`,
    setpriv, procSys: mount ? 'ro+host' : 'ro', ...(mount ? { hostNetMount: String(mount['mountPath']) } : {}),
  };
}
