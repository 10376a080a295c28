/**
 * The desired-state FIB manager: the router hands it route changes in batches (`apply`) and awaits their
 * completion; it keeps the kernel's routes of our protocol equal to them through nexthop objects and shared
 * groups (model.ts), or RTA_MULTIPATH routes where the kernel has no nexthop objects (detected at open).
 * At open it adopts what a previous run left in the kernel, so unchanged routes are never rewritten;
 * `sweep` then deletes what the router no longer wants, and our routes that an earlier configuration left
 * in another table or at another metric. A monitor restores our routes when someone else
 * deletes them and resyncs from a full dump when notifications were lost (ENOBUFS). Operations run one at
 * a time in call order.
 */
import { formatAddress, formatPrefix, parseAddress, parsePrefix, type Prefix } from '../lib/address.js';
import { Reader } from '../lib/bytes.js';
import {
  AF_INET, AF_INET6, NLM_F_DUMP, NLM_F_REQUEST, RT_TABLE_MAIN, RT_TABLE_UNSPEC, RTM_GETNEXTHOP, RTM_GETROUTE, RTM_NEWNEXTHOP, RTM_NEWROUTE,
} from '../wire/netlink/constants.js';
import { buildMessage } from '../wire/netlink/message.js';
import { decodeNexthop, encodeNexthop, type NexthopMessage } from '../wire/netlink/nexthop.js';
import { decodeRoute, encodeRoute, type RouteMessage } from '../wire/netlink/route.js';
import { KernelError, NetlinkChannel } from './channel.js';
import { FibCounters } from './counters.js';
import { encodeKernelRequests, type KernelRequest, type ResilientConfig, type RouteSettings } from './kernel-request.js';
import { FibModel, IdAllocator, type DesiredChange, type FibMode } from './model.js';
import type { FibChange, Nexthop } from '../lib/nexthop.js';
import { RouteMonitor } from './monitor.js';
import { adopt, diff, leftBehind, type KernelSnapshot } from './reconcile.js';
import { resolveNexthops } from './resolve.js';

/** Our routing protocol number (rt_protos: firmware/etc/iproute2/rt_protos.d/vipgate.conf). */
export const RTPROT_VIPGATE = 201;
/** FRR's seed output shows BGP routes at metric 20. */
export const DEFAULT_METRIC = 20;
/** Kernel requests encoded and queued at a time (twice the channel's default unanswered limit). */
const EXECUTE_CHUNK = 4096;

/** A FibChange as any caller may give it: the prefix as text or parsed, a weight 1..256 or left out (1). */
export type FibChangeInput = FibChange<string | Prefix, { readonly address: string; readonly weight?: number }>;
type NexthopInput = Extract<FibChangeInput, { op: 'set' }>['nexthops'][number];

/** One of our routes as the kernel has it. */
export interface KernelRoute {
  readonly prefix: string;
  readonly table: number;
  readonly metric: number;
  readonly protocol: string;
  readonly nexthopGroup?: number;
  readonly nexthops: readonly { readonly gateway: string; readonly weight: number }[];
}

export interface FibFailure {
  /** What failed: "route 10.1.1.1/32", "nexthop 10.0.0.2", "group 1000003". */
  readonly what: string;
  /** errno name, e.g. "ENETUNREACH". */
  readonly code: string;
  /** The kernel's extended-ack text or our explanation. */
  readonly message: string;
}

export interface ApplyResult {
  /** Kernel requests sent. */
  readonly requests: number;
  readonly failures: readonly FibFailure[];
}

export type FibEvent =
  | { readonly type: 'restored'; readonly prefixes: readonly string[] }
  | { readonly type: 'resync'; readonly reason: string; readonly result: ApplyResult }
  | { readonly type: 'error'; readonly error: Error };

