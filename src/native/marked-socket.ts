/**
 * An unconnected TCP socket whose packets carry a firewall mark (SO_MARK, socket(7); needs CAP_NET_ADMIN):
 * the kernel's route lookup for it then follows the policy rules that match the mark (`ip rule fwmark`), so a
 * connection can be sent through one chosen next hop.
 */
import { Socket } from 'node:net';
import { addon } from './addon.js';
import { setSocketOptionInt } from './sockopt.js';

/** <asm-generic/socket.h> */
const SOL_SOCKET = 1;
const SO_MARK = 36;

export function markedSocket(family: 4 | 6, mark: number): Socket {
  const fd = addon.tcpSocket(family);
  setSocketOptionInt(fd, SOL_SOCKET, SO_MARK, mark);
  return new Socket({ fd, readable: true, writable: true });
}
