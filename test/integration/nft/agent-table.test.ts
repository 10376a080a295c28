/**
 * The agent's nftables table (src/agent/ipvs/nft-table.ts) in the real kernel, in a namespace of the test's
 * own: the script loads (both families, ranges of both families, a port restricted to no IPv4 source at all),
 * `nft list` shows the SNAT set and the drop rules as written, an unchanged apply writes nothing, a rule
 * flushed behind the agent's back is detected and written again (counters aside), and the table goes.
 * Packets through it are the VM's job (test/integration/ipvs/coexist-vm.test.ts: IPVS exists only there).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentNftTable, agentTableScript, NFT_FAMILY, NFT_TABLE } from '../../../src/agent/ipvs/nft-table.js';
import { nftApply, nftList } from '../../../src/nft/nft.js';
import { Netlab, run } from '../../helpers/netns.js';

const INPUTS = {
  masquerade: ['172.20.1.10', 'fd00:20::10', '172.20.1.10'],
  restricted: [
    { owner: 'shop/ranged', address: '172.20.1.12', protocol: 'tcp', port: 80, sourceRanges: ['10.0.0.0/29', '2001:db8::/32'] },
    { owner: 'shop/v6only', address: '172.20.1.13', protocol: 'udp', port: 53, sourceRanges: ['2001:db8::/32'] },
    { owner: 'shop/ranged6', address: 'fd00:20::12', protocol: 'tcp', port: 443, sourceRanges: ['2001:db8::/32', '10.0.0.0/8'] },
  ],
};

describe('the agent\'s nft table', () => {
  const lab = new Netlab();
  let o: { netns: string };
  beforeAll(() => { o = { netns: lab.ns('agt') }; });
  afterAll(() => lab.cleanup());
  const listing = (): string => run('ip', ['netns', 'exec', o.netns, 'nft', 'list', 'table', NFT_FAMILY, NFT_TABLE]);

  it('loads and lists as written: SNAT sets per family, one counted drop rule per restricted port', async () => {
    const t = new AgentNftTable(o);
    expect(await t.apply(INPUTS)).toBe(true);
    const text = listing();
    expect(text).toMatch(/set cluster4 \{\s+type ipv4_addr\s+elements = \{ 172\.20\.1\.10 \}/);
    expect(text).toMatch(/set cluster6 \{\s+type ipv6_addr\s+elements = \{ fd00:20::10 \}/);
    expect(text).toContain('ct original ip daddr @cluster4 counter packets 0 bytes 0 masquerade');
    expect(text).toContain('ct original ip6 daddr @cluster6 counter packets 0 bytes 0 masquerade');
    expect(text).toContain('type nat hook postrouting priority srcnat; policy accept;');
    expect(text).toContain('type filter hook prerouting priority dstnat - 10; policy accept;');
    expect(text).toContain('ip daddr 172.20.1.12 tcp dport 80 ip saddr != 10.0.0.0/29 counter packets 0 bytes 0 drop comment "shop/ranged loadBalancerSourceRanges"');
    // no IPv4 range: no IPv4 source may reach it
    expect(text).toContain('ip daddr 172.20.1.13 udp dport 53 counter packets 0 bytes 0 drop comment "shop/v6only loadBalancerSourceRanges"');
    expect(text).toContain('ip6 daddr fd00:20::12 tcp dport 443 ip6 saddr != 2001:db8::/32 counter packets 0 bytes 0 drop');
  });

  it('writes nothing when nothing changed, and again when its table was changed behind its back', async () => {
    const t = new AgentNftTable(o);
    expect(await t.apply(INPUTS)).toBe(true);
    expect(await t.apply(INPUTS)).toBe(false);
    run('ip', ['netns', 'exec', o.netns, 'nft', 'flush', 'chain', NFT_FAMILY, NFT_TABLE, 'postrouting']);
    expect(listing()).not.toContain('masquerade');
    expect(await t.apply(INPUTS)).toBe(true);
    expect(listing()).toContain('masquerade');
    expect(await t.apply({ ...INPUTS, restricted: [] })).toBe(true);
    expect(listing()).not.toContain('drop');
  });

  it('replaces an older version of itself whole (one transaction), and deletes itself', async () => {
    await nftApply(agentTableScript({ masquerade: ['10.9.9.9'], restricted: [] }), o);
    const t = new AgentNftTable(o);
    await t.apply({ masquerade: ['172.20.1.10'], restricted: [] });
    expect(listing()).not.toContain('10.9.9.9');
    expect(await t.delete()).toBe(true);
    expect(await nftList(['list', 'tables', NFT_FAMILY], o)).toEqual([]);
    expect(await t.delete()).toBe(false);
  });
});