export interface FibOptions {
  /** Routing table (default main, 254). */
  table?: number;
  protocol?: number;
  metric?: number;
  /** 'auto' (default) uses nexthop objects when the kernel has them. */
  mode?: 'auto' | FibMode;
  /** Make every group resilient (type resilient) with these parameters. */
  resilient?: ResilientConfig;
  /** First nexthop id to allocate (default 1,000,000); ids in use by anyone are skipped. */
  nexthopIdBase?: number;
  /** Messages per sendmsg (default 200). */
  batchSize?: number;
  /** Unanswered changes before sending waits (default 2000). */
  maxOutstanding?: number;
  /** Watch for deletions by others and lost notifications (default true). */
  monitor?: boolean;
  monitorReceiveBufferBytes?: number;
}

export class Fib {
  onEvent: (e: FibEvent) => void = () => {};
  /** Kernel requests sent and refused since open (the router's metrics). */
  readonly counters = new FibCounters();

  private tail: Promise<unknown> = Promise.resolve();
  private orphans: number[];
  /** Deletions of our routes found at open in another table or at another metric (for the sweep). */
  private elsewhere: KernelRequest[];
  private monitor: RouteMonitor | undefined;
  private readonly toRestore = new Set<string>();
  private resyncReason: string | undefined;
  /** The kernel refused something (e.g. an interface was down): resync when any interface changes. */
  private degraded = false;
  private closed = false;

  private constructor(
    private readonly channel: NetlinkChannel,
    readonly settings: RouteSettings,
    readonly model: FibModel,
    snapshot: KernelSnapshot,
  ) {
    this.orphans = adopt(model, snapshot, settings);
    this.elsewhere = leftBehind(snapshot, settings);
  }

  get mode(): FibMode { return this.model.mode; }

  /** Open the netlink sockets, detect nexthop object support, adopt our protocol's kernel state. */
  static async open(opts: FibOptions = {}): Promise<Fib> {
    const settings: RouteSettings = { table: opts.table ?? RT_TABLE_MAIN, protocol: opts.protocol ?? RTPROT_VIPGATE, metric: opts.metric ?? DEFAULT_METRIC };
    const channel = new NetlinkChannel({
      ...(opts.batchSize ? { batchSize: opts.batchSize } : {}), ...(opts.maxOutstanding ? { maxOutstanding: opts.maxOutstanding } : {}),
    });
    let monitor: RouteMonitor | undefined;
    try {
      let mode: FibMode = opts.mode === 'multipath' ? 'multipath' : 'objects';
      let fib: Fib | undefined;
      let missed = false;
      const handlers = {
        routeDeleted: (key: string) => (fib ? fib.routeDeleted(key) : (missed = true)),
        nexthopDeleted: (id: number) => (fib ? fib.nexthopDeleted(id) : (missed = true)),
        linkChanged: (index: number) => (fib ? fib.linkChanged(index) : (missed = true)),
        overflow: (reason: string) => (fib ? fib.requestResync(reason) : (missed = true)),
      };
      // watch before dumping, so that nothing between the dump and the first apply goes unnoticed
      if (opts.monitor ?? true) monitor = new RouteMonitor(settings, handlers, channel.portId, opts.monitorReceiveBufferBytes);
      let nexthops: NexthopMessage[] = [];
      if (mode === 'objects') {
        try {
          nexthops = await dumpNexthops(channel);
        } catch (e) {
          if (opts.mode === 'objects' || !(e instanceof KernelError)) throw e;
          mode = 'multipath';
        }
      }
      const model = new FibModel(new IdAllocator(opts.nexthopIdBase ?? 1_000_000), mode, opts.resilient);
      // every table: ours elsewhere (an old fib.table or fib.metric) are found and swept
      fib = new Fib(channel, settings, model, { nexthops, routes: await dumpRoutes(channel, settings.protocol) });
      fib.monitor = monitor;
      if (missed) fib.requestResync('kernel changes while starting');
      return fib;
    } catch (e) {
      monitor?.close();
      channel.close();
      throw e;
    }
  }

