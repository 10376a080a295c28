/**
 * Watches the kernel's route and nexthop notifications (RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE,
 * RTNLGRP_NEXTHOP, RTNLGRP_LINK) for changes to our objects made by someone else: a deleted route of ours, a
 * deleted nexthop of ours (the kernel removes the routes using it without notifying them), and interface
 * changes (an interface going down takes its nexthops with it, without any nexthop notification). ENOBUFS means events
 * were lost; it is reported as an overflow, which the FIB answers with a full resync.
 */
import { formatPrefix } from '../lib/address.js';
import { Reader } from '../lib/bytes.js';
import { NETLINK_ROUTE, NetlinkSocket } from '../native/netlink-socket.js';
import {
  RTM_DELLINK, RTM_DELNEXTHOP, RTM_DELROUTE, RTM_NEWLINK, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, RTNLGRP_LINK, RTNLGRP_NEXTHOP,
} from '../wire/netlink/constants.js';
import { decodeLink } from '../wire/netlink/link.js';
import { decodeMessages } from '../wire/netlink/message.js';
import { decodeNexthop } from '../wire/netlink/nexthop.js';
import { decodeRoute } from '../wire/netlink/route.js';
import type { RouteSettings } from './kernel-request.js';
import { isOurRoute, routePrefix } from './reconcile.js';

export interface MonitorHandlers {
  routeDeleted(key: string): void;
  nexthopDeleted(id: number): void;
  /** An interface changed, appeared or went away (the kernel silently deletes the nexthops of an interface
   * that goes down). */
  linkChanged(index: number): void;
  overflow(reason: string): void;
}

export class RouteMonitor {
  private readonly sock: NetlinkSocket;

  /** `ownPortId`: the port of our own request socket. Notifications carry the port id of the socket whose
   * request caused them, so a socket filter drops ours in the kernel: a bulk install of 100,000 routes (or a
   * group replace, which in nexthop_compat_mode=1 announces every route of the group) costs the monitor
   * nothing and cannot overflow it. */
  constructor(settings: RouteSettings, handlers: MonitorHandlers, ownPortId: number, receiveBufferBytes = 32 << 20) {
    this.sock = NetlinkSocket.open({
      protocol: NETLINK_ROUTE, groups: [RTNLGRP_LINK, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, RTNLGRP_NEXTHOP], receiveBufferBytes,
      // bursts of changes by others (ip -batch, another daemon) arrive one datagram per change
      readsPerWake: 16_384,
    });
    this.sock.ignoreMessagesFrom(ownPortId);
    this.sock.ref(false);
    this.sock.onError = (e) => handlers.overflow(`monitor socket: ${e.code ?? e.message}`);
    this.sock.onMessage = (datagram) => {
      let messages;
      try {
        messages = decodeMessages(datagram);
      } catch (e) {
        handlers.overflow(`undecodable notification: ${(e as Error).message}`);
        return;
      }
      for (const m of messages) {
        if (m.type === RTM_DELROUTE) {
          const r = decodeRoute(new Reader(m.payload));
          if (isOurRoute(r, settings)) handlers.routeDeleted(formatPrefix(routePrefix(r)));
        } else if (m.type === RTM_DELNEXTHOP) {
          const n = decodeNexthop(new Reader(m.payload));
          if (n.protocol === settings.protocol && n.id !== undefined) handlers.nexthopDeleted(n.id);
        } else if (m.type === RTM_NEWLINK || m.type === RTM_DELLINK) {
          handlers.linkChanged(decodeLink(new Reader(m.payload)).index);
        }
      }
    };
  }

  close(): void { this.sock.close(); }
}
