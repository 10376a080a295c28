/**
 * The agent's container image for tests, made by the real build (`npm run agent-image`, image/agent/build.sh)
 * at most once per test run and architecture: into the run's scratch directory (test/setup/run-dir.ts),
 * under a hash of every input the build reads (dist/, bin/, the package files, binding.gyp, the addon's C
 * sources, deploy/*.yaml, the image scripts). A second test file of the same run reuses it; the next run
 * builds again, so a test run always proves that the image builds from what is checked out.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { inject } from 'vitest';
import { requireProgram } from './programs.js';
import { REPO } from './vipgate.js';

export interface AgentImage {
  /** The docker-archive tarball (what `k3s ctr images import` takes). */
  readonly tar: string;
  /** The OCI layout directory. */
  readonly oci: string;
  /** NAME:VERSION as tagged in the tarball. */
  readonly ref: string;
  readonly arch: 'amd64' | 'arm64';
  /** The build's output (its steps and timings). */
  readonly log: string;
}

const INPUTS = ['dist', 'bin', 'package.json', 'package-lock.json', 'binding.gyp', 'src/native', 'deploy', 'image/app.sh', 'image/debian.sh', 'image/agent'];

function files(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).sort().flatMap((n) => files(join(path, n)));
}

/** The hash of the build's inputs as they are on disk now. */
export function agentImageInputHash(): string {
  const h = createHash('sha256');
  for (const f of INPUTS.flatMap((i) => files(join(REPO, i)))) h.update(`${relative(REPO, f)}\0`).update(readFileSync(f)).update('\0');
  h.update(process.env['VIPGATE_NODE_VERSION'] ?? '');
  return h.digest('hex').slice(0, 16);
}

const building = new Map<string, Promise<AgentImage>>();

/** The image for `arch`, built now unless this run already built it from the same inputs. */
export function agentImage(arch: 'amd64' | 'arm64' = 'amd64', timeoutMs = 1_500_000): Promise<AgentImage> {
  const dir = join(inject('runDir'), 'agent-image', `${agentImageInputHash()}-${arch}`);
  let p = building.get(dir);
  if (!p) {
    p = build(dir, arch, timeoutMs);
    building.set(dir, p);
  }
  return p;
}

async function build(dir: string, arch: 'amd64' | 'arm64', timeoutMs: number): Promise<AgentImage> {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
  const ref = `docker.io/library/vipgate-agent:${pkg.version}`;
  const tar = join(dir, `vipgate-agent-${pkg.version}-${arch}.tar`);
  const done = join(dir, 'build.log');
  const image = (log: string): AgentImage => ({ tar, oci: tar.replace(/\.tar$/, '.oci'), ref, arch, log });
  if (existsSync(done) && existsSync(tar)) return image(readFileSync(done, 'utf8'));
  for (const p of ['mmdebstrap', 'umoci', 'skopeo', 'file']) requireProgram(p);
  mkdirSync(dir, { recursive: true });
  const log = await new Promise<string>((resolve, reject) => {
    execFile('bash', [join(REPO, 'image', 'agent', 'build.sh'), '--arch', arch], {
      cwd: REPO, timeout: timeoutMs, maxBuffer: 64 << 20,
      env: { ...process.env, VIPGATE_IMAGE_OUT: dir, VIPGATE_IMAGE_CACHE: join(dir, '..', 'cache') },
    }, (err, stdout, stderr) => {
      if (err) reject(new Error(`npm run agent-image -- --arch ${arch} failed: ${err.message}\n${stdout.slice(-4000)}\n${stderr.slice(-4000)}`));
      else if (stdout.trimEnd().split('\n').at(-1) !== tar) reject(new Error(`the build's last line is not the tarball's path ${tar}:\n${stdout.slice(-2000)}`));
      else resolve(`${stdout}${stderr}`);
    });
  });
  writeFileSync(done, log);
  return image(log);
}