  /** Make the kernel match these changes (later changes to the same prefix win). Changes for all prefixes
   * affected by one event (a peer down) belong in one call, so that shared groups are rewritten in place. */
  apply(changes: Iterable<FibChangeInput>): Promise<ApplyResult> {
    const parsed = parseRouteChanges(changes);
    return this.serial(async () => {
      const desired = [...parsed.changes.values()];
      const { resolved, failed } = await resolveNexthops(this.channel, this.model.unknownAddresses(desired));
      const failures: FibFailure[] = [...parsed.failures];
      for (const [address, f] of failed) failures.push({ what: `nexthop ${address}`, ...f });
      const usable = failed.size === 0 ? desired : desired.filter((c) => {
        const bad = c.hops?.find((h) => failed.has(h.address));
        if (bad) failures.push({ what: `route ${c.key}`, code: failed.get(bad.address)!.code, message: `not installed: next hop ${bad.address} is unusable` });
        return !bad;
      });
      const result = await this.execute(this.model.plan(usable, resolved));
      return { requests: result.requests, failures: [...failures, ...result.failures] };
    });
  }

  /** A next hop is gone (BFD down, peer lost): remove it from every group at once, one request per group,
   * before the router's route changes for it arrive (they then cost no kernel request). */
  withdrawNexthop(address: string): Promise<ApplyResult> {
    return this.serial(() => this.execute(this.model.withdraw(formatAddress(parseAddress(address)))));
  }

  /** Delete the routes adopted at open that no change has confirmed since, ours found at open in another table
   * or at another metric, and unused groups and nexthops (routes first: they may use the groups). */
  sweep(): Promise<ApplyResult> {
    return this.serial(async () => {
      const orphans = this.orphans.map((id): KernelRequest => ({ kind: 'delete-nexthop', id }));
      const elsewhere = this.elsewhere;
      this.orphans = [];
      this.elsewhere = [];
      return this.execute([...elsewhere, ...this.model.sweep(), ...orphans]);
    });
  }

  /** Dump the kernel and repair every difference from the model. */
  resync(reason = 'requested'): Promise<ApplyResult> {
    return this.serial(() => this.resyncNow(reason));
  }

  /** Routes the model holds (installed or adopted). */
  get routeCount(): number { return this.model.routes.size; }

  /** Wait for queued work, then close the sockets. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.monitor?.close();
    await this.tail.catch(() => undefined);
    this.channel.close();
  }

  // ---- internals

  /**
   * The kernel's own view of our routes (a dump, not our model): each prefix with its group and the
   * gateways and weights the kernel uses, for `vipgate show routes`.
   */
  kernelRoutes(): Promise<KernelRoute[]> {
    return this.serial(async () => {
      const nexthops = this.model.mode === 'objects' ? await dumpNexthops(this.channel) : [];
      const byId = new Map(nexthops.filter((n) => n.id !== undefined).map((n) => [n.id!, n]));
      const gateway = (n: NexthopMessage | undefined): string => (n?.gateway ? formatAddress(n.gateway) : '?');
      return (await dumpRoutes(this.channel, this.settings.protocol, this.settings.table)).map((r): KernelRoute => {
        const prefix = r.dst ? `${formatAddress(r.dst)}/${r.dstLen}` : r.family === AF_INET6 ? '::/0' : '0.0.0.0/0';
        const top = r.nhId !== undefined ? byId.get(r.nhId) : undefined;
        const hops = top?.group ? top.group.map((m) => ({ gateway: gateway(byId.get(m.id)), weight: m.weight }))
          : top ? [{ gateway: gateway(top), weight: 1 }]
            : (r.multipath ?? []).map((m) => ({ gateway: m.gateway ? formatAddress(m.gateway) : '?', weight: m.weight }));
        if (hops.length === 0 && r.gateway) hops.push({ gateway: formatAddress(r.gateway), weight: 1 });
        return {
          prefix, table: r.table, metric: r.priority ?? 0, protocol: String(r.protocol),
          ...(r.nhId !== undefined ? { nexthopGroup: r.nhId } : {}), nexthops: hops,
        };
      }).sort((a, b) => a.prefix.localeCompare(b.prefix, 'en', { numeric: true }));
    });
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('fib is closed'));
    const run = this.tail.then(op);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Send the requests in order and collect the kernel's answers. They are encoded and queued EXECUTE_CHUNK at
   * a time, the next chunk once fewer than that are unanswered: the channel never runs dry, and a batch of
   * 100,000 routes does not hold 100,000 encoded messages and queue entries at once.
   */
  private execute(requests: readonly KernelRequest[]): Promise<ApplyResult> {
    if (requests.length === 0) return Promise.resolve({ requests: 0, failures: [] });
    return new Promise((resolve) => {
      const failures: FibFailure[] = [];
      let answered = 0;
      let queued = 0;
      const feed = (): void => {
        const end = Math.min(requests.length, queued + EXECUTE_CHUNK);
        const messages = encodeKernelRequests(requests.slice(queued, end), this.settings);
        for (let i = queued; i < end; i++) this.counters.requested(requests[i]!);
        const first = queued;
        queued = end;
        for (let i = 0; i < messages.length; i++) this.channel.write(messages[i]!, done, first + i);
      };
      const done = (err: KernelError | undefined, i: number): void => {
        if (err) {
          this.degraded = true;
          this.counters.failed(requests[i]!, err.code);
          failures.push({ what: describe(requests[i]!), code: err.code, message: err.kernelMessage ?? err.message });
          if (err.code === 'ENOBUFS') this.requestResync('acks lost (ENOBUFS)');
        }
        if (++answered === requests.length) resolve({ requests: requests.length, failures });
        else if (queued < requests.length && queued - answered < EXECUTE_CHUNK) feed();
      };
      feed();
    });
  }

