/**
 * A client of the kernel's IPVS generic netlink family over one NETLINK_GENERIC socket: resolves the family
 * id through nlctrl, then sends one request at a time and collects its answer (an ack, one reply, or a dump
 * ended by NLMSG_DONE). Kernel errors become IpvsError with the errno name, the extended-ack text and what
 * the errno means for that command.
 */
import { NETLINK_GENERIC, NetlinkSocket } from '../../native/netlink-socket.js';
import { NLMSG_DONE, NLMSG_ERROR } from '../../wire/netlink/constants.js';
import { decodeAck, decodeMessages, doneError, patchSeq, type NetlinkMessage } from '../../wire/netlink/message.js';
import { IPVS_GENL_NAME } from '../../wire/netlink/ipvs/constants.js';
import { ipvsErrorMeaning } from '../../wire/netlink/ipvs/errors.js';
import { decodeFamily, encodeGetFamily } from '../../wire/netlink/ipvs/genetlink.js';
import {
  decodeConfigReply, decodeDaemonReply, decodeDestinationReply, decodeInfoReply, decodeServiceReply,
} from '../../wire/netlink/ipvs/replies.js';
import { encodeIpvsRequest, requestKind, type IpvsCommand, type IpvsRequest } from '../../wire/netlink/ipvs/requests.js';
import { keyFamily } from '../../wire/netlink/ipvs/service.js';
import type {
  DestinationEntry, DestinationSpec, IpvsDaemon, IpvsInfo, IpvsTimeouts, ServiceEntry, ServiceKey, ServiceSpec,
} from '../../wire/netlink/ipvs/types.js';
import { constants } from 'node:os';

const ERRNO_NAMES = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno)) if (!ERRNO_NAMES.has(value)) ERRNO_NAMES.set(value, name);

export class IpvsError extends Error {
  constructor(readonly cmd: IpvsCommand | 'resolve', readonly code: string, readonly errno: number, readonly meaning: string | undefined,
    readonly kernelMessage?: string) {
    super(`IPVS ${cmd}: ${code}${meaning ? ` (${meaning})` : ''}${kernelMessage ? `: ${kernelMessage}` : ''}`);
    this.name = 'IpvsError';
  }
}

interface Pending {
  readonly seq: number;
  readonly cmd: IpvsCommand | 'resolve';
  readonly replies: NetlinkMessage[];
  readonly resolve: (replies: NetlinkMessage[]) => void;
  readonly reject: (e: Error) => void;
}

/** Request timeout: the kernel answers at once, so a silent socket means something is broken. */
const TIMEOUT_MS = 10_000;

export class IpvsClient {
  private seq = Math.floor(Math.random() * 0x7fffffff);
  private pending: Pending | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private familyId = 0;

  private constructor(private readonly sock: NetlinkSocket) {
    sock.onMessage = (d) => this.receive(d);
    sock.onError = (e) => this.pending?.reject(new IpvsError(this.pending.cmd, e.code ?? 'EIO', e.errno ?? 0, 'netlink receive failed'));
  }

  /** Open a socket and resolve the IPVS family (ENOENT: the ip_vs module is not loaded). */
  static async open(): Promise<IpvsClient> {
    const c = new IpvsClient(NetlinkSocket.open({ protocol: NETLINK_GENERIC, receiveBufferBytes: 4 << 20 }));
    try {
      const [reply] = await c.exchange('resolve', encodeGetFamily(IPVS_GENL_NAME));
      if (!reply) throw new IpvsError('resolve', 'ENODATA', 61, 'nlctrl gave no answer');
      c.familyId = decodeFamily(reply).id;
      return c;
    } catch (e) {
      c.close();
      if (e instanceof IpvsError && e.code === 'ENOENT') {
        throw new IpvsError('resolve', e.code, e.errno, 'the kernel has no IPVS generic netlink family: load the ip_vs module', e.kernelMessage);
      }
      throw e;
    }
  }

  get family(): number { return this.familyId; }

  close(): void { this.sock.close(); }

  /** Send one request; resolves with its replies (empty for a change). */
  request(req: IpvsRequest): Promise<NetlinkMessage[]> {
    return this.exchange(req.cmd, encodeIpvsRequest(this.familyId, req, 0, 0));
  }

