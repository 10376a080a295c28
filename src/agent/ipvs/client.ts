/**
 * A client of the kernel's IPVS generic netlink family over one NETLINK_GENERIC socket: resolves the family
 * id through nlctrl, then sends one request at a time and collects its answer (an ack, one reply, or a dump
 * ended by NLMSG_DONE). Kernel errors become IpvsError with the errno name, the extended-ack text and what
 * the errno means for that command.
 */
import { NETLINK_GENERIC } from '../../native/netlink-socket.js';
import type { NetlinkMessage } from '../../wire/netlink/message.js';
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
import { NetlinkRequestError, NetlinkRequester, type ReplyMode } from './netlink-requester.js';

export class IpvsError extends Error {
  constructor(readonly cmd: IpvsCommand | 'resolve', readonly code: string, readonly errno: number, readonly meaning: string | undefined,
    readonly kernelMessage?: string) {
    super(`IPVS ${cmd}: ${code}${meaning ? ` (${meaning})` : ''}${kernelMessage ? `: ${kernelMessage}` : ''}`);
    this.name = 'IpvsError';
  }
}

const MODES = { change: 'ack', get: 'first', dump: 'dump' } as const satisfies Record<ReturnType<typeof requestKind>, ReplyMode>;

/** What a failure that is not the kernel's answer to the request means. */
const DURING: Partial<Record<NetlinkRequestError['during'], string>> = {
  dump: 'dump failed', socket: 'netlink receive failed', send: 'netlink send failed', timeout: 'no answer from the kernel',
};

export class IpvsClient {
  private familyId = 0;

  private constructor(private readonly nl: NetlinkRequester) {}

  /** Open a socket and resolve the IPVS family (ENOENT: the ip_vs module is not loaded). */
  static async open(): Promise<IpvsClient> {
    const c = new IpvsClient(NetlinkRequester.open({ protocol: NETLINK_GENERIC, receiveBufferBytes: 4 << 20 }));
    try {
      const [reply] = await c.exchange('resolve', encodeGetFamily(IPVS_GENL_NAME), 'ack');
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

  close(): void { this.nl.close(); }

  /** Send one request; resolves with its replies (empty for a change). */
  request(req: IpvsRequest): Promise<NetlinkMessage[]> {
    return this.exchange(req.cmd, encodeIpvsRequest(this.familyId, req, 0, 0), MODES[requestKind(req.cmd)]);
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

  /** One request; a kernel error becomes an IpvsError saying what the errno means for this command. */
  private async exchange(cmd: IpvsCommand | 'resolve', message: Uint8Array, mode: ReplyMode): Promise<NetlinkMessage[]> {
    try {
      return await this.nl.request(message, mode);
    } catch (e) {
      if (!(e instanceof NetlinkRequestError)) throw e;
      const meaning = e.during === 'request' ? (cmd === 'resolve' ? undefined : ipvsErrorMeaning(cmd, e.code)) : DURING[e.during];
      throw new IpvsError(cmd, e.code, e.errno, meaning, e.kernelMessage);
    }
  }
}
