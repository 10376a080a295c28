/**
 * The health check of a Service IP through one next hop (src/probe/service-health.ts decides what to do with
 * the answers). Each next hop gets a firewall mark and a routing table of its own, `ip rule fwmark MARK lookup
 * TABLE` and `default via NEXTHOP` in it (iproute2, both families), made when the next hop is first checked and
 * removed at stop (and at start, what a previous run left); the check's socket carries the mark (SO_MARK), so
 * the kernel sends its SYN to that node whatever the Service IP's own route says. A TCP connect passes; with a
 * path, an HTTP/1.0 GET must answer with a status below 500. Everything is bounded by the target's timeout.
 */
import { execFile } from 'node:child_process';
import type { Socket } from 'node:net';
import { markedSocket } from '../native/marked-socket.js';
import type { HealthTarget } from '../probe/service-health.js';

/** Marks and tables 0x76670001.. ("vg"), as many as next hops checked. */
const BASE = 0x76670000;
const MAX_PATHS = 4096;
const RULE_PRIORITY = 100;

function ip(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ip', [...args], { encoding: 'utf8', timeout: 5000 }, (err, stdout, stderr) => (err ? reject(new Error(`ip ${args.join(' ')}: ${stderr.trim() || err.message}`)) : resolve(stdout)));
  });
}

const familyFlag = (address: string): '-4' | '-6' => (address.includes(':') ? '-6' : '-4');

export class NexthopPaths {
  private readonly marks = new Map<string, Promise<number>>();

  /** Remove the rules (both families) that point at our tables, from this run or an earlier one. */
  async clear(): Promise<void> {
    for (const fam of ['-4', '-6'] as const) {
      const rules = JSON.parse((await ip([fam, '-j', 'rule', 'show']).catch(() => '[]')) || '[]') as { table?: string; priority?: number }[];
      for (const r of rules) {
        const table = Number(r.table);
        if (!(table > BASE && table <= BASE + MAX_PATHS)) continue;
        await ip([fam, 'rule', 'del', 'priority', String(r.priority), 'table', String(table)]).catch(() => undefined);
        await ip([fam, 'route', 'flush', 'table', String(table)]).catch(() => undefined);
      }
    }
    this.marks.clear();
  }

  /** The mark that sends a socket's packets through `nexthop` (its rule and table made on first use). */
  mark(nexthop: string): Promise<number> {
    let m = this.marks.get(nexthop);
    if (!m) {
      if (this.marks.size >= MAX_PATHS) return Promise.reject(new Error(`more than ${MAX_PATHS} next hops to check`));
      const n = BASE + this.marks.size + 1;
      const fam = familyFlag(nexthop);
      m = ip([fam, 'route', 'replace', 'default', 'via', nexthop, 'table', String(n)])
        .then(() => ip([fam, 'rule', 'add', 'priority', String(RULE_PRIORITY), 'fwmark', String(n), 'lookup', String(n)]))
        .then(() => n);
      m.catch(() => this.marks.delete(nexthop));
      this.marks.set(nexthop, m);
    }
    return m;
  }
}

/** Undefined when `t` answers through its next hop, else why not. */
export async function checkThrough(paths: NexthopPaths, t: HealthTarget): Promise<string | undefined> {
  const mark = await paths.mark(t.nexthop);
  const address = t.prefix.split('/')[0]!;
  const socket: Socket = markedSocket(address.includes(':') ? 6 : 4, mark);
  return new Promise((resolve) => {
    let text = '';
    const done = (why: string | undefined): void => { clearTimeout(timer); socket.destroy(); resolve(why); };
    const timer = setTimeout(() => done(`no answer within ${t.timeoutMs} ms`), t.timeoutMs);
    socket.once('error', (e) => done(e.message));
    socket.connect(t.port, address, () => {
      if (t.path === undefined) { done(undefined); return; }
      socket.write(`GET ${t.path} HTTP/1.0\r\nHost: ${address.includes(':') ? `[${address}]` : address}\r\n\r\n`);
    });
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      const line = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      if (line) done(Number(line[1]) < 500 ? undefined : `HTTP ${line[1]}`);
      else if (text.length > 1024 || text.includes('\n')) done('not an HTTP answer');
    });
    socket.once('end', () => done(t.path === undefined ? undefined : 'closed before an HTTP status'));
  });
}
