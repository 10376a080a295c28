/**
 * The IPVS ownership record (src/agent/ipvs/ownership.ts) and the sysctl half of the node's setup
 * (src/agent/ipvs/node-network.ts) on files of the test's own: the record written whole and read back, an
 * unreadable one moved aside; each sysctl's earlier value recorded once, nothing written when it is already
 * right, the earlier values given back and forgotten, and a failed write named with what it means.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LinkClient } from '../../../src/agent/ipvs/link-client.js';
import { IPVS_CONNTRACK, NodeNetwork, STRICT_ARP, SysctlError } from '../../../src/agent/ipvs/node-network.js';
import { EMPTY_RECORD, OwnershipStore } from '../../../src/agent/ipvs/ownership.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
const tmp = (): string => { const d = mkdtempSync(join(tmpdir(), 'vipgate-ipvs-')); dirs.push(d); return d; };

/** A /proc/sys of our own with the three sysctls the agent writes. */
function procSys(values: Record<string, string>): string {
  const root = tmp();
  for (const [k, v] of Object.entries(values)) {
    const path = join(root, k.replaceAll('.', '/'));
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, `${v}\n`);
  }
  return root;
}
const read = (root: string, key: string): string => readFileSync(join(root, key.replaceAll('.', '/')), 'utf8').trim();
// the sysctl methods use no netlink
const NO_LINKS = {} as LinkClient;

describe('ownership record', () => {
  it('is empty without a file, written whole on each change, read back by the next run', async () => {
    const file = join(tmp(), 'state', 'ipvs.json');
    const a = new OwnershipStore(file);
    expect(await a.load()).toEqual(EMPTY_RECORD);
    expect(a.existed).toBe(false);
    await a.update((r) => ({ ...r, services: [{ protocol: 'tcp', address: '172.20.1.10', port: 80 }], addresses: ['172.20.1.10'] }));
    expect(existsSync(`${file}.tmp`)).toBe(false);
    const b = new OwnershipStore(file);
    expect(await b.load()).toEqual({ ...EMPTY_RECORD, services: [{ protocol: 'tcp', address: '172.20.1.10', port: 80 }], addresses: ['172.20.1.10'] });
    expect(b.existed).toBe(true);
    await b.remove();
    expect(existsSync(file)).toBe(false);
  });

  it('moves an unreadable record aside, says so, and starts empty (owning nothing it did not make since)', async () => {
    const file = join(tmp(), 'ipvs.json');
    writeFileSync(file, '{"version": 7}');
    const warnings: string[] = [];
    const s = new OwnershipStore(file, (m) => warnings.push(m));
    expect(await s.load()).toEqual(EMPTY_RECORD);
    expect(readFileSync(`${file}.unreadable`, 'utf8')).toBe('{"version": 7}');
    expect(warnings[0]).toMatch(/not readable; moved to .*\.unreadable/);
  });
});

describe('sysctls', () => {
  it('records each earlier value once, writes only what differs, gives the earlier values back', async () => {
    const root = procSys({ 'net.ipv4.conf.all.arp_ignore': '0', 'net.ipv4.conf.all.arp_announce': '2', 'net.ipv4.vs.conntrack': '0' });
    const store = new OwnershipStore(join(tmp(), 'ipvs.json'));
    const net = new NodeNetwork(NO_LINKS, store, 'vipgate-ipvs0', root);
    await net.setSysctls({ ...STRICT_ARP, ...IPVS_CONNTRACK });
    expect([read(root, 'net.ipv4.conf.all.arp_ignore'), read(root, 'net.ipv4.conf.all.arp_announce'), read(root, 'net.ipv4.vs.conntrack')]).toEqual(['1', '2', '1']);
    // arp_announce was already 2: not recorded (nothing to give back)
    expect(store.record.sysctls).toEqual({ 'net.ipv4.conf.all.arp_ignore': '0', 'net.ipv4.vs.conntrack': '0' });
    // a second run (the values are the agent's now) keeps the first earlier values
    writeFileSync(join(root, 'net/ipv4/vs/conntrack'), '0\n');
    await new NodeNetwork(NO_LINKS, store, 'vipgate-ipvs0', root).setSysctls(IPVS_CONNTRACK);
    expect(store.record.sysctls['net.ipv4.vs.conntrack']).toBe('0');
    expect((await net.restoreSysctls()).sort()).toEqual(['net.ipv4.conf.all.arp_ignore=0', 'net.ipv4.vs.conntrack=0']);
    expect([read(root, 'net.ipv4.conf.all.arp_ignore'), read(root, 'net.ipv4.conf.all.arp_announce'), read(root, 'net.ipv4.vs.conntrack')]).toEqual(['0', '2', '0']);
    expect(store.record.sysctls).toEqual({});
  });

  it('a sysctl that cannot be read or written is named with what it means', async () => {
    const root = procSys({ 'net.ipv4.conf.all.arp_ignore': '0' });
    const net = new NodeNetwork(NO_LINKS, new OwnershipStore(join(tmp(), 'ipvs.json')), 'vipgate-ipvs0', root);
    const missing = await net.setSysctls(IPVS_CONNTRACK).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(SysctlError);
    expect((missing as Error).message).toMatch(/^cannot write net\.ipv4\.vs\.conntrack \(.*net\/ipv4\/vs\/conntrack\): ENOENT \(no such sysctl: is the ip_vs module loaded\?\)/);
    // a directory where the file should be: reading it fails with EISDIR, named as such
    rmSync(join(root, 'net/ipv4/conf/all/arp_ignore'));
    mkdirSync(join(root, 'net/ipv4/conf/all/arp_ignore'));
    const dir = await net.setSysctls(STRICT_ARP).catch((e: unknown) => e);
    expect((dir as SysctlError).code).toBe('EISDIR');
  });
});
