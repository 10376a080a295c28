/**
 * src/nft against the real nft program and kernel, in a namespace of the test's own: a table applied in one
 * transaction, read back as JSON with its counter, replaced whole, a bad script refused with nft's own message
 * and nothing changed, deleted (and deleting again reports that it was not there).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NftError, nftApply, nftDeleteTable, nftList } from '../../../src/nft/nft.js';
import { Netlab } from '../../helpers/netns.js';

describe('nft: one table, applied atomically, listed, deleted', () => {
  const lab = new Netlab();
  let o: { netns: string };
  beforeAll(() => { o = { netns: lab.ns('nft') }; });
  afterAll(() => lab.cleanup());

  const table = (port: number) => `table inet vgtest\ndelete table inet vgtest\ntable inet vgtest {\n  chain input { type filter hook input priority 0; tcp dport ${port} counter; }\n}\n`;
  const ports = async () => (await nftList(['list', 'table', 'inet', 'vgtest'], o))
    .flatMap((x) => (x['rule']?.['expr'] as { match?: { right?: number } }[] | undefined) ?? [])
    .flatMap((e) => (e.match?.right === undefined ? [] : [e.match.right]));

  it('applies, replaces whole, refuses a bad script without a change, deletes', async () => {
    await nftApply(table(8080), o);
    expect(await ports()).toEqual([8080]);
    const rule = (await nftList(['list', 'table', 'inet', 'vgtest'], o)).find((x) => 'rule' in x)!;
    expect((rule['rule']!['expr'] as object[]).some((e) => 'counter' in e)).toBe(true);
    await nftApply(table(9090), o);
    expect(await ports()).toEqual([9090]);
    const bad = await nftApply(`${table(7070)}chain inet vgtest nosuch { type filter hook nowhere priority 0; }\n`, o).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(NftError);
    expect((bad as NftError).message).toMatch(/nowhere|Error/);
    expect(await ports()).toEqual([9090]);
    expect(await nftDeleteTable('inet', 'vgtest', o)).toBe(true);
    expect(await nftDeleteTable('inet', 'vgtest', o)).toBe(false);
    expect((await nftList(['list', 'tables', 'inet'], o)).length).toBe(0);
  });
});
