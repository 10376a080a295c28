/**
 * The node agents' configuration and manifests as the router renders them from its own configuration
 * (src/router/agent-settings.ts, agent-manifests.ts): the router's address in the nodes' range, its AS and
 * the nodes', hold time and BFD as the router runs them, TTL 255 when the router checks TTL, pools from
 * what the import policy accepts as host routes, warnings for what cannot be read or must not be served
 * (passwords), errors naming what is missing; the YAML is deploy/'s manifests (rbac.yaml, rbac-state.yaml,
 * config.yaml, daemonset.yaml) with the rendered agent.yaml
 * (which the agent's own parser accepts) and the image of this version.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseAgentConfig } from '../../../src/agent/config/load.js';
import { parseRouterConfig } from '../../../src/config/router-config.js';
import { agentSettings } from '../../../src/router/agent-settings.js';
import { AGENT_IMAGE, loadTemplates, renderAgentManifests } from '../../../src/router/agent-manifests.js';
import { REPO } from '../../helpers/vipgate.js';

const LAN = ['192.168.10.254/24', '10.9.9.1/30'];
const cfg = (yaml: string) => parseRouterConfig(yaml);
const templates = loadTemplates(join(REPO, 'deploy'));
const render = (yaml: string, o: { boxUrl?: string; range?: string } = {}) => renderAgentManifests(cfg(yaml), { local: LAN, version: '9.8.7', templates, ...o });

const SEED = `
asn: 64513
routerId: 192.168.10.254
neighbors: [{ range: 192.168.10.0/24, group: nodes }]
groups:
  nodes:
    remoteAs: 64512
    holdTime: 9
    keepalive: 3
    bfd: { enabled: true, minRx: 100, minTx: 100, multiplier: 3 }
    import: { prefixes: ["172.20.1.0/24 le 32"] }
    export: none
web: { address: 0.0.0.0, port: 80 }
`;

describe('the agents\' settings from the router configuration', () => {
  it('the seed box: its address in the range, both ASes, the timers, BFD and the pool', () => {
    expect(agentSettings(cfg(SEED), LAN)).toEqual({
      asn: 64512, ranges: ['192.168.10.0/24'], warnings: [], pools: ['172.20.1.0/24'],
      peers: [{ address: '192.168.10.254', asn: 64513, holdTime: 9, keepalive: 3, bfd: { minRx: 100, minTx: 100, multiplier: 3 } }],
    });
  });

  it('the shipped example: a named policy with a conditional rule, ttlSecurity -> TTL 255, an upstream neighbor left out', () => {
    const s = agentSettings(cfg(readFileSync(join(REPO, 'firmware/etc/vipgate/router.example.yaml'), 'utf8')), LAN);
    expect(s.pools).toEqual(['172.20.1.0/24']);
    expect(s.peers).toEqual([{ address: '192.168.10.254', asn: 64513, holdTime: 9, keepalive: 3, bfd: { minRx: 100, minTx: 100, multiplier: 3 }, ebgpMultihop: true }]);
    expect(s.warnings).toEqual([]);
  });

  it('the address: listen.address when the router listens on one, else updateSource, an interface, the router ID; the port from listen', () => {
    const base = 'asn: 64513\nrouterId: 192.168.10.254\nneighbors: [{ range: 10.9.9.0/30, remoteAs: internal, import: all }]\n';
    expect(agentSettings(cfg(base), LAN).peers[0]).toMatchObject({ address: '10.9.9.1', asn: 64513 });
    expect(agentSettings(cfg(base), LAN).asn).toBe(64513);
    expect(agentSettings(cfg(`${base}listen: { address: 10.9.9.2, port: 1179 }\n`), LAN).peers[0]).toMatchObject({ address: '10.9.9.2', port: 1179 });
    expect(() => agentSettings(cfg(base), ['192.168.10.254/24'])).toThrow(/no address in 10\.9\.9\.0\/30 \(set updateSource/);
    expect(agentSettings(cfg(base.replace('import: all', 'import: all, updateSource: 10.9.9.3')), LAN).peers[0]!.address).toBe('10.9.9.3');
  });

  it('pools: host routes only, unconditional rules only, denials and anything-goes reported, IPv6 when the range carries it', () => {
    const s = agentSettings(cfg(`asn: 64513
routerId: 192.168.10.254
neighbors: [{ range: 192.168.10.0/24, remoteAs: 64512, families: [ipv4, ipv6] }]
prefixLists: { svc: ["172.20.1.0/24 le 32", "172.20.2.0/24", "deny 172.20.3.0/24 le 32", "fd00:20::/64 ge 128"] }
policies:
  in:
    rules:
      - { action: deny, match: { prefixes: ["172.20.1.0/28 le 32"] } }
      - { match: { prefixList: svc, communities: ["64512:7"] } }
      - { match: { prefixList: svc } }
groups: {}
`.replace('remoteAs: 64512,', 'remoteAs: 64512, import: in,')), LAN);
    expect(s.pools).toEqual(['172.20.1.0/24', 'fd00:20::/64']);
    expect(s.warnings).toEqual([
      "neighbor 192.168.10.0/24's import policy (in) rule 1 denies 172.20.1.0/28: keep those addresses out of the pools by hand",
      "neighbor 192.168.10.0/24's import policy (svc): 172.20.2.0/24 does not accept the agents' host routes: not a pool",
      "neighbor 192.168.10.0/24's import policy (svc) denies 172.20.3.0/24: keep it out of the pools by hand",
    ]);
    expect(agentSettings(cfg(SEED.replace('import: { prefixes: ["172.20.1.0/24 le 32"] }', 'import: all')), LAN)).toMatchObject({
      pools: [], warnings: ["neighbor 192.168.10.0/24's import policy (all) accepts any prefix: no pool can be read from it, add the Service IP pool by hand"],
    });
  });

  it('secrets are not rendered, only named', () => {
    const s = agentSettings(cfg(SEED.replace('holdTime: 9', 'holdTime: 9\n    password: s3cret-md5').replace('multiplier: 3 }', 'multiplier: 3, auth: { type: keyed-sha1, password: bfd-s3cret } }')), LAN);
    expect(JSON.stringify(s.peers)).not.toMatch(/s3cret/);
    expect(s.warnings).toEqual([
      'neighbor 192.168.10.0/24 has a TCP MD5 password, which is not rendered: add password: under the peer 192.168.10.254 in agent.yaml',
      'neighbor 192.168.10.0/24 authenticates BFD (keyed-sha1), which is not rendered: add bfd.auth under the peer 192.168.10.254 in agent.yaml',
    ]);
  });

  it('errors name what is missing: no dynamic neighbor, an unknown range, ASes that differ, remoteAs external', () => {
    expect(() => agentSettings(cfg('asn: 64513\nrouterId: 192.168.10.254\nneighbors: [{ address: 192.168.10.10, remoteAs: 64512 }]\n'), LAN)).toThrow(/no dynamic neighbor \(neighbors\[\]\.range\)/);
    expect(() => agentSettings(cfg(SEED), LAN, '10.0.0.0/8')).toThrow(/no dynamic neighbor with range 10\.0\.0\.0\/8 \(ranges: 192\.168\.10\.0\/24\)/);
    const two = 'asn: 64513\nrouterId: 192.168.10.254\nneighbors: [{ range: 192.168.10.0/24, remoteAs: 64512, import: all }, { range: 10.9.9.0/30, remoteAs: 64600, import: all }]\n';
    expect(() => agentSettings(cfg(two), LAN)).toThrow(/different ASes \(192\.168\.10\.0\/24: 64512, 10\.9\.9\.0\/30: 64600\): pick one range/);
    expect(agentSettings(cfg(two), LAN, '10.9.9.0/30').asn).toBe(64600);
    expect(() => agentSettings(cfg('asn: 64513\nrouterId: 192.168.10.254\nneighbors: [{ range: 192.168.10.0/24, remoteAs: external, import: all }]\n'), LAN)).toThrow(/remoteAs external/);
  });
});

describe('the manifests the router renders', () => {
  type Doc = { kind: string; metadata: { name: string }; data?: Record<string, string>; spec?: unknown };
  const docs = (yaml: string): Doc[] => parseAllDocuments(yaml).map((d) => d.toJS() as Doc).filter(Boolean);

  it('deploy/\'s manifests in order, the ConfigMap with the rendered agent.yaml (valid for the agent), the DaemonSet with this version\'s image', () => {
    const r = render(SEED);
    expect(r.image).toBe(`${AGENT_IMAGE}:9.8.7`);
    const out = docs(r.yaml);
    const rbac = [...docs(templates.rbac), ...docs(templates.rbacState)];
    expect(out.map((d) => d.kind)).toEqual([...rbac.map((d) => d.kind), 'ConfigMap', 'DaemonSet']);
    expect(rbac.map((d) => d.kind).slice(0, 2)).toEqual(['Namespace', 'ServiceAccount']);
    expect(out.slice(0, rbac.length)).toEqual(rbac);
    const configMap = out[rbac.length]!;
    const agent = parseAgentConfig(configMap.data!['agent.yaml']!, 'rendered');
    expect(agent.peers.map((p) => ({ address: p.address, asn: p.peerAsn, myAsn: p.myAsn, holdTime: p.holdTime, bfd: p.bfd }))).toEqual([
      { address: '192.168.10.254', asn: 64513, myAsn: 64512, holdTime: 9, bfd: expect.objectContaining({ minRx: 100, minTx: 100, multiplier: 3 }) as unknown },
    ]);
    expect(agent.pools.map((p) => ({ name: p.name, avoidBuggyIPs: p.avoidBuggyIPs }))).toEqual([{ name: 'default', avoidBuggyIPs: true }]);
    expect(agent.gracefulRestart.stateDir).toBe('/var/lib/vipgate');
    expect(r.agentConfig).toBe(configMap.data!['agent.yaml']);
    // the DaemonSet is deploy/daemonset.yaml's but for the image
    const ds = JSON.stringify(out[rbac.length + 1]).replaceAll(`${AGENT_IMAGE}:9.8.7`, 'IMAGE');
    const shipped = JSON.stringify(docs(templates.daemonset).find((d) => d.kind === 'DaemonSet')).replace(new RegExp(`${AGENT_IMAGE}:[\\w.]+`, 'g'), 'IMAGE');
    expect(ds).toBe(shipped);
  });

  it('a header with the two commands for the address the page was reached at, and what to add by hand', () => {
    const r = render(SEED.replace('holdTime: 9', 'holdTime: 9\n    password: s3cret-md5'), { boxUrl: 'http://box.lan:8080' });
    expect(r.install).toEqual([
      'curl -fsS http://box.lan:8080/k3s/vipgate-agent-$(uname -m).tar | sudo k3s ctr images import -   # on every node (arm64 or amd64)',
      'kubectl apply -f http://box.lan:8080/k3s/agent.yaml',
    ]);
    const header = r.yaml.slice(0, r.yaml.indexOf('\n---\n'));
    for (const line of [...r.install, ...r.warnings]) expect(header).toContain(line);
    expect(r.yaml).not.toContain('s3cret');
    // without a boxUrl: the page's own address from web (0.0.0.0: the router's address on the nodes' segment)
    expect(render(SEED).install[1]).toBe('kubectl apply -f http://192.168.10.254/k3s/agent.yaml');
    expect(render(SEED.replace('web: { address: 0.0.0.0, port: 80 }', 'web: { address: 10.9.9.1, port: 8080 }')).install[1]).toBe('kubectl apply -f http://10.9.9.1:8080/k3s/agent.yaml');
    expect(render(SEED.replace('web: { address: 0.0.0.0, port: 80 }', '')).install[0]).toMatch(/^sudo k3s ctr images import vipgate-agent-VERSION-/);
    expect(render(SEED.replace('web: { address: 0.0.0.0, port: 80 }', 'web: { address: 0.0.0.0, port: 80, publicUrl: "http://vipgate.lan/" }')).install[1]).toBe('kubectl apply -f http://vipgate.lan/k3s/agent.yaml');
    expect(render(SEED.replace('web: { address: 0.0.0.0, port: 80 }', 'web: { address: 127.0.0.1, port: 8080 }')).install[0]).toMatch(/^sudo k3s ctr images import vipgate-agent-VERSION-/);
  });

  it('an image version other than the router\'s (the box serves what it was flashed with): named, and said so', () => {
    const r = renderAgentManifests(cfg(SEED), { local: LAN, version: '9.8.7', imageVersion: '9.7.0', templates });
    expect(r.image).toBe(`${AGENT_IMAGE}:9.7.0`);
    expect(r.yaml).toContain(`image: ${AGENT_IMAGE}:9.7.0`);
    expect(r.warnings).toEqual(['this box serves agent images of version 9.7.0, not this router\'s 9.8.7: the DaemonSet names 9.7.0']);
  });

  it('the rendered agent.yaml keeps the template\'s comments and says where it came from', () => {
    const r = render(SEED);
    expect(r.agentConfig).toMatch(/^# rendered by vipgate 9\.8\.7 router 192\.168\.10\.254 \(AS 64513\)/);
    expect(r.agentConfig).toContain('# What SIGTERM does: auto = graceful shutdown');
    expect(r.agentConfig).toContain('# this router, at its address in 192.168.10.0/24');
  });
});
