/**
 * The BGP side of the agent: one Speaker (src/bgp), one Peer per configured router that this node
 * talks to, dialling out like MetalLB's speaker. It is handed the whole desired state and works out the
 * difference itself: new or changed routes are offered, routes no longer wanted are retracted (the
 * Adj-RIB-Out turns that into UPDATEs and coalesces bursts), and a session that comes up is given the
 * full current table (Peer's exportTable). Route attributes: ORIGIN IGP, empty AS_PATH (our AS is
 * prepended on eBGP, RFC 4271 5.1.2), next hop = our address on the session (5.1.3), communities
 * (RFC 1997), large communities (RFC 8092), LOCAL_PREF (iBGP only, 5.1.5) and the link bandwidth
 * extended community (draft-ietf-idr-link-bandwidth, bytes per second as IEEE float). Sessions: TCP MD5
 * (RFC 2385) when a password is set; TTL 1 for single-hop eBGP, `ebgpMultihop` or 255 otherwise.
 *
 * Failover: a BFD session per peer with `bfd` (RFC 5880/5881; RFC 5883 multihop for a multi-hop eBGP
 * router); BFD Down takes that BGP session down at
 * once with Cease/BFD Down (RFC 5882 4.3, RFC 9384) and lets it reconnect. A stop drains the RFC 8326
 * way (every route re-announced with GRACEFUL_SHUTDOWN, then withdrawn) or, for a restart, closes the
 * sessions without NOTIFICATION (RFC 4724 4.1) after advertising the graceful restart capability with
 * the Forwarding State bit set for IPv4 and IPv6 unicast.
 */
import { networkInterfaces } from 'node:os';
import type { Socket } from 'node:net';
import type { ConnectionDirection } from '../../bgp/connection.js';
import { applySessionTtl } from '../../native/session-ttl.js';
import { md5Socket } from '../../native/tcp-md5.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import { Peer, type PeerOptions } from '../../bgp/peer.js';
import { Speaker } from '../../bgp/speaker.js';
import { describeDown } from '../../bgp/session-down.js';
import type { ExportRoute } from '../../bgp/export.js';
import { linkBandwidth } from '../../wire/bgp/communities.js';
import { formatAddress, parseAddress } from '../../lib/address.js';
import { ipv6OnSameInterface } from '../../lib/interfaces.js';
import { CeaseSubcode, WellKnownCommunity, type PathAttributes } from '../../wire/bgp/types.js';
import { sha1Key, type BfdService } from '../../bfd/service.js';
import type { PeerConfig } from '../config/model.js';
import { endpointOf, peerChanges, type PeerChanges, type SessionIdentity } from '../reconfigure.js';
import type { Announcement, DesiredState } from './desired.js';

/**
 * The peer's source address when this node has it (MetalLB's meaning of sourceAddress: used if it is one of
 * the host's addresses, otherwise the kernel chooses), or undefined.
 */
function ownSourceAddress(c: PeerConfig, log: Logger): string | undefined {
  if (!c.sourceAddress) return undefined;
  const want = canonical(c.sourceAddress);
  const mine = Object.values(networkInterfaces()).some((list) => list?.some((a) => canonical(a.address) === want));
  if (!mine) log.warn({ peer: c.name, sourceAddress: c.sourceAddress }, 'sourceAddress is not an address of this node: the kernel chooses the source, as MetalLB does');
  return mine ? c.sourceAddress : undefined;
}

export interface AnnouncerEvents {
  /** A session reached Established or left it. */
  session(peer: string, up: boolean, reason?: string): void;
}

interface Session { cfg: PeerConfig; readonly peer: Peer; routes: Map<string, ExportRoute> }

export interface AnnouncerOptions {
  readonly events?: AnnouncerEvents;
  /** Our graceful restart capability (RFC 4724 3); `restarting` sets the Restart State bit. */
  readonly gracefulRestart?: SessionIdentity['gracefulRestart'];
  /** The node's name, sent in the hostname capability so the router's views and cluster page name us. */
  readonly hostname?: string;
}

