/**
 * `--source kubernetes` without a kubeconfig, as a pod runs it: the in-cluster configuration from
 * KUBERNETES_SERVICE_HOST/PORT and the service account's token and CA files; whatever of those is missing
 * is named at start (the library alone would build "https://undefined:undefined" and retry for ever).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InClusterError, loadKubeConfig, SERVICE_ACCOUNT_DIR } from '../../../src/agent/source/kubernetes.js';
import { CLI } from '../../helpers/vipgate.js';

const roots: string[] = [];
afterEach(() => {
  vi.unstubAllEnvs();
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

function podRoot(files: readonly string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'vg-incluster-'));
  roots.push(root);
  mkdirSync(join(root, SERVICE_ACCOUNT_DIR), { recursive: true });
  for (const f of files) writeFileSync(join(root, SERVICE_ACCOUNT_DIR, f), f === 'namespace' ? 'vipgate-system' : `${f}-content`);
  return root;
}

describe('the in-cluster configuration', () => {
  it('takes the API server from the environment, the token and CA from the service account files', () => {
    vi.stubEnv('KUBERNETES_SERVICE_HOST', '10.43.0.1');
    vi.stubEnv('KUBERNETES_SERVICE_PORT', '443');
    const root = podRoot(['token', 'ca.crt', 'namespace']);
    const kc = loadKubeConfig(undefined, root);
    expect(kc.getCurrentCluster()).toMatchObject({ server: 'https://10.43.0.1:443', caFile: `${root}${SERVICE_ACCOUNT_DIR}/ca.crt`, skipTLSVerify: false });
    expect(kc.getCurrentUser()?.authProvider).toEqual({ name: 'tokenFile', config: { tokenFile: `${root}${SERVICE_ACCOUNT_DIR}/token` } });
    expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe('vipgate-system');
  });

  it('brackets an IPv6 API server address', () => {
    vi.stubEnv('KUBERNETES_SERVICE_HOST', 'fd00:43::1');
    vi.stubEnv('KUBERNETES_SERVICE_PORT', '443');
    expect(loadKubeConfig(undefined, podRoot(['token', 'ca.crt'])).getCurrentCluster()?.server).toBe('https://[fd00:43::1]:443');
  });

  it('names every missing piece', () => {
    vi.stubEnv('KUBERNETES_SERVICE_HOST', '');
    vi.stubEnv('KUBERNETES_SERVICE_PORT', '443');
    const root = podRoot(['ca.crt']);
    expect(() => loadKubeConfig(undefined, root)).toThrow(InClusterError);
    expect(() => loadKubeConfig(undefined, root)).toThrow(/KUBERNETES_SERVICE_HOST is not set; \/var\/run\/secrets\/kubernetes\.io\/serviceaccount\/token is missing/);
    expect(() => loadKubeConfig(undefined, root)).not.toThrow(/KUBERNETES_SERVICE_PORT|ca\.crt/);
  });

  it('the agent outside a pod exits 2 with the reason instead of retrying', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vg-incluster-cli-'));
    roots.push(dir);
    writeFileSync(join(dir, 'agent.yaml'), 'asn: 64512\nrouterId: 10.0.0.1\npeers: [{ address: 127.0.0.1, asn: 64513 }]\n');
    const env = { ...process.env };
    delete env['KUBERNETES_SERVICE_HOST'];
    delete env['KUBERNETES_SERVICE_PORT'];
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [CLI, 'agent', '--source', 'kubernetes', '--config', join(dir, 'agent.yaml'), '--node', 'n1', '--socket', join(dir, 'a.sock')],
        { env, timeout: 20_000 }, (_e, _out, stderr) => resolve({ code: child.exitCode, stderr }));
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/in-cluster credentials: KUBERNETES_SERVICE_HOST is not set; KUBERNETES_SERVICE_PORT is not set/);
  });
});
