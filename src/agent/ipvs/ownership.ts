/**
 * The agent's record of what it changed on the node for IPVS, kept in a file (`ipvs.stateFile`) that
 * outlives the pod: the virtual services it created, the Service IPs it bound, whether it created the
 * dummy interface, whether it created its nftables table, and the value each sysctl had before the agent
 * first changed it. Only what is in the record is ever deleted or restored (kube-proxy's IPVS mode, an
 * operator's ipvsadm and other agents keep theirs). Every change is written to the record before it is
 * made in the kernel (so a crash leaves at worst an entry for something that does not exist, dropped at
 * the next reconcile), as a new file renamed into place. A record that cannot be read is moved aside
 * (`.unreadable`) and the agent starts from an empty one: it then owns nothing it did not create since.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface OwnedService {
  readonly protocol: 'tcp' | 'udp' | 'sctp';
  readonly address: string;
  readonly port: number;
}

export interface OwnershipRecord {
  readonly version: 1;
  /** The dummy interface, and whether this agent created it (only then is it deleted). */
  readonly interface?: { readonly name: string; readonly created: boolean };
  readonly services: readonly OwnedService[];
  /** Service IPs this agent bound to the interface (normalised text). */
  readonly addresses: readonly string[];
  /** sysctl name -> its value before this agent first wrote it. */
  readonly sysctls: Readonly<Record<string, string>>;
  /** "inet vipgate-agent" once this agent created its nftables table. */
  readonly nftTable?: string;
}

export const EMPTY_RECORD: OwnershipRecord = { version: 1, services: [], addresses: [], sysctls: {} };

export const sameService = (a: OwnedService, b: OwnedService): boolean => a.protocol === b.protocol && a.address === b.address && a.port === b.port;

function valid(x: unknown): x is OwnershipRecord {
  const r = x as Partial<OwnershipRecord> | null;
  return !!r && r.version === 1 && Array.isArray(r.services) && Array.isArray(r.addresses) && typeof r.sysctls === 'object' && r.sysctls !== null;
}

export class OwnershipStore {
  private current: OwnershipRecord = EMPTY_RECORD;
  private loaded = false;
  /** The record existed when loaded (false on a node where no agent kept one yet). */
  existed = false;

  constructor(readonly file: string, private readonly warn: (msg: string) => void = () => undefined) {}

  get record(): OwnershipRecord { return this.current; }

  /** Read the file (once); a missing file is an empty record. */
  async load(): Promise<OwnershipRecord> {
    if (this.loaded) return this.current;
    this.loaded = true;
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return this.current;
      throw new Error(`cannot read the IPVS ownership record ${this.file}: ${(e as Error).message}`, { cause: e });
    }
    let parsed: unknown;
    try { parsed = JSON.parse(text); } catch { parsed = undefined; }
    if (!valid(parsed)) {
      await rename(this.file, `${this.file}.unreadable`);
      this.warn(`the IPVS ownership record ${this.file} is not readable; moved to ${this.file}.unreadable, starting from an empty one`);
      return this.current;
    }
    this.existed = true;
    this.current = parsed;
    return this.current;
  }

  /** Replace the record with `change(record)` and write it (before the kernel change it describes). */
  async update(change: (r: OwnershipRecord) => OwnershipRecord): Promise<void> {
    await this.load();
    const next = change(this.current);
    if (JSON.stringify(next) === JSON.stringify(this.current)) return;
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    await writeFile(tmp, `${JSON.stringify(next, null, 1)}\n`, { mode: 0o600 });
    await rename(tmp, this.file);
    this.current = next;
    this.existed = true;
  }

  /** Everything recorded is undone: the file goes. */
  async remove(): Promise<void> {
    await rm(this.file, { force: true });
    this.current = EMPTY_RECORD;
    this.existed = false;
  }
}
