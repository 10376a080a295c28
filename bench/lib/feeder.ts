/**
 * BGP feeder for the convergence benchmark (a process of its own, run inside a peer's namespace):
 *   node --import tsx bench/lib/feeder.ts ROUTER LOCAL_AS ROUTER_ID NEXT_HOP COUNT FIRST_PREFIX
 * It pre-encodes UPDATEs announcing COUNT IPv4 /32s from FIRST_PREFIX upward (packAnnouncements: as many
 * prefixes per UPDATE as 4096 bytes allow, ORIGIN IGP, AS_PATH [LOCAL_AS], NEXT_HOP), connects to
 * ROUTER:179 (retrying while the router is not listening yet), sends an OPEN with the 4-octet AS
 * (RFC 6793) and IPv4 unicast multiprotocol (RFC 4760) capabilities, and once the router's OPEN and
 * KEEPALIVE have arrived (RFC 4271 8.2.2, OpenConfirm → Established) reports `established` on stdout.
 * On `go` from stdin it writes every UPDATE and the End-of-RIB marker (RFC 4724 2) as fast as the socket
 * takes them (waiting for 'drain' whenever write() says the buffer is full) and reports
 * `sent MESSAGES MILLISECONDS`. It keeps the session up with KEEPALIVEs every third of the negotiated hold
 * time, reads and ignores whatever the router sends, and stays connected until killed (or until its stdin
 * closes: the benchmark is gone). A NOTIFICATION or a closed connection is reported as `error ...` and ends
 * the process with status 1.
 */
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { parseAddress } from '../../src/lib/address.js';
import { Framer } from '../../src/wire/bgp/framer.js';
import { decodeMessage, encodeMessage } from '../../src/wire/bgp/message.js';
import { negotiate } from '../../src/wire/bgp/negotiate.js';
import { encodeEndOfRib, packAnnouncements } from '../../src/wire/bgp/pack.js';
import { AS_TRANS, Afi, AsPathSegmentType, Origin, Safi, type CodecContext, type OpenMessage } from '../../src/wire/bgp/types.js';

const BGP_PORT = 179;
const HOLD_TIME = 90;
const CONNECT_TRIES = 150;
const CONNECT_EVERY_MS = 200;

/** `count` consecutive /32s from `first` ("100.64.0.0"). */
function hostPrefixes(first: string, count: number): { family: 4; addr: Uint8Array; len: number }[] {
  const base = parseAddress(first);
  const start = ((base[0]! << 24) | (base[1]! << 16) | (base[2]! << 8) | base[3]!) >>> 0;
  return Array.from({ length: count }, (_, i) => {
    const a = (start + i) >>> 0;
    return { family: 4 as const, addr: Uint8Array.of(a >>> 24, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff), len: 32 };
  });
}

function say(line: string): void { process.stdout.write(`${line}\n`); }

function fail(why: string): never {
  say(`error ${why}`);
  process.exit(1);
}

async function connectWithRetry(host: string): Promise<Socket> {
  for (let i = 0; i < CONNECT_TRIES; i++) {
    const sock = connect({ host, port: BGP_PORT });
    try {
      await once(sock, 'connect');
      return sock;
    } catch {
      sock.destroy();
      await new Promise((r) => setTimeout(r, CONNECT_EVERY_MS));
    }
  }
  return fail(`could not connect to ${host}:${BGP_PORT}`);
}

async function main(): Promise<void> {
  const [router, asText, routerId, nextHop, countText, first] = process.argv.slice(2);
  if (!router || !asText || !routerId || !nextHop || !countText || !first) fail('usage: feeder ROUTER LOCAL_AS ROUTER_ID NEXT_HOP COUNT FIRST_PREFIX');
  const asn = Number(asText);
  const ctx: CodecContext = { fourOctetAs: true, extendedMessage: false, addPath: new Set() };
  const updates = packAnnouncements({
    family: 4, nextHop, prefixes: hostPrefixes(first, Number(countText)),
    attributes: { origin: Origin.IGP, asPath: [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [asn] }] },
  }, ctx);
  updates.push(encodeEndOfRib(Afi.IPV4, Safi.UNICAST, ctx));
  const open: OpenMessage = {
    type: 'open', version: 4, myAs: asn > 0xffff ? AS_TRANS : asn, holdTime: HOLD_TIME, bgpId: routerId,
    capabilities: [{ kind: 'multiprotocol', afi: Afi.IPV4, safi: Safi.UNICAST }, { kind: 'four-octet-as', asn }],
  };

  const sock = await connectWithRetry(router);
  sock.setNoDelay(true);
  sock.on('error', (e) => fail(`socket: ${e.message}`));
  sock.on('close', () => fail('the router closed the connection'));
  sock.write(encodeMessage(open, ctx));

  const keepalive = encodeMessage({ type: 'keepalive' }, ctx);
  const framer = new Framer(ctx);
  let peerOpen: OpenMessage | undefined;
  let established = false;
  sock.on('data', (chunk: Buffer) => {
    for (const bytes of framer.push(chunk)) {
      const { message } = decodeMessage(bytes, ctx);
      if (message.type === 'notification') fail(`NOTIFICATION ${message.code}/${message.subcode} from the router`);
      if (message.type === 'open') {
        peerOpen = message;
        sock.write(keepalive);
      } else if (message.type === 'keepalive' && peerOpen && !established) {
        established = true;
        const n = negotiate(open, peerOpen);
        if (!n.tx.fourOctetAs || !n.families.includes(4)) fail('the router did not agree to 4-octet AS and IPv4 unicast');
        if (n.holdTime > 0) setInterval(() => sock.write(keepalive), (n.holdTime * 1000) / 3);
        say('established');
      }
    }
  });

  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() !== 'go') continue;
    if (!established) fail('go before the session was established');
    const t0 = process.hrtime.bigint();
    for (const u of updates) if (!sock.write(u)) await once(sock, 'drain');
    say(`sent ${updates.length} ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(1)}`);
  }
  // stdin closed: the benchmark is gone, so is the reason to stay connected
  process.exit(0);
}

await main();
