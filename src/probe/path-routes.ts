/**
 * Sending a check to one Service IP through one chosen next hop, with the kernel's own policy routing: each
 * next hop gets a slot, that is a block of local TCP ports (outside ip_local_port_range by default) and a
 * routing table holding only `default via NEXTHOP`; one rule per slot (`ipproto tcp sport FROM-TO lookup
 * TABLE`) sends what leaves those ports through that table. A socket bound to one of the slot's ports thus
 * reaches the Service IP through that node and no other, whatever the main table's ECMP group says.
 * Rules and routes are written with iproute2's `ip -batch` (rules are few and change with the set of next
 * hops, not with the routes); what a previous run left in the tables is removed at start.
 */
import { execFile } from 'node:child_process';
import { familyOf } from '../lib/address.js';
import { requireProgramFrom } from '../lib/programs.js';

export interface PathSlotsOptions {
  /** First local port; each slot takes `portsPerSlot` ports from here on. */
  readonly sourcePorts: number;
  readonly portsPerSlot: number;
  /** First routing table id (one per slot); also the first rule priority is `rulePriority`. */
  readonly table: number;
  readonly rulePriority: number;
}

export interface PathSlot {
  readonly nexthop: string;
  readonly index: number;
  /** Local ports that leave through this next hop. */
  readonly ports: readonly number[];
}

type IpRunner = (family: 4 | 6, lines: readonly string[]) => Promise<void>;

/** Errors of a delete whose object is not there: expected when clearing. */
const ABSENT = /^(RTNETLINK answers: No such file or directory|Command failed -:\d+)$/;

/**
 * `ip -4|-6 -force -batch -`, each line a command; -force goes on past a failed line, and only errors other
 * than "not there" (deleting what a previous run did not leave) fail the call.
 */
export const runIpBatch: IpRunner = (family, lines) => new Promise((resolve, reject) => {
  const ip = requireProgramFrom('ip', 'iproute2');
  const child = execFile(ip, [`-${family}`, '-force', '-batch', '-'], { timeout: 10_000 }, (err, _out, stderr) => {
    const real = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !ABSENT.test(l));
    if (err && (real.length > 0 || err.killed)) reject(new Error(`ip -batch: ${real.join('; ') || err.message}`));
    else resolve();
  });
  child.stdin?.end(`${lines.join('\n')}\n`);
});

export class PathSlots {
  private readonly slots = new Map<string, PathSlot>();
  private readonly free: number[] = [];
  readonly capacity: number;

  constructor(private readonly options: PathSlotsOptions, private readonly ip: IpRunner = runIpBatch) {
    this.capacity = Math.min(1024, Math.floor((65536 - options.sourcePorts) / options.portsPerSlot));
    for (let i = this.capacity - 1; i >= 0; i--) this.free.push(i);
  }

  get(nexthop: string): PathSlot | undefined { return this.slots.get(nexthop); }

  /** Removes every rule and table route of every slot (a previous run's, or ours at close). */
  async clear(): Promise<void> {
    const lines: string[] = [];
    for (let i = 0; i < this.capacity; i++) lines.push(`rule del priority ${this.options.rulePriority + i}`, `route flush table ${this.options.table + i}`);
    await this.ip(4, lines);
    await this.ip(6, lines);
    this.slots.clear();
    this.free.length = 0;
    for (let i = this.capacity - 1; i >= 0; i--) this.free.push(i);
  }

  /** A slot for the next hop (rule and table written once); undefined when every slot is taken. */
  async open(nexthop: string): Promise<PathSlot | undefined> {
    const known = this.slots.get(nexthop);
    if (known) return known;
    const index = this.free.pop();
    if (index === undefined) return undefined;
    const { sourcePorts, portsPerSlot, table, rulePriority } = this.options;
    const from = sourcePorts + index * portsPerSlot;
    const slot: PathSlot = { nexthop, index, ports: Array.from({ length: portsPerSlot }, (_, i) => from + i) };
    this.slots.set(nexthop, slot);
    try {
      await this.ip(familyOf(nexthop), [
        `rule del priority ${rulePriority + index}`,
        `route replace default via ${nexthop} table ${table + index}`,
        `rule add priority ${rulePriority + index} ipproto tcp sport ${from}-${from + portsPerSlot - 1} lookup ${table + index}`,
      ]);
    } catch (e) {
      this.slots.delete(nexthop);
      this.free.push(index);
      throw e;
    }
    return slot;
  }

  async close(nexthop: string): Promise<void> {
    const slot = this.slots.get(nexthop);
    if (!slot) return;
    this.slots.delete(nexthop);
    await this.ip(familyOf(nexthop), [`rule del priority ${this.options.rulePriority + slot.index}`, `route flush table ${this.options.table + slot.index}`]);
    this.free.push(slot.index);
  }
}