  private async resyncNow(reason: string): Promise<ApplyResult> {
    const nexthops = this.model.mode === 'objects' ? await dumpNexthops(this.channel) : [];
    const routes = await dumpRoutes(this.channel, this.settings.protocol, this.settings.table);
    const result = await this.execute(diff(this.model, { nexthops, routes }, this.settings));
    this.degraded = result.failures.length > 0;
    this.onEvent({ type: 'resync', reason, result });
    return result;
  }

  private routeDeleted(key: string): void {
    const r = this.model.routes.get(key);
    if (!r?.group || r.stale) return;
    if (this.toRestore.size === 0) {
      void this.serial(async () => {
        const keys = [...this.toRestore];
        this.toRestore.clear();
        const reqs = keys.flatMap((k) => { const e = this.model.routes.get(k); const q = e && this.model.routeRequest(e); return q ? [q] : []; });
        const result = await this.execute(reqs);
        this.onEvent({ type: 'restored', prefixes: keys });
        for (const f of result.failures) this.onEvent({ type: 'error', error: new Error(`restoring ${f.what}: ${f.code} ${f.message}`) });
      }).catch((error: Error) => this.onEvent({ type: 'error', error }));
    }
    this.toRestore.add(key);
  }

  private linkChanged(index: number): void {
    if (this.degraded || [...this.model.nexthops.values()].some((nh) => nh.oif === index)) this.requestResync(`interface ${index} changed`);
  }

  private nexthopDeleted(id: number): void {
    if (this.model.nexthops.has(id) || this.model.groups.has(id)) this.requestResync(`nexthop ${id} deleted by someone else`);
  }

  private requestResync(reason: string): void {
    if (this.resyncReason !== undefined || this.closed) return;
    this.resyncReason = reason;
    void this.serial(() => {
      const why = this.resyncReason ?? reason;
      this.resyncReason = undefined;
      return this.resyncNow(why);
    }).catch((error: Error) => this.onEvent({ type: 'error', error }));
  }
}

/** Route changes as the model takes them: prefixes and next hops parsed and checked, the last change per
 * prefix kept; what does not parse is a failure. Exported for bench/rib.ts. */
