/**
 * Convergence detection for the benchmark: how many routes of one protocol a namespace's kernel holds, and
 * how many of them have at least k next hops. One dump per poll (`ip -o route show proto P`, one line per
 * route), so the cost does not grow with the number of changes the router makes. Routes that point at a
 * kernel nexthop object (`nhid N`: vipgate, FRR) count the members of that group (`ip -j nexthop`); routes
 * in the RTA_MULTIPATH form (BIRD) count their `nexthop via` entries; a plain `via` route has one.
 */
import { execFile } from 'node:child_process';

export interface RouteCount {
  /** Routes of the protocol in the main table. */
  readonly present: number;
  /** Of those, routes with at least `ways` next hops. */
  readonly full: number;
}

export interface Sample extends RouteCount { readonly seconds: number }

function ip(ns: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ip', ['-n', ns, ...args], { encoding: 'utf8', maxBuffer: 1 << 28, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`ip ${args.join(' ')}: ${err.message} ${stderr}`));
      else resolve(stdout);
    });
  });
}

function occurrences(text: string, word: string): number {
  let n = 0;
  for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + word.length)) n++;
  return n;
}

/** Sizes of the kernel's nexthop objects by id: a group's member count, 1 for a single next hop. */
async function nexthopSizes(ns: string): Promise<Map<number, number>> {
  const list = JSON.parse((await ip(ns, ['-j', 'nexthop', 'show'])) || '[]') as { id: number; group?: unknown[] }[];
  return new Map(list.map((n) => [n.id, n.group?.length ?? 1]));
}

export async function countRoutes(ns: string, protocol: number, ways: number): Promise<RouteCount> {
  const lines = (await ip(ns, ['-o', 'route', 'show', 'proto', String(protocol)])).split('\n').filter((l) => l.length > 0);
  let sizes: Map<number, number> | undefined;
  let full = 0;
  for (const line of lines) {
    const nhid = / nhid (\d+)/.exec(line);
    let hops: number;
    if (nhid) {
      sizes ??= await nexthopSizes(ns);
      hops = sizes.get(Number(nhid[1])) ?? 0;
    } else {
      hops = occurrences(line, 'nexthop via') || (line.includes(' via ') ? 1 : 0);
    }
    if (hops >= ways) full++;
  }
  return { present: lines.length, full };
}

/**
 * Polls every `everyMs` (after each dump) until `count` routes have `ways` next hops, for at most
 * `timeoutMs`; `check` runs before each poll and throws to give up early (the router died). Returns the samples, each timed from `t0` (process.hrtime.bigint()) at the end of its dump:
 * the last one is an upper bound of the convergence time, its predecessor's time a lower bound.
 */
export async function waitForRoutes(ns: string, protocol: number, count: number, ways: number, t0: bigint, check: () => void, everyMs = 200, timeoutMs = 180_000): Promise<Sample[]> {
  const samples: Sample[] = [];
  const since = (): number => Number(process.hrtime.bigint() - t0) / 1e9;
  for (let i = 0; i < Math.ceil(timeoutMs / everyMs) + 1 && since() * 1000 <= timeoutMs; i++) {
    check();
    const c = await countRoutes(ns, protocol, ways);
    samples.push({ seconds: since(), ...c });
    if (c.full >= count) return samples;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  const last = samples.at(-1);
  throw new Error(`after ${timeoutMs} ms the kernel holds ${last?.present ?? 0} routes of protocol ${protocol}, ${last?.full ?? 0} of ${count} with ${ways} next hops`);
}

/**
 * The first route of `protocol` the kernel adds in `ns` from now on (other routes, such as the IPv6 local
 * routes that appear when a link-local address passes DAD, are not it): an `ip -N monitor route` child
 * (numeric protocols), ready once `ready`
 * resolves (it subscribes at start; a pause covers that), stopped after its first route line (so that it
 * costs nothing while the table is written). `seconds(t0)`: when that line arrived, from `t0`
 * (process.hrtime.bigint()), or null when no route came before stop().
 */
export function watchFirstRoute(ns: string, protocol: number): { readonly ready: Promise<void>; seconds(t0: bigint): number | null; stop(): void } {
  const child = execFile('ip', ['-N', '-n', ns, 'monitor', 'route'], { encoding: 'utf8', timeout: 300_000 });
  let at: bigint | undefined;
  child.stdout?.on('data', (text: string) => {
    if (at === undefined && text.split('\n').some((l) => !l.startsWith('Deleted') && l.includes(` proto ${protocol} `))) {
      at = process.hrtime.bigint();
      child.kill();
    }
  });
  child.on('error', () => undefined);
  return {
    ready: new Promise((r) => setTimeout(r, 300)),
    seconds: (t0) => (at === undefined ? null : Number(at - t0) / 1e9),
    stop: () => { if (child.exitCode === null) child.kill(); },
  };
}

/** Polls like waitForRoutes until the namespace holds no route of `protocol`; samples timed from `t0`. */
export async function waitForNoRoutes(ns: string, protocol: number, t0: bigint, check: () => void, everyMs = 200, timeoutMs = 180_000): Promise<Sample[]> {
  const samples: Sample[] = [];
  const since = (): number => Number(process.hrtime.bigint() - t0) / 1e9;
  for (let i = 0; i < Math.ceil(timeoutMs / everyMs) + 1 && since() * 1000 <= timeoutMs; i++) {
    check();
    const c = await countRoutes(ns, protocol, 1);
    samples.push({ seconds: since(), ...c });
    if (c.present === 0) return samples;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`after ${timeoutMs} ms the kernel still holds ${samples.at(-1)?.present ?? '?'} routes of protocol ${protocol}`);
}