/** Addresses compare in one canonical text form, as the BFD service reports them. */
const canonical = (address: string): string => formatAddress(parseAddress(address));

export class Announcer {
  private readonly speaker: Speaker;
  private readonly sessions = new Map<string, Session>();
  /** Interned attributes: equal announcements share one object, so unchanged routes are not resent. */
  private readonly interned = new Map<string, PathAttributes>();
  private state: DesiredState = new Map();
  private bfd?: BfdService;
  /** RFC 8326: sessions named here announce every route with GRACEFUL_SHUTDOWN. */
  private readonly draining = new Set<string>();
  /** What every OPEN carries besides the peer's settings; replaced by setPeers on a reload. */
  private identity: SessionIdentity;
  private readonly hostname: string | undefined;

  constructor(clock: Clock, private readonly log: Logger, routerId: string, o: AnnouncerOptions = {}) {
    this.identity = { routerId, gracefulRestart: o.gracefulRestart };
    this.hostname = o.hostname;
    const events = o.events;
    this.speaker = new Speaker(clock, {
      state: (peer, from, to) => log.debug({ peer: peer.name, from, to }, `peer ${peer.name} ${from} -> ${to}`),
      established: (peer) => { log.info({ peer: peer.name }, `peer ${peer.name} established`); events?.session(peer.name, true); },
      down: (peer, cause) => {
        const reason = describeDown(cause);
        log.warn({ peer: peer.name, reason }, `peer ${peer.name} down: ${reason}`);
        events?.session(peer.name, false, reason);
      },
      routes: () => undefined,
      endOfRib: () => undefined,
      updateErrors: (peer, errors) => { for (const e of errors) log.warn({ peer: peer.name }, `RFC 7606: ${e.message}`); },
      exportTable: (peer) => this.sessions.get(peer.name)?.routes.values() ?? [],
      refused: () => undefined,
      peerAdded: () => undefined,
      peerRemoved: () => undefined,
    });
  }

  peers(): Peer[] { return this.speaker.peers(); }
  desired(): DesiredState { return this.state; }

  private options(c: PeerConfig): PeerOptions {
    const families = c.families ?? [4, 6];
    // RFC 4724 per session: MetalLB's enableGracefulRestart, within the agent's gracefulRestart.enabled
    const gr = c.gracefulRestart !== false ? this.identity.gracefulRestart : undefined;
    const source = ownSourceAddress(c, this.log);
    const base = {
      name: c.name, address: c.address, port: c.port, families, nextHopSelf: true,
      ...(source ? { localAddress: source } : {}),
      ...(this.hostname ? { hostname: this.hostname } : {}),
      ipv6NextHop: ipv6OnSameInterface,
      // no N bit (RFC 8538): a restart closes without NOTIFICATION anyway, and without it the Cease that ends
      // a graceful shutdown makes every helper drop our routes at once instead of keeping them as stale
      ...(gr ? { gracefulRestart: { restarting: false, ...gr, notification: false } } : {}),
      // RFC 4271 / FRR's defaults: single-hop eBGP sends with TTL 1, iBGP and multihop eBGP further
      prepareSocket: (socket: Socket, direction: ConnectionDirection) => applySessionTtl(socket, direction,
        { address: c.address, ttl: c.peerAsn === c.myAsn || c.peerAsn === 'internal' ? 255 : c.ebgpMultihop ?? 1 },
        (e) => this.log.error({ peer: c.name, err: e }, 'cannot set the session TTL')),
      ...(c.password ? { openSocket: () => md5Socket(c.address, c.password!) } : {}),
    };
    return {
      ...base,
      fsm: {
        localAs: c.myAsn, routerId: c.routerId ?? this.identity.routerId, remoteAs: c.peerAsn, holdTime: c.holdTime,
        ...(c.keepalive === undefined ? {} : { keepaliveTime: c.keepalive }),
        connectRetryTime: c.connectRetry, passive: false, autoRestart: true, idleHoldTime: 1, idleHoldMax: 60,
        capabilities: Peer.capabilities({ ...base, localAs: c.myAsn }),
      },
    };
  }

