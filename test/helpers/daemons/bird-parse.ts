/**
 * Parsers for BIRD 2's `birdc show protocols all` and `birdc show route all` text into the harness's typed
 * model. Extended communities are turned back into wire octets from BIRD's `ec_format` output:
 * `(rt, A, N)` / `(ro, A, N)` (RFC 4360 §4 sub-types 0x02 / 0x03; a 2-octet AS when A < 65536, else the
 * 4-octet AS form of RFC 5668, an IPv4 address form when A is dotted), `(unknown 0xTTSS, A, N)` and
 * `(generic, 0xHHHHHHHH, 0xLLLLLLLL)`.
 */
import { extFromHalves, extFromParts, extFromWideParts, ipv4ToNumber, type BgpRoute, type ExtCommunity, type PeerStatus, type SessionState } from './types.js';

const STATES: readonly SessionState[] = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'];

/** `show protocols all`: BGP protocols only, keyed by their neighbor address. */
export function parseBirdProtocols(text: string): (PeerStatus & { name: string })[] {
  const out: (PeerStatus & { name: string })[] = [];
  let cur: (PeerStatus & { name: string }) | undefined;
  for (const line of text.split('\n')) {
    const head = /^(\S+)\s+BGP\s/.exec(line);
    if (head) { cur = { name: head[1]!, address: '', state: 'Idle' }; out.push(cur); continue; }
    if (/^\S/.test(line)) { cur = undefined; continue; }
    if (!cur) continue;
    const kv = /^\s+([A-Za-z -]+?):\s+(.*)$/.exec(line);
    if (!kv) continue;
    const [, key, value] = kv as unknown as [string, string, string];
    if (key === 'BGP state') cur.state = STATES.find((s) => s === value.trim()) ?? 'Idle';
    else if (key === 'Neighbor address') cur.address = value.trim();
    else if (key === 'Neighbor AS') cur.remoteAs = Number(value);
    else if (key === 'Hold timer') cur.holdTime = Number(value.split('/')[1]);
    else if (key === 'Last error') cur.lastError = value.trim();
  }
  return out.filter((p) => p.address !== '');
}

/**
 * `show route all`. `peerOf` maps a protocol name to a neighbor address (undefined for static and other
 * local protocols).
 */
export function parseBirdRoutes(text: string, peerOf: (protocol: string) => string | undefined): BgpRoute[] {
  const out: BgpRoute[] = [];
  let prefix = '';
  let cur: BgpRoute | undefined;
  let bgpNextHops: string[] = [];
  const finish = (): void => {
    if (cur && cur.nextHops.length === 0) cur.nextHops = bgpNextHops;
    bgpNextHops = [];
  };
  for (const line of text.split('\n')) {
    const path = /^(\S+)?\s+(?:unicast|blackhole|unreachable|prohibit|multipath)\s+\[(\S+)[^\]]*\](\s+\*)?/.exec(line);
    if (path && !line.startsWith('\t')) {
      finish();
      if (path[1]) prefix = path[1];
      cur = { prefix, nextHops: [], asPath: [], communities: [], largeCommunities: [], extCommunities: [], best: path[3] !== undefined };
      const peer = peerOf(path[2]!);
      if (peer !== undefined) cur.fromPeer = peer;
      out.push(cur);
      continue;
    }
    if (!cur || !line.startsWith('\t')) continue;
    const via = /^\tvia (\S+)/.exec(line);
    if (via) { cur.nextHops.push(via[1]!); continue; }
    const attr = /^\tBGP\.(\w+):\s*(.*)$/.exec(line);
    if (!attr) continue;
    const value = attr[2]!;
    switch (attr[1]) {
      case 'as_path': cur.asPath = (value.match(/\d+/g) ?? []).map(Number); break;
      case 'next_hop': bgpNextHops = value.split(/\s+/).filter(Boolean); break;
      case 'community': cur.communities = tuples(value).map((t) => t.join(':')); break;
      case 'large_community': cur.largeCommunities = tuples(value).map((t) => t.join(':')); break;
      case 'ext_community': cur.extCommunities = tuples(value).map(birdExtCommunity); break;
      default: break;
    }
  }
  finish();
  return out;
}

/** "(a, b, c) (d, e, f)" -> [["a","b","c"], ["d","e","f"]] */
function tuples(value: string): string[][] {
  return [...value.matchAll(/\(([^)]*)\)/g)].map((m) => m[1]!.split(',').map((s) => s.trim()));
}

function birdExtCommunity(t: string[]): ExtCommunity {
  const [kind = '', key = '', val = ''] = t;
  if (kind === 'generic') return extFromHalves(Number(key), Number(val));
  const unknown = /^unknown (0x[0-9a-f]+)$/.exec(kind);
  const subtype = kind === 'rt' ? 0x02 : kind === 'ro' ? 0x03 : Number(unknown?.[1] ?? NaN) & 0xff;
  if (Number.isNaN(subtype)) throw new Error(`unparsed BIRD extended community (${t.join(', ')})`);
  const dotted = key.includes('.');
  const global = dotted ? ipv4ToNumber(key) : Number(key);
  // the high type octet: given for `unknown`, inferred from the key's form for rt/ro (BIRD prints both alike)
  const type = unknown ? Number(unknown[1]) >> 8 : dotted ? 0x01 : global > 0xffff ? 0x02 : 0x00;
  const wide = (type & 0x3f) === 0x01 || (type & 0x3f) === 0x02;
  return (wide ? extFromWideParts : extFromParts)(type, subtype, global, Number(val));
}
