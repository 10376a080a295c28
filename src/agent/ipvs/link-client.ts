/**
 * Links and addresses over NETLINK_ROUTE, as the agent needs them for IPVS without the `ip` program (the
 * agent's container has no iproute2): find a link by name (`ip link show dev NAME`), create a dummy link up
 * (`ip link add NAME up type dummy`), set one up, delete one by index, dump one link's addresses and add or
 * remove a host address (`ip addr add|del A/32|/128 dev NAME [nodad]`). Messages are iproute2's own
 * (test/unit/wire/netlink/link-address.test.ts compares them byte for byte).
 */
import { Reader } from '../../lib/bytes.js';
import { NETLINK_ROUTE } from '../../native/netlink-socket.js';
import { decodeAddress, encodeAddress, IFA_F_NODAD, type AddressMessage } from '../../wire/netlink/address.js';
import {
  AF_INET, AF_INET6, AF_PACKET, NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REQUEST, RT_SCOPE_UNIVERSE,
  RTM_DELADDR, RTM_DELLINK, RTM_GETADDR, RTM_GETLINK, RTM_NEWADDR, RTM_NEWLINK,
} from '../../wire/netlink/constants.js';
import { decodeLink, encodeLink, IFF_UP, RTEXT_FILTER_VF, type LinkMessage } from '../../wire/netlink/link.js';
import { buildMessage } from '../../wire/netlink/message.js';
import { NetlinkRequestError, NetlinkRequester } from './netlink-requester.js';

const CHANGE = NLM_F_REQUEST | NLM_F_ACK;
const CREATE = CHANGE | NLM_F_EXCL | NLM_F_CREATE;

/** A link or address request the kernel refused; `code` is the errno name (EEXIST, EPERM, ...). */
export class LinkError extends Error {
  constructor(readonly op: string, readonly code: string, kernelMessage?: string) {
    super(`${op}: ${code}${kernelMessage ? ` (${kernelMessage})` : ''}`);
    this.name = 'LinkError';
  }
}

export interface HostAddress {
  /** Address bytes (4 or 16). */
  readonly address: Uint8Array;
  readonly prefixLen: number;
  readonly scope: number;
}

const link = (x: Partial<LinkMessage>): LinkMessage => ({ family: 0, type: 0, index: 0, flags: 0, change: 0, ...x });

export class LinkClient {
  private constructor(private readonly nl: NetlinkRequester) {}

  static open(): LinkClient {
    return new LinkClient(NetlinkRequester.open({ protocol: NETLINK_ROUTE }));
  }

  close(): void { this.nl.close(); }

  private async send(op: string, type: number, flags: number, body: Parameters<typeof buildMessage>[1], mode: 'ack' | 'first' | 'dump' = 'ack') {
    try {
      return await this.nl.request(buildMessage({ type, flags, seq: 0, pid: 0 }, body), mode);
    } catch (e) {
      if (e instanceof NetlinkRequestError) throw new LinkError(op, e.code, e.kernelMessage);
      throw e;
    }
  }

  /** The link called `name`, or undefined when there is none. */
  async link(name: string): Promise<LinkMessage | undefined> {
    try {
      const [reply] = await this.send(`link ${name}`, RTM_GETLINK, NLM_F_REQUEST,
        (w) => encodeLink(w, link({ family: AF_PACKET, name, extMask: RTEXT_FILTER_VF })), 'first');
      return reply ? decodeLink(new Reader(reply.payload)) : undefined;
    } catch (e) {
      if (e instanceof LinkError && e.code === 'ENODEV') return undefined;
      throw e;
    }
  }

  /** Create a dummy link, up. */
  async addDummy(name: string): Promise<void> {
    await this.send(`add dummy link ${name}`, RTM_NEWLINK, CREATE, (w) => encodeLink(w, link({ flags: IFF_UP, change: IFF_UP, name, kind: 'dummy' })));
  }

  async setUp(index: number): Promise<void> {
    await this.send(`set link ${index} up`, RTM_NEWLINK, CHANGE, (w) => encodeLink(w, link({ index, flags: IFF_UP, change: IFF_UP })));
  }

  async deleteLink(index: number): Promise<void> {
    await this.send(`delete link ${index}`, RTM_DELLINK, CHANGE, (w) => encodeLink(w, link({ index })));
  }

  /** Every address on the link (both families). */
  async addresses(index: number): Promise<HostAddress[]> {
    const replies = await this.send(`addresses of link ${index}`, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP,
      (w) => encodeAddress(w, { family: 0, prefixLen: 0, flags: 0, scope: 0, index }), 'dump');
    return replies.map((m) => decodeAddress(new Reader(m.payload)))
      .filter((a) => a.index === index && (a.local ?? a.address) !== undefined)
      .map((a) => ({ address: (a.local ?? a.address)!, prefixLen: a.prefixLen, scope: a.scope }));
  }

  /** A host address (/32 or /128; IPv6 without duplicate address detection, as kube-proxy's kube-ipvs0). */
  async addAddress(index: number, address: Uint8Array): Promise<void> {
    await this.send('add address', RTM_NEWADDR, CREATE, (w) => encodeAddress(w, hostAddress(index, address)));
  }

  async removeAddress(index: number, address: Uint8Array): Promise<void> {
    await this.send('remove address', RTM_DELADDR, CHANGE, (w) => encodeAddress(w, hostAddress(index, address)));
  }
}

function hostAddress(index: number, address: Uint8Array): AddressMessage {
  const v6 = address.length === 16;
  return {
    family: v6 ? AF_INET6 : AF_INET, prefixLen: v6 ? 128 : 32, flags: v6 ? IFA_F_NODAD : 0, scope: RT_SCOPE_UNIVERSE, index,
    local: address, address,
  };
}