  /**
   * The peers this node should talk to now (reconfigure.ts says what changed): removed ones are closed
   * with Cease/Peer De-configured, changed ones reset with Cease/Other Configuration Change (RFC 4486),
   * new ones opened; a peer whose BFD settings alone changed gets a new BFD session. A new `identity`
   * (BGP identifier, graceful restart capability: a reload) resets every session whose OPEN it changes.
   * Returns the changes.
   */
  setPeers(peers: readonly PeerConfig[], identity: SessionIdentity = this.identity): PeerChanges {
    const wanted = new Map(peers.map((p) => [p.name, p]));
    const previous = new Map([...this.sessions.values()].map((s) => [endpointOf(s.cfg), s]));
    const changes = peerChanges([...previous.values()].map((s) => s.cfg), this.identity, peers, identity);
    this.identity = identity;
    const close = (s: Session, text: string, subcode: number): void => {
      this.speaker.removePeer(s.peer, text, subcode);
      if (s.cfg.bfd) this.bfd?.remove(s.cfg.address);
    };
    const oldSession = (name: string): Session => previous.get(endpointOf(wanted.get(name)!))!;
    const removedNames = new Set(changes.removed);
    for (const s of previous.values()) if (removedNames.has(s.cfg.name)) close(s, 'peer de-configured', CeaseSubcode.PEER_DECONFIGURED);
    for (const name of changes.reset) close(oldSession(name), 'session parameters changed', CeaseSubcode.OTHER_CONFIGURATION_CHANGE);
    // sessions kept take their (possibly new) names and settings
    const kept = [...changes.bfd, ...changes.unchanged].map((name) => [name, oldSession(name)] as const);
    this.sessions.clear();
    for (const [name, s] of kept) {
      const cfg = wanted.get(name)!;
      if (changes.bfd.includes(name)) { if (s.cfg.bfd) this.bfd?.remove(s.cfg.address); this.startBfd(cfg); }
      s.cfg = cfg;
      this.sessions.set(name, s);
    }
    for (const name of [...changes.reset, ...changes.added]) {
      const cfg = wanted.get(name)!;
      const peer = this.speaker.addPeer(this.options(cfg));
      const s: Session = { cfg, peer, routes: new Map() };
      this.sessions.set(name, s);
      this.startBfd(cfg);
      this.applyTo(s);
      peer.start();
    }
    return changes;
  }

  /** BFD sessions from now on (the service starts asynchronously); peers already configured get theirs now. */
  attachBfd(bfd: BfdService): void {
    this.bfd = bfd;
    for (const s of this.sessions.values()) this.startBfd(s.cfg);
  }

  private startBfd(c: PeerConfig): void {
    if (!c.bfd || !this.bfd) return;
    this.bfd.add({
      address: c.address, minTxMs: c.bfd.minTx, minRxMs: c.bfd.minRx, multiplier: c.bfd.multiplier,
      ...(c.bfd.auth ? { key: sha1Key(c.bfd.auth) } : {}),
      // RFC 5883 for a multi-hop eBGP router: UDP 4784, from the session's source address when it has one
      ...(c.bfd.multihop ? { multihop: { localAddress: ownSourceAddress(c, this.log), minTtl: c.bfd.multihop.minTtl } } : {}),
      ...(c.bfd.passive ? { passive: true } : {}),
    });
  }

  /**
   * The BFD session with `address` went down (not the peer's AdminDown, RFC 5882 3.2): its BGP session goes
   * down at once with Cease/BFD Down (RFC 5882 4.3, RFC 9384) and starts again, to reconnect when it can.
   */
  bfdFailed(address: string, reason: string): void {
    for (const s of this.sessions.values()) {
      if (canonical(s.cfg.address) !== address) continue;
      s.peer.stop(reason, CeaseSubcode.BFD_DOWN);
      s.peer.start();
    }
  }