  services(): Promise<ServiceEntry[]> {
    return this.request({ cmd: 'getServices' }).then((r) => r.map(decodeServiceReply));
  }
  destinations(key: ServiceKey): Promise<DestinationEntry[]> {
    return this.request({ cmd: 'getDests', key }).then((r) => r.map((m) => decodeDestinationReply(m, keyFamily(key))));
  }
  async addService(service: ServiceSpec): Promise<void> { await this.request({ cmd: 'newService', service }); }
  async editService(service: ServiceSpec): Promise<void> { await this.request({ cmd: 'setService', service }); }
  async deleteService(key: ServiceKey): Promise<void> { await this.request({ cmd: 'delService', key }); }
  async addDestination(key: ServiceKey, dest: DestinationSpec): Promise<void> { await this.request({ cmd: 'newDest', key, dest }); }
  async editDestination(key: ServiceKey, dest: DestinationSpec): Promise<void> { await this.request({ cmd: 'setDest', key, dest }); }
  async deleteDestination(key: ServiceKey, address: string, port: number): Promise<void> {
    await this.request({ cmd: 'delDest', key, address, port });
  }
  async flush(): Promise<void> { await this.request({ cmd: 'flush' }); }
  async zero(key?: ServiceKey): Promise<void> { await this.request(key ? { cmd: 'zero', key } : { cmd: 'zero' }); }
  async timeouts(): Promise<IpvsTimeouts> { return decodeConfigReply(await this.one({ cmd: 'getConfig' })); }
  async setTimeouts(timeouts: IpvsTimeouts): Promise<void> { await this.request({ cmd: 'setConfig', timeouts }); }
  async info(): Promise<IpvsInfo> { return decodeInfoReply(await this.one({ cmd: 'getInfo' })); }
  daemons(): Promise<IpvsDaemon[]> { return this.request({ cmd: 'getDaemons' }).then((r) => r.map(decodeDaemonReply)); }
  async startDaemon(daemon: IpvsDaemon): Promise<void> { await this.request({ cmd: 'newDaemon', daemon }); }
  async stopDaemon(state: IpvsDaemon['state']): Promise<void> { await this.request({ cmd: 'delDaemon', state }); }

  private async one(req: IpvsRequest): Promise<NetlinkMessage> {
    const [m] = await this.request(req);
    if (!m) throw new IpvsError(req.cmd, 'ENODATA', 61, 'the kernel sent no reply');
    return m;
  }

  /** Requests go one at a time: each waits for the previous one's answer. */
  private exchange(cmd: IpvsCommand | 'resolve', message: Uint8Array): Promise<NetlinkMessage[]> {
    const run = (): Promise<NetlinkMessage[]> => new Promise((resolve, reject) => {
      this.seq = (this.seq + 1) >>> 0 || 1;
      patchSeq(message, this.seq);
      const timer = setTimeout(() => fail(new IpvsError(cmd, 'ETIMEDOUT', 110, 'no answer from the kernel')), TIMEOUT_MS);
      const done = (): void => { clearTimeout(timer); this.pending = undefined; };
      const fail = (e: Error): void => { done(); reject(e); };
      this.pending = { seq: this.seq, cmd, replies: [], resolve: (r) => { done(); resolve(r); }, reject: fail };
      try {
        this.sock.send([message]);
      } catch (e) {
        const x = e as NodeJS.ErrnoException;
        fail(new IpvsError(cmd, x.code ?? 'EIO', x.errno ?? 0, 'netlink send failed'));
      }
    });
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private receive(datagram: Uint8Array): void {
    const p = this.pending;
    if (!p) return;
    for (const msg of decodeMessages(datagram)) {
      if (msg.seq !== p.seq) continue;
      if (msg.type === NLMSG_ERROR) {
        const ack = decodeAck(msg);
        if (ack.error === 0) { p.resolve(p.replies); return; }
        const errno = -ack.error;
        const code = ERRNO_NAMES.get(errno) ?? `E${errno}`;
        p.reject(new IpvsError(p.cmd, code, errno, p.cmd === 'resolve' ? undefined : ipvsErrorMeaning(p.cmd, code), ack.message));
        return;
      }
      if (msg.type === NLMSG_DONE) {
        const e = doneError(msg);
        if (e) p.reject(new IpvsError(p.cmd, ERRNO_NAMES.get(-e) ?? `E${-e}`, -e, 'dump failed'));
        else p.resolve(p.replies);
        return;
      }
      p.replies.push({ ...msg, payload: msg.payload.slice() });
      // a get is answered by one message and no ack (nlctrl's answer is followed by the ack we asked for)
      if (p.cmd !== 'resolve' && requestKind(p.cmd) === 'get') { p.resolve(p.replies); return; }
    }
  }
}
