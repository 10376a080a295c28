/**
 * A block that configures a session feature turns it on unless it says `enabled: false` (FRR's
 * `neighbor X bfd`), for the router's neighbors and groups and the agent's peers; blocks whose `enabled`
 * is an action (the router's gracefulShutdown, a neighbor's drain) stay explicit; settings that do nothing
 * because their feature is off are warned about by name; `--check` prints each neighbor's features.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRouterConfig } from '../../../src/config/router-config.js';
import { configWarnings } from '../../../src/config/warnings.js';
import { featureOn } from '../../../src/config/features.js';
import { parseAgentConfig } from '../../../src/agent/config/load.js';
import { runRouter } from '../../../src/router/main.js';
import { runCheck } from '../../../src/agent/check.js';

const HEAD = 'asn: 64513\nrouterId: 10.0.0.254\n';
const router = (body: string) => parseRouterConfig(`${HEAD}${body}`);
const warnings = (body: string) => configWarnings(router(body)).filter((w) => !w.path.endsWith('.import') && !w.path.endsWith('.export')).map((w) => `${w.path}: ${w.message}`);
const dir = mkdtempSync(join(tmpdir(), 'vg-features-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a feature block turns its feature on (router)', () => {
  it('bfd, probe and gracefulRestart blocks without enabled are on; absent blocks are off', () => {
    const n = router(`neighbors:
  - { address: 10.0.0.1, remoteAs: 65001, bfd: { minRx: 100, minTx: 100, multiplier: 3 }, probe: { intervalMs: 200 }, gracefulRestart: { restartTime: 60 } }
  - { address: 10.0.0.2, remoteAs: 65001 }
`).neighbors;
    expect([n[0]!.bfd.enabled, n[0]!.probe.enabled, n[0]!.gracefulRestart.enabled]).toEqual([true, true, true]);
    expect(n[0]!.bfd).toMatchObject({ minRx: 100, minTx: 100, multiplier: 3 });
    expect([n[1]!.bfd.enabled, n[1]!.probe.enabled, n[1]!.gracefulRestart.enabled]).toEqual([false, false, false]);
  });

  it('a group\'s block turns it on for its neighbors; the most specific enabled decides', () => {
    const n = router(`neighbors:
  - { address: 10.0.0.1, group: g }
  - { address: 10.0.0.2, group: g, bfd: { enabled: false } }
  - { address: 10.0.0.3, group: off, bfd: { multiplier: 5 } }
  - { address: 10.0.0.4, group: off, bfd: { enabled: true } }
groups:
  g: { remoteAs: 65001, bfd: { minRx: 100 } }
  off: { remoteAs: 65001, bfd: { enabled: false, minRx: 50 } }
`).neighbors;
    expect(n.map((x) => x.bfd.enabled)).toEqual([true, false, false, true]);
    expect(n[3]!.bfd.minRx).toBe(50);
  });

  it('gracefulShutdown and drain stay explicit: drainSeconds alone does not start a drain', () => {
    const c = router('gracefulShutdown: { drainSeconds: 10 }\nneighbors: [{ address: 10.0.0.1, remoteAs: 65001 }]\n');
    expect(c.gracefulShutdown).toEqual({ enabled: false, drainSeconds: 10 });
    expect(c.neighbors[0]!.drain).toBe(false);
  });

  it('settings that do nothing because their feature is off are warned about, by field', () => {
    expect(warnings(`neighbors:
  - { address: 10.0.0.1, remoteAs: 65001, bfd: { enabled: false, minRx: 100, multiplier: 3 } }
  - { address: 10.0.0.2, group: off, bfd: { minTx: 50 } }
  - { address: 10.0.0.3, remoteAs: 65001, probe: { enabled: false } }
  - { address: 10.0.0.4, remoteAs: 65001, gracefulRestart: { enabled: false, restartTime: 30 } }
groups:
  off: { remoteAs: 65001, bfd: { enabled: false, multiplier: 5 } }
  unused: { remoteAs: 65001, probe: { enabled: false, misses: 5 } }
`)).toEqual([
      'groups.off.bfd: multiplier does nothing: BFD is off (in every neighbor of the group)',
      'neighbors[0].bfd: minRx, multiplier do nothing: BFD is off (enabled: false)',
      'neighbors[1].bfd: minTx does nothing: BFD is off (enabled: false in group off)',
      'groups.unused.probe: misses does nothing: probing is off (enabled: false)',
      'neighbors[3].gracefulRestart: restartTime does nothing: graceful restart is off (enabled: false)',
    ]);
    // a group whose setting one member uses is not warned about
    expect(warnings('neighbors:\n  - { address: 10.0.0.1, group: g }\n  - { address: 10.0.0.2, group: g, bfd: { enabled: false } }\ngroups:\n  g: { remoteAs: 65001, bfd: { minRx: 100 } }\n')).toEqual([]);
  });

  it('featureOn: absent is off, a block is on, the last said enabled wins', () => {
    expect(featureOn([undefined, undefined])).toBe(false);
    expect(featureOn([undefined, {}])).toBe(true);
    expect(featureOn([{ enabled: true }, { minRx: 1 }])).toBe(true);
    expect(featureOn([{ enabled: false }, { minRx: 1 }])).toBe(false);
    expect(featureOn([{ enabled: false }, { enabled: true }])).toBe(true);
  });

  it('vipgate router --check prints the warnings and which features each neighbor runs', async () => {
    const file = join(dir, 'router.yaml');
    writeFileSync(file, `${HEAD}neighbors:
  - { address: 192.168.10.10, group: nodes, bfd: { minRx: 100, minTx: 100, multiplier: 3 } }
  - { address: 192.168.10.11, group: nodes, bfd: { enabled: false, minRx: 50 }, password: secret }
  - { range: 192.168.10.0/24, group: nodes }
  - { address: 10.0.0.1, remoteAs: 64513, gracefulRestart: { restartTime: 60 }, probe: { intervalMs: 200 } }
groups:
  nodes: { remoteAs: 65001, import: none, export: none }
`);
    let text = '';
    expect(await runRouter({ config: file, check: true, fib: false }, (s) => { text += s; })).toBe(0);
    expect(text.split('\n')).toEqual([
      `${file}: configuration is valid (4 neighbors, 0 networks)`,
      'warning: neighbors[1].bfd: minRx does nothing: BFD is off (enabled: false)',
      'Neighbor                   Group  AS          BFD (rx/tx)    Probe             Graceful restart  Other',
      '192.168.10.10              nodes  65001       100/100 ms x3  off               off               -',
      '192.168.10.11              nodes  65001       off            off               off               md5',
      '192.168.10.0/24 (dynamic)  nodes  65001       off            off               off               -',
      '10.0.0.1                   -      64513 iBGP  off            200 ms, 3 misses  helper, 60 s      -',
      '',
    ]);
  });
});

const AGENT = 'asn: 65001\npools: [{ name: default, addresses: [172.20.1.0/24] }]\n';

describe('a feature block turns its feature on (agent)', () => {
  it('a peer\'s bfd block is on unless enabled: false; inert settings are warned about', () => {
    const c = parseAgentConfig(`${AGENT}peers:
  - { address: 10.0.0.1, asn: 64513, bfd: { minRx: 100 } }
  - { address: 10.0.0.2, asn: 64513, bfd: { enabled: false, multiplier: 5 } }
  - { address: 10.0.0.3, asn: 64513 }
gracefulRestart: { enabled: false, restartTime: 30 }
ipvs: { interface: kube-ipvs0, strictArp: false }
externalIPs: { communities: ["64512:1"] }
linkBandwidth: { enabled: false, mbpsPerEndpoint: 100 }
`);
    expect(c.peers.map((p) => p.bfd?.minRx)).toEqual([100, undefined, undefined]);
    expect(c.ipvs?.enabled).toBe(false);
    expect(c.warnings).toEqual([
      'peers[1].bfd: multiplier does nothing: BFD is off (enabled: false)',
      'gracefulRestart: restartTime does nothing: graceful restart is off (enabled: false)',
      'linkBandwidth: mbpsPerEndpoint does nothing: link bandwidth is off (enabled: false)',
      // interface (like stateFile and procSys) still says what an agent with IPVS off undoes
      'ipvs: strictArp does nothing: IPVS is off (it needs enabled: true)',
      'externalIPs: communities does nothing: announcing spec.externalIPs is off (it needs enabled: true)',
    ]);
    expect(parseAgentConfig(`${AGENT}peers: [{ address: 10.0.0.1, asn: 64513, bfd: {} }]\nipvs: { enabled: true }\n`).warnings).toEqual([]);
  });

  it('vipgate agent --check prints the warnings, each peer\'s features and the node-wide ones', async () => {
    const file = join(dir, 'agent.yaml');
    writeFileSync(file, `${AGENT}peers:
  - { address: 192.168.10.254, asn: 64513, name: router, bfd: { minRx: 100, minTx: 100, multiplier: 3 } }
  - { address: 192.168.10.253, asn: 64513, bfd: { enabled: false, multiplier: 5 }, password: x }
metrics: {}
`);
    let text = '';
    expect(await runCheck({ config: file }, (s) => { text += s; }, () => undefined)).toBe(0);
    expect(text.split('\n')).toEqual([
      `${file}: configuration is valid (vipgate: 1 pool, 2 peers, 1 advertisement; 0 errors, 1 warning)`,
      '  warning peers[1].bfd: multiplier does nothing: BFD is off (enabled: false)',
      'Peer            Address         AS     BFD (rx/tx)    Other',
      'router          192.168.10.254  64513  100/100 ms x3  -',
      '192.168.10.253  192.168.10.253  64513  off            md5',
      'graceful restart: on, 120 s',
      'graceful shutdown: drain 5 s, stop: auto',
      'ipvs: off',
      'telemetry: off',
      'metrics: http://0.0.0.0:7473/metrics',
      '',
    ]);
    writeFileSync(file, `${AGENT}peers: [{ address: 10.0.0.1, asn: 64513, bfd: { minRx: 1 } }]\n`);
    expect(await runCheck({ config: file }, () => undefined, () => undefined)).toBe(3);
  });
});