  private attributes(a: Announcement, asn: number, draining: boolean): PathAttributes {
    const communities = draining ? [...a.communities, WellKnownCommunity.GRACEFUL_SHUTDOWN] : a.communities;
    const id = `${asn}|${communities.join(',')}|${a.largeCommunities.map((c) => c.join(':')).join(',')}|${a.localPref ?? ''}|${a.bandwidthMbps ?? ''}`;
    let attrs = this.interned.get(id);
    if (!attrs) {
      attrs = {
        origin: 0, asPath: [],
        ...(communities.length ? { communities } : {}),
        ...(a.largeCommunities.length ? { largeCommunities: a.largeCommunities } : {}),
        ...(a.localPref === undefined ? {} : { localPref: a.localPref }),
        ...(a.bandwidthMbps === undefined ? {} : { extendedCommunities: [linkBandwidth(asn, (a.bandwidthMbps * 1e6) / 8)] }),
      };
      this.interned.set(id, attrs);
    }
    return attrs;
  }

  /** Make every session's announcements equal to `state` (peer name → announcements). */
  apply(state: DesiredState): void {
    this.state = state;
    for (const s of this.sessions.values()) this.applyTo(s);
  }

  private applyTo(s: Session): void {
    const next = new Map<string, ExportRoute>();
    const draining = this.draining.has(s.cfg.name);
    for (const a of this.state.get(s.cfg.name) ?? []) {
      next.set(a.key, { key: a.key, prefix: a.prefix, attributes: this.attributes(a, s.cfg.myAsn, draining), nextHop: '' });
    }
    for (const [key, r] of s.routes) if (!next.has(key)) s.peer.retract(key, r.prefix);
    for (const [key, r] of next) if (s.routes.get(key)?.attributes !== r.attributes) s.peer.offer(r);
    s.routes = next;
  }

  /** Names of the established sessions where both sides do graceful restart (we sent the capability, and so did the router: a helper, RFC 4724 4.2). */
  restartCapable(): string[] {
    return [...this.sessions.values()].filter((s) => s.peer.isEstablished && s.peer.options.gracefulRestart !== undefined && s.peer.negotiated?.peerGracefulRestart !== undefined).map((s) => s.cfg.name);
  }

  /** Names of the sessions that are Established. */
  established(): string[] {
    return [...this.sessions.values()].filter((s) => s.peer.isEstablished).map((s) => s.cfg.name);
  }

  /** RFC 8326 2: re-announce every route of these sessions with the GRACEFUL_SHUTDOWN community. */
  beginGracefulShutdown(names: readonly string[]): void {
    for (const n of names) this.draining.add(n);
    for (const s of this.sessions.values()) if (this.draining.has(s.cfg.name)) this.applyTo(s);
  }

  /**
   * Withdraw every route of these sessions, and resolve once the UPDATEs are written (or `timeoutMs`
   * passed): a NOTIFICATION must not overtake them.
   */
  async withdrawAll(names: readonly string[], timeoutMs = 1000): Promise<void> {
    const list = names.flatMap((n) => this.sessions.get(n) ?? []);
    for (const s of list) { for (const [key, r] of s.routes) s.peer.retract(key, r.prefix); s.routes = new Map(); }
    for (let waited = 0; waited < timeoutMs && list.some((s) => s.peer.isEstablished && s.peer.ribOut.pendingCount > 0); waited += 10) {
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** RFC 4724 4.1: close these sessions without NOTIFICATION; their routers keep our routes as stale. */
  dropForRestart(names: readonly string[]): void {
    for (const n of names) this.sessions.get(n)?.peer.drop('graceful restart: vipgate agent restarting');
  }

  /** Stop every session with Cease/Administrative Shutdown (RFC 9003 text): the router withdraws our routes at once. */
  async close(text = 'vipgate agent shutting down'): Promise<void> {
    for (const s of this.sessions.values()) s.peer.stop(text, CeaseSubcode.ADMINISTRATIVE_SHUTDOWN);
    await this.speaker.close(text);
    this.sessions.clear();
  }
}
