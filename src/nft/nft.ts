/**
 * nftables through the `nft` program (Debian package nftables), the one narrow way vipgate programs packet
 * filtering, NAT and counters: a script applied in one `nft -f -` run is one netlink batch, which the kernel
 * commits all or nothing, so a table is replaced whole (`table …` + `delete table …` + `table … { … }`) without
 * a moment where half of it is in place; read back with `nft -j` (libnftables' JSON schema, an array under
 * `nftables`); a table deleted only if it exists. Each owner (the router, the agent) keeps its own table and
 * never touches another's, as kube-proxy and firewalld do.
 */
import { execFile } from 'node:child_process';

export interface NftOptions {
  /** The nft program (default: `nft` on PATH). */
  readonly bin?: string;
  /** Run inside this named network namespace (`ip netns exec`), for the lab and tests. */
  readonly netns?: string;
  /** Bound for one run (default 10 s). */
  readonly timeoutMs?: number;
}

export class NftError extends Error {
  constructor(readonly args: readonly string[], readonly stderr: string, cause?: unknown) {
    super(`nft ${args.join(' ')}: ${stderr.trim() || String(cause)}`, { cause });
    this.name = 'NftError';
  }
}

/** One object of `nft -j` output: { table: … }, { chain: … }, { rule: … }, { set: … }, { counter: … }, … */
export type NftObject = Readonly<Record<string, Record<string, unknown>>>;

function nft(args: readonly string[], input: string | undefined, o: NftOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const [file, argv] = o.netns === undefined ? [o.bin ?? 'nft', [...args]] : ['ip', ['netns', 'exec', o.netns, o.bin ?? 'nft', ...args]];
    const child = execFile(file, argv, { encoding: 'utf8', timeout: o.timeoutMs ?? 10_000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => (err ? reject(new NftError(args, stderr, err)) : resolve(stdout)));
    // nft may exit before it reads stdin (a list command, an early error): its exit status tells, not EPIPE
    child.stdin?.on('error', () => undefined);
    if (input === undefined) child.stdin?.end(); else child.stdin?.end(input);
  });
}

/** Apply `script` (nft's own syntax) as one transaction. */
export async function nftApply(script: string, o: NftOptions = {}): Promise<void> {
  await nft(['-f', '-'], script, o);
}

/** `nft -j <args>` (e.g. ['list', 'table', 'inet', 'vipgate']): the objects, metainfo left out. */
export async function nftList(args: readonly string[], o: NftOptions = {}): Promise<NftObject[]> {
  const text = await nft(['-j', ...args], undefined, o);
  const parsed = JSON.parse(text) as { nftables?: NftObject[] };
  return (parsed.nftables ?? []).filter((x) => !('metainfo' in x));
}

/** Delete a table if it is there; true when one was deleted. */
export async function nftDeleteTable(family: string, name: string, o: NftOptions = {}): Promise<boolean> {
  const had = (await nftList(['list', 'tables', family], o)).some((t) => t['table']?.['name'] === name);
  // `destroy table` needs nft 1.0.8 (Debian 12 has 1.0.6); add-then-delete in one batch works either way
  await nftApply(`table ${family} ${name}\ndelete table ${family} ${name}\n`, o);
  return had;
}