export function parseRouteChanges(changes: Iterable<FibChangeInput>): { changes: Map<string, DesiredChange>; failures: FibFailure[] } {
  const out = new Map<string, DesiredChange>();
  const failures: FibFailure[] = [];
  // routes share next-hop sets: each distinct set is parsed and checked once, and the resulting array is
  // shared so that the model keys it once (model.setKey caches per array). Callers that share one array per
  // set (the Loc-RIB does) are recognised by identity, others by the set's text.
  const sets = new Map<string, readonly Nexthop[] | Error>();
  const byArray = { 4: new Map<readonly NexthopInput[], readonly Nexthop[] | Error>(), 6: new Map<readonly NexthopInput[], readonly Nexthop[] | Error>() };
  for (const c of changes) {
    let prefix: Prefix;
    try {
      prefix = typeof c.prefix === 'string' ? parsePrefix(c.prefix) : c.prefix;
    } catch (e) {
      failures.push({ what: `route ${String(c.prefix)}`, code: 'EINVAL', message: (e as Error).message });
      continue;
    }
    const key = c.key ?? formatPrefix(prefix);
    if (c.op === 'delete') { out.set(key, { key, prefix }); continue; }
    let hops = byArray[prefix.family].get(c.nexthops);
    if (!hops) {
      let raw = `${prefix.family}`;
      for (const n of c.nexthops) raw += `,${n.address}*${n.weight ?? 1}`;
      hops = sets.get(raw);
      if (!hops) sets.set(raw, hops = parseHops(c.nexthops, prefix.family));
      byArray[prefix.family].set(c.nexthops, hops);
    }
    if (hops instanceof Error) failures.push({ what: `route ${key}`, code: 'EINVAL', message: hops.message });
    else out.set(key, { key, prefix, hops });
  }
  return { changes: out, failures };
}

function parseHops(nexthops: readonly NexthopInput[], family: 4 | 6): readonly Nexthop[] | Error {
  try {
    const hops = nexthops.map((n): Nexthop => {
      const address = formatAddress(parseAddress(n.address));
      const weight = n.weight ?? 1;
      if (!Number.isInteger(weight) || weight < 1 || weight > 256) throw new Error(`weight ${weight} of ${address} is not 1..256`);
      if ((address.includes(':') ? 6 : 4) !== family) throw new Error(`next hop ${address} is not of the prefix's family`);
      return { address, weight };
    });
    if (new Set(hops.map((h) => h.address)).size !== hops.length) throw new Error('a next hop is listed twice');
    return hops;
  } catch (e) {
    return e as Error;
  }
}

function describe(req: KernelRequest): string {
  switch (req.kind) {
    case 'nexthop': return `nexthop ${formatAddress(req.gateway)} (id ${req.id})`;
    case 'group': return `group ${req.id}`;
    case 'delete-nexthop': return `delete nexthop ${req.id}`;
    case 'route': case 'multipath-route': return `route ${formatPrefix(req.prefix)}`;
    case 'delete-route': return `delete route ${formatPrefix(req.prefix)}${req.table === undefined ? '' : ` (table ${req.table} metric ${req.metric})`}`;
  }
}

async function dumpNexthops(channel: NetlinkChannel): Promise<NexthopMessage[]> {
  const replies = await channel.dump(buildMessage({ type: RTM_GETNEXTHOP, flags: NLM_F_REQUEST | NLM_F_DUMP, seq: 0, pid: 0 }, (w) =>
    encodeNexthop(w, { family: 0, scope: 0, protocol: 0, flags: 0 })));
  return replies.filter((m) => m.type === RTM_NEWNEXTHOP).map((m) => decodeNexthop(new Reader(m.payload)));
}

/** Our routes, both families: the kernel filters by protocol and table (NETLINK_GET_STRICT_CHK; without a
 * table, every table). */
async function dumpRoutes(channel: NetlinkChannel, protocol: number, table = RT_TABLE_UNSPEC): Promise<RouteMessage[]> {
  const out: RouteMessage[] = [];
  for (const family of [AF_INET, AF_INET6]) {
    let replies;
    try {
      replies = await channel.dump(buildMessage({ type: RTM_GETROUTE, flags: NLM_F_REQUEST | NLM_F_DUMP, seq: 0, pid: 0 }, (w) =>
        encodeRoute(w, { family, dstLen: 0, srcLen: 0, tos: 0, table, protocol, scope: 0, type: 0, flags: 0 })));
    } catch (e) {
      if (e instanceof KernelError && e.code === 'ENOENT') continue; // the table does not exist yet
      throw e;
    }
    for (const m of replies) if (m.type === RTM_NEWROUTE) out.push(decodeRoute(new Reader(m.payload)));
  }
  return out;
}
