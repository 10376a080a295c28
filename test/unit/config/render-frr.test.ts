// The running-config text is real FRR configuration: FRR 8's bgpd checks it in dry-run mode (-C).
// Needs root (a private mount namespace for /run/frr) and Debian's frr package; both are in CI.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderRunningConfig } from '../../../src/config/render.js';
import { loadRouterConfig, parseRouterConfig } from '../../../src/config/router-config.js';

const BGPD = '/usr/lib/frr/bgpd';
const EXAMPLES = join(import.meta.dirname, '../../../firmware/etc/vipgate');

/** Lines where bgpd refused part of the configuration. */
function frrComplaints(text: string): string[] {
  if (!existsSync(BGPD)) throw new Error(`${BGPD} is missing: install Debian's frr package to check rendered configurations`);
  if (process.getuid?.() !== 0) throw new Error('checking with bgpd -C needs root (a private mount namespace for /run/frr)');
  const dir = mkdtempSync(join(tmpdir(), 'vipgate-frr-'));
  try {
    const file = join(dir, 'bgpd.conf');
    // bgpd reads its configuration as user frr
    chmodSync(dir, 0o755);
    writeFileSync(file, text, { mode: 0o644 });
    // a private /run/frr so nothing touches a real FRR's sockets
    const script = `mount -t tmpfs none /run/frr && chown frr:frr /run/frr && exec ${BGPD} -C -f ${file} -z /run/frr/zserv.api --vty_socket /run/frr`;
    const r = spawnSync('unshare', ['-m', 'sh', '-c', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status, r.stderr).toBe(0);
    return `${r.stdout}${r.stderr}`.split('\n').filter((l) => /config line|Unknown command|% |can't open|configuration file/i.test(l));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const KITCHEN_SINK = `
asn: 64513
routerId: 192.168.10.254
maximumPaths: 16
multipathRelax: true
bestpath: { alwaysCompareMed: true, linkBandwidth: false }
defaultLocalPref: 150
ebgpRequiresPolicy: false
networks: [10.1.1.0/24, "2001:db8:1::/48"]
aggregates: [{ prefix: 172.20.0.0/16, summaryOnly: true, asSet: true }, "2001:db8::/32"]
prefixLists: { pool: ["172.20.1.0/24 le 32", "deny 0.0.0.0/0 le 32"] }
policies:
  in:
    rules:
      - { action: deny, match: { communities: [blackhole] } }
      - match: { prefixList: pool, largeCommunities: ["64512:1:2"], asPathLength: { min: 1, max: 3 } }
        set: { localPref: 200, med: 5, communities: { add: ["64513:1", no-export], remove: ["64512:9"] }, largeCommunities: { add: ["64513:0:1"], remove: ["64512:9:9"] } }
      - { match: { asPathLength: { max: 0 } } }
  out:
    rules:
      - { set: { prepend: 2, nextHopSelf: true } }
groups:
  nodes: { remoteAs: external, holdTime: 9, bfd: { enabled: true, minRx: 100, minTx: 100 }, import: in, export: none, maxPrefix: { limit: 100, warningOnly: true } }
neighbors:
  - { range: 192.168.10.0/24, group: nodes }
  - { range: 192.168.20.0/24, remoteAs: 64600, import: all }
  - { address: 192.168.10.1, group: nodes, description: "first node", addPath: both, nextHopSelf: true }
  - { address: 192.168.30.1, remoteAs: 65000, localAs: 65100, port: 1179, passive: true, ebgpMultihop: 3, password: s3cret, updateSource: 192.168.30.2, connectRetry: 10, gracefulRestart: { enabled: true }, shutdown: true, import: in, export: out, maxPrefix: { limit: 500, restartAfter: 300 } }
  - { address: 10.0.0.2, remoteAs: internal, ttlSecurity: 2, families: [ipv4, ipv6] }
  - { address: "2001:db8::2", remoteAs: 65001, families: [ipv6], import: all, export: all }
`;

describe('rendered configuration is accepted by FRR bgpd -C', () => {
  it('every option at once', () => {
    const text = renderRunningConfig(parseRouterConfig(KITCHEN_SINK), { showSecrets: true });
    expect(frrComplaints(text)).toEqual([]);
  });

  it('the example configurations', async () => {
    for (const f of ['seed.example.yaml', 'router.example.yaml']) {
      const text = renderRunningConfig(await loadRouterConfig(join(EXAMPLES, f)), { showSecrets: true });
      expect([f, ...frrComplaints(text)]).toEqual([f]);
    }
  });

  it('the check itself catches what FRR refuses', () => {
    expect(frrComplaints('router bgp 64513\n neighbor 10.0.0.1 no-such-option\nexit\n')).toHaveLength(1);
  });
});
