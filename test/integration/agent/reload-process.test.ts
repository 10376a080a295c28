/**
 * The built `vipgate agent` process (node bin/vipgate.js, dist/: run `npm run build` first) reconfigured
 * while it runs, against loopback routers: the config file edited on disk (a pool and a peer added: the
 * new address announced to both, the first session untouched), SIGHUP (the file read again: nothing to
 * change, the sessions stay), the peer removed (Cease 6/3 to it only), then SIGTERM (exit 0).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/netns.js';
import { CLI, REPO } from '../../helpers/vipgate.js';
import type { LoopbackRouter } from './loopback-router.js';
import { reloadFixture, tableIs } from './reload-fixture.js';
import { lbService, manifests, readyEndpoints, readyNode } from '../../helpers/manifests.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => undefined); });

const SERVICES = manifests(
  readyNode('n1'),
  lbService('web', { ip: '172.20.1.1' }),
  lbService('api', { annotations: 'metallb.universe.tf/address-pool: extra' }),
  readyEndpoints('web', 'n1'),
  readyEndpoints('api', 'n1'),
);

const agentYaml = (dir: string, peers: LoopbackRouter[], extraPool: boolean) => `
asn: 64512
routerId: 10.0.0.1
peers:
${peers.map((r, i) => `  - { name: r${i + 1}, address: ${r.host}, port: ${r.port}, asn: 64513 }`).join('\n')}
pools:
  - { name: default, addresses: [172.20.1.0/24] }
${extraPool ? '  - { name: extra, addresses: [172.20.2.8/29] }' : ''}
gracefulRestart: { enabled: false, stateDir: ${join(dir, 'state')} }
gracefulShutdown: { drainSeconds: 0 }
`;

describe('vipgate agent process reconfigured while it runs', () => {
  it('file edited, SIGHUP, peer removed, SIGTERM', async () => {
    if (!existsSync(join(REPO, 'dist', 'agent', 'reconfigure.js'))) throw new Error('dist/ is missing or old: run `npm run build`');
    const { r1, r2, dir } = await reloadFixture(cleanups);
    const services = join(dir, 'services.yaml');
    const config = join(dir, 'agent.yaml');
    writeFileSync(services, SERVICES);
    writeFileSync(config, agentYaml(dir, [r1], false));
    let stderr = '';
    const child: ChildProcess = spawn(process.execPath, [CLI, 'agent', '--source', `file:${services}`, '--config', config, '--node', 'n1', '--socket', join(dir, 'agent.sock')], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    cleanups.push(async () => { if (child.exitCode === null) { child.kill('SIGKILL'); await exited; } });
    const logged = (msg: string): number => stderr.split('\n').filter((l) => l.includes(msg)).length;

    await waitFor('web at r1', tableIs(r1, ['172.20.1.1/32']), 20_000, 20);

    writeFileSync(config, agentYaml(dir, [r1, r2], true));
    await waitFor('api at r1', tableIs(r1, ['172.20.1.1/32', '172.20.2.8/32']), 20_000, 20);
    await waitFor('both at r2', tableIs(r2, ['172.20.1.1/32', '172.20.2.8/32']), 20_000, 20);
    expect([r1.opens(), r1.notifications()]).toEqual([1, []]);

    const applied = logged('"configuration applied"');
    child.kill('SIGHUP');
    await waitFor('the reload after SIGHUP', () => (logged('"configuration applied"') > applied ? true : undefined), 20_000, 20);
    expect(logged('SIGHUP: reading the configuration again')).toBe(1);
    expect([r1.opens(), r2.opens(), r1.notifications(), r2.notifications()]).toEqual([1, 1, [], []]);

    writeFileSync(config, agentYaml(dir, [r1], true));
    await waitFor('Cease 6/3 at r2', () => (r2.notifications().length > 0 ? true : undefined), 20_000, 20);
    expect(r2.notifications()).toEqual([[6, 3]]);
    expect([r1.opens(), r1.notifications(), r1.closed]).toEqual([1, [], false]);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await waitFor('Cease 6/2 at r1', () => (r1.notifications().length > 0 ? true : undefined), 20_000, 20);
    expect(r1.notifications()).toEqual([[6, 2]]);
  });
});
