/**
 * A pod of a Kubernetes manifest run on a "node" as its kubelet would, with Debian's rootful podman as
 * the container runtime, so that the manifest itself is what a test exercises:
 *   hostNetwork: true          the node's network namespace (--network ns:/run/netns/NODE)
 *   securityContext            the pod's, under each container's: runAsUser/runAsGroup, runAsNonRoot
 *                              (refused for UID 0, as the kubelet refuses), capabilities drop/add,
 *                              allowPrivilegeEscalation: false (no_new_privs), readOnlyRootFilesystem
 *                              (without podman's own tmpfs mounts, which a kubelet does not add),
 *                              seccompProfile RuntimeDefault (podman's default profile) or Unconfined
 *   env                        values, and fieldRef spec.nodeName / metadata.namespace
 *   volumes                    configMap (its data as read-only files), emptyDir (tmpfs, or a directory,
 *                              mode 0777 as the kubelet makes it), hostPath (below the node's root
 *                              directory; DirectoryOrCreate made 0755 root:root)
 *   the service account        token, ca.crt and namespace at /var/run/secrets/kubernetes.io/serviceaccount
 *                              (the token 0600 owned by the pod's user, as for a projected token without
 *                              fsGroup) and KUBERNETES_SERVICE_HOST/PORT, as the kubelet injects them
 *   resources.limits.memory    --memory
 *   init containers            each run to completion, in order, before the containers start
 * Any other field of a container or a volume source is an error: a manifest change the runner cannot
 * honour fails the test instead of being run as something else. Scheduling fields (tolerations,
 * updateStrategy) and dnsPolicy do not change what runs in the container and are not looked at.
 * Podman keeps its storage in a directory of the test, never the machine's, and runs with runc and
 * lowered rlimits (LAB-NOTES: crun fails on this cgroup v1 host, root lacks CAP_SYS_RESOURCE).
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { requireProgram } from './programs.js';

/* The parts of the Kubernetes API types the runner reads (core/v1). */
interface EnvVar { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }
interface VolumeMount { name: string; mountPath: string; readOnly?: boolean }
interface SecurityContext {
  runAsUser?: number; runAsGroup?: number; runAsNonRoot?: boolean; allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean; capabilities?: { drop?: string[]; add?: string[] }; seccompProfile?: { type: string };
}
export interface Container {
  name: string; image: string; imagePullPolicy?: string; command?: string[]; args?: string[]; env?: EnvVar[];
  securityContext?: SecurityContext; volumeMounts?: VolumeMount[]; resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface Volume {
  name: string; configMap?: { name: string }; emptyDir?: { medium?: string; sizeLimit?: string };
  hostPath?: { path: string; type?: string };
}
export interface PodSpec {
  hostNetwork?: boolean; serviceAccountName?: string; automountServiceAccountToken?: boolean;
  securityContext?: SecurityContext; initContainers?: Container[]; containers: Container[]; volumes?: Volume[];
  terminationGracePeriodSeconds?: number;
}

const CONTAINER_FIELDS = new Set(['name', 'image', 'imagePullPolicy', 'command', 'args', 'env', 'securityContext', 'volumeMounts', 'resources']);
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface Node {
  /** spec.nodeName. */
  readonly name: string;
  /** The node's network namespace (hostNetwork pods share it). */
  readonly netns: string;
  /** The node's file system root, for hostPath volumes. */
  readonly root: string;
}

export interface PodContext {
  readonly namespace: string;
  readonly node: Node;
  /** The ConfigMaps of the pod's namespace: name -> data. */
  readonly configMaps: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** What the kubelet mounts for the service account, and where the API server is. */
  readonly serviceAccount: { readonly token: string; readonly ca: string };
  readonly apiServer: { readonly host: string; readonly port: number };
}

export interface Result { readonly code: number; readonly stdout: string; readonly stderr: string }

/** Kubernetes quantities as podman takes them ("192Mi" -> "192m" is wrong: bytes). */
function bytes(q: string): string {
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(q);
  if (!m) throw new Error(`quantity ${q}: the pod runner knows only Ki, Mi, Gi`);
  return String(Number(m[1]) * ({ Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[m[2] ?? ''] ?? 1));
}

export class Podman {
  private readonly global: string[];
  private readonly containers: string[] = [];
  readonly podman = requireProgram('podman');

  /** Storage (images, containers) under `dir`, which the test removes after dispose(). */
  constructor(readonly dir: string) {
    requireProgram('runc');
    this.global = ['--root', join(dir, 'storage'), '--runroot', join(dir, 'run'), '--tmpdir', join(dir, 'tmp'),
      '--runtime', 'runc', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];
  }

  /** podman ARGS, bounded; resolves whatever the exit code. `input`: a stream for stdin. */
  exec(args: readonly string[], timeoutMs = 120_000, input?: Readable): Promise<Result> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.podman, [...this.global, ...args], { stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout?.on('data', (b: Buffer) => out.push(b));
      child.stderr?.on('data', (b: Buffer) => err.push(b));
      if (input && child.stdin) input.pipe(child.stdin);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
      });
    });
  }

  async must(args: readonly string[], timeoutMs?: number, input?: Readable): Promise<string> {
    const r = await this.exec(args, timeoutMs, input);
    if (r.code !== 0) throw new Error(`podman ${args.join(' ')}: exit ${r.code}\n${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  /** `podman load` of a docker-archive, from a file or a stream; the names it loaded. */
  async load(source: string | Readable): Promise<string[]> {
    const out = typeof source === 'string' ? await this.must(['load', '-i', source], 300_000) : await this.must(['load'], 300_000, source);
    return [...out.matchAll(/^Loaded image(?:\(s\))?: (.+)$/gm)].flatMap((m) => m[1]!.split(',').map((s) => s.trim()));
  }

  /** The flags of `podman run` for one container of the pod (without the image and its arguments). */
  containerFlags(pod: PodSpec, c: Container, ctx: PodContext, dir: string): { flags: string[]; entrypoint?: string[] } {
    for (const k of Object.keys(c)) if (!CONTAINER_FIELDS.has(k)) throw new Error(`container ${c.name}: the pod runner does not know "${k}"`);
    if (c.imagePullPolicy !== 'Never' && c.imagePullPolicy !== 'IfNotPresent') throw new Error(`container ${c.name}: imagePullPolicy ${c.imagePullPolicy ?? '(default: Always for :latest)'} would pull on a node`);
    const sc: SecurityContext = { ...pod.securityContext, ...c.securityContext };
    const uid = sc.runAsUser ?? 0;
    if (sc.runAsNonRoot && uid === 0) throw new Error(`container ${c.name}: runAsNonRoot with UID 0 (the kubelet refuses to start it)`);
    const flags = ['--pull', 'never', '--ulimit', 'nofile=4096:4096', '--ulimit', 'nproc=4096:4096', '--user', `${uid}:${sc.runAsGroup ?? uid}`];
    if (pod.hostNetwork) flags.push('--network', `ns:/run/netns/${ctx.node.netns}`);
    else throw new Error(`pod: only hostNetwork pods are run here (the node's namespace)`);
    if (sc.readOnlyRootFilesystem) flags.push('--read-only', '--read-only-tmpfs=false');
    if (sc.allowPrivilegeEscalation === false) flags.push('--security-opt', 'no-new-privileges');
    if (sc.seccompProfile?.type === 'Unconfined') flags.push('--security-opt', 'seccomp=unconfined');
    else if (sc.seccompProfile && sc.seccompProfile.type !== 'RuntimeDefault') throw new Error(`seccompProfile ${sc.seccompProfile.type} is not known here`);
    for (const cap of sc.capabilities?.drop ?? []) flags.push('--cap-drop', cap);
    for (const cap of sc.capabilities?.add ?? []) flags.push('--cap-add', cap);
    if (c.resources?.limits?.['memory']) flags.push('--memory', bytes(c.resources.limits['memory']));
    for (const e of c.env ?? []) flags.push('-e', `${e.name}=${this.envValue(e, ctx)}`);
    flags.push('-e', `KUBERNETES_SERVICE_HOST=${ctx.apiServer.host}`, '-e', `KUBERNETES_SERVICE_PORT=${ctx.apiServer.port}`);
    if (pod.automountServiceAccountToken !== false) {
      const sa = join(dir, 'serviceaccount');
      mkdirSync(sa, { recursive: true });
      writeFileSync(join(sa, 'token'), ctx.serviceAccount.token, { mode: 0o600 });
      chownSync(join(sa, 'token'), uid, sc.runAsGroup ?? uid);
      writeFileSync(join(sa, 'ca.crt'), ctx.serviceAccount.ca, { mode: 0o644 });
      writeFileSync(join(sa, 'namespace'), ctx.namespace, { mode: 0o644 });
      flags.push('-v', `${sa}:${SA_DIR}:ro`);
    }
    for (const m of c.volumeMounts ?? []) flags.push(...this.mount(pod, m, ctx, dir));
    return { flags, ...(c.command ? { entrypoint: c.command } : {}) };
  }

  private envValue(e: EnvVar, ctx: PodContext): string {
    if (e.value !== undefined) return e.value;
    const field = e.valueFrom?.fieldRef?.fieldPath;
    if (field === 'spec.nodeName') return ctx.node.name;
    if (field === 'metadata.namespace') return ctx.namespace;
    throw new Error(`env ${e.name}: the pod runner knows value and fieldRef spec.nodeName / metadata.namespace only`);
  }

  private mount(pod: PodSpec, m: VolumeMount, ctx: PodContext, dir: string): string[] {
    const v = pod.volumes?.find((x) => x.name === m.name);
    if (!v) throw new Error(`volumeMount ${m.name}: no such volume`);
    const ro = m.readOnly ? ':ro' : '';
    for (const k of Object.keys(v)) if (!['name', 'configMap', 'emptyDir', 'hostPath'].includes(k)) throw new Error(`volume ${v.name}: the pod runner does not know "${k}"`);
    if (v.configMap) {
      const data = ctx.configMaps[v.configMap.name];
      if (!data) throw new Error(`volume ${v.name}: no ConfigMap ${v.configMap.name} in namespace ${ctx.namespace}`);
      const d = join(dir, 'configmap', v.name);
      mkdirSync(d, { recursive: true });
      for (const [k, text] of Object.entries(data)) writeFileSync(join(d, k), text, { mode: 0o644 });
      return ['-v', `${d}:${m.mountPath}:ro`];
    }
    if (v.emptyDir) {
      if (v.emptyDir.medium === 'Memory') {
        return ['--mount', `type=tmpfs,destination=${m.mountPath},tmpfs-mode=0777${v.emptyDir.sizeLimit ? `,tmpfs-size=${bytes(v.emptyDir.sizeLimit)}` : ''}`];
      }
      const d = join(dir, 'emptydir', v.name);
      mkdirSync(d, { recursive: true });
      chmodSync(d, 0o777);
      return ['-v', `${d}:${m.mountPath}${ro}`];
    }
    if (v.hostPath) {
      const d = join(ctx.node.root, v.hostPath.path);
      if (v.hostPath.type === 'DirectoryOrCreate') mkdirSync(d, { recursive: true, mode: 0o755 });
      else if (v.hostPath.type !== undefined && v.hostPath.type !== 'Directory') throw new Error(`volume ${v.name}: hostPath type ${v.hostPath.type} is not known here`);
      return ['-v', `${d}:${m.mountPath}${ro}`];
    }
    throw new Error(`volume ${v.name}: no source the pod runner knows`);
  }

  /**
   * The pod on `ctx.node`: its init containers run to completion (each must exit 0), then its containers
   * are started detached as NAME-<container>. Returns the names of the running containers.
   */
  async runPod(name: string, pod: PodSpec, ctx: PodContext): Promise<string[]> {
    const dir = join(this.dir, 'pods', name);
    rmSync(dir, { recursive: true, force: true });
    for (const c of pod.initContainers ?? []) {
      const { flags, entrypoint } = this.containerFlags(pod, c, ctx, join(dir, c.name));
      const r = await this.exec(['run', '--rm', ...flags, ...(entrypoint ? ['--entrypoint', JSON.stringify(entrypoint)] : []), c.image, ...(c.args ?? [])], 120_000);
      if (r.code !== 0) throw new Error(`init container ${c.name} exited ${r.code}: ${r.stderr}${r.stdout}`);
    }
    const started: string[] = [];
    for (const c of pod.containers) {
      const { flags, entrypoint } = this.containerFlags(pod, c, ctx, join(dir, c.name));
      const cname = `${name}-${c.name}`;
      this.containers.push(cname);
      await this.must(['run', '-d', '--name', cname, ...flags, ...(entrypoint ? ['--entrypoint', JSON.stringify(entrypoint)] : []), c.image, ...(c.args ?? [])]);
      started.push(cname);
    }
    return started;
  }

  logs(container: string): Promise<string> {
    return this.exec(['logs', container], 30_000).then((r) => `${r.stdout}${r.stderr}`);
  }

  /** `podman stop -t GRACE` (SIGTERM, then SIGKILL after GRACE seconds, as the kubelet does with terminationGracePeriodSeconds). */
  stop(container: string, graceSeconds: number): Promise<Result> {
    return this.exec(['stop', '-t', String(graceSeconds), container], (graceSeconds + 30) * 1000);
  }

  /**
   * Every container and image of this storage removed, and whatever podman left mounted under the
   * directory unmounted, so the directory can go. (Not `podman system reset`: that also drops the machine's
   * network definitions.)
   */
  async dispose(): Promise<void> {
    for (const c of this.containers.splice(0)) await this.exec(['rm', '-f', '-t', '0', c], 60_000);
    await this.exec(['rm', '--all', '--force', '-t', '0'], 60_000);
    await this.exec(['rmi', '--all', '--force'], 120_000);
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m): m is string => m !== undefined && m.startsWith(`${this.dir}/`));
    for (const m of mounts.sort((a, b) => b.length - a.length)) spawnSync('umount', ['-l', m]);
  }
}
