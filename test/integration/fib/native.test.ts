/**
 * The native addon (src/native) on loopback: a NETLINK_ROUTE socket answering a read-only RTM_GETROUTE for
 * 127.0.0.1 through the event-driven read path, a NETLINK_GENERIC socket asking the generic netlink
 * controller about itself, errno names on errors, and buffer-valued socket options on
 * the fd of a Node net.Socket (IP_MINTTL for GTSM, RFC 5082; TCP_MD5SIG, RFC 2385). ENOBUFS delivery is
 * covered by the monitor-overflow test in fib.test.ts (it needs a namespace of its own).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Reader } from '../../../src/lib/bytes.js';
import { parseAddress } from '../../../src/lib/address.js';
import { NETLINK_GENERIC, NETLINK_ROUTE, NetlinkSocket } from '../../../src/native/netlink-socket.js';
import { getSocketOption, setSocketOption, setSocketOptionInt } from '../../../src/native/sockopt.js';
import { AF_INET, NLM_F_REQUEST, RTM_GETROUTE, RTM_NEWROUTE } from '../../../src/wire/netlink/constants.js';
import { attrU16, attributeMap, putString } from '../../../src/wire/netlink/attributes.js';
import { buildMessage, decodeMessages } from '../../../src/wire/netlink/message.js';
import { decodeRoute, encodeRoute } from '../../../src/wire/netlink/route.js';

const IPPROTO_IP = 0, IP_MINTTL = 21, IPPROTO_TCP = 6, TCP_MD5SIG = 14;
const fdOf = (s: Socket | Server): number => (s as unknown as { _handle: { fd: number } })._handle.fd;

describe('netlink socket', () => {
  it('asks the kernel for the route to 127.0.0.1 and reads the answer when the socket becomes readable', async () => {
    const sock = NetlinkSocket.open({ protocol: NETLINK_ROUTE });
    try {
      const reply = new Promise<Uint8Array>((resolve) => { sock.onMessage = (d) => resolve(d.slice()); });
      const request = buildMessage({ type: RTM_GETROUTE, flags: NLM_F_REQUEST, seq: 42, pid: 0 }, (w) => encodeRoute(w, {
        family: AF_INET, dstLen: 32, srcLen: 0, tos: 0, table: 0, protocol: 0, scope: 0, type: 0, flags: 0, dst: parseAddress('127.0.0.1'),
      }));
      // header and body in two buffers: one sendmsg, one datagram
      expect(sock.send([request.subarray(0, 16), request.subarray(16)])).toBe(request.length);
      const [msg] = decodeMessages(await reply);
      expect(msg).toMatchObject({ type: RTM_NEWROUTE, seq: 42, pid: sock.portId });
      expect(decodeRoute(new Reader(msg!.payload))).toMatchObject({ type: 2 /* RTN_LOCAL */, oif: 1, dst: parseAddress('127.0.0.1') });
    } finally {
      sock.close();
    }
  });

  it('opens a NETLINK_GENERIC socket: the controller resolves its own family name', async () => {
    const sock = NetlinkSocket.open({ protocol: NETLINK_GENERIC });
    try {
      const reply = new Promise<Uint8Array>((resolve) => { sock.onMessage = (d) => resolve(d.slice()); });
      // GENL_ID_CTRL (0x10), genlmsghdr CTRL_CMD_GETFAMILY (3) version 1, CTRL_ATTR_FAMILY_NAME (2) "nlctrl"
      const request = buildMessage({ type: 0x10, flags: NLM_F_REQUEST, seq: 7, pid: 0 }, (w) => {
        w.u8(3).u8(1).u16le(0);
        putString(w, 2, 'nlctrl');
      });
      sock.send([request]);
      const [msg] = decodeMessages(await reply);
      expect(msg).toMatchObject({ type: 0x10, seq: 7 });
      const attrs = attributeMap(new Reader(msg!.payload, 4));
      expect(attrU16(attrs.get(1 /* CTRL_ATTR_FAMILY_ID */)!)).toBe(0x10);
    } finally {
      sock.close();
    }
  });

  it('throws errors with the errno name, and refuses to send on a closed socket', () => {
    const sock = NetlinkSocket.open({ protocol: NETLINK_ROUTE });
    expect(() => sock.addMembership(0x7fffffff)).toThrow(expect.objectContaining({ code: 'EINVAL', syscall: 'setsockopt' }));
    sock.close();
    expect(() => sock.send([new Uint8Array(16)])).toThrow(/closed/);
  });
});

describe('socket options on a net.Socket fd', () => {
  let server: Server;
  let client: Socket;
  let accepted: Socket;

  beforeAll(async () => {
    server = createServer();
    const gotConnection = new Promise<Socket>((resolve) => server.once('connection', resolve));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    client = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    accepted = await gotConnection;
  });

  afterAll(async () => {
    client?.destroy();
    accepted?.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it('sets and reads back IP_MINTTL (GTSM)', () => {
    setSocketOptionInt(fdOf(client), IPPROTO_IP, IP_MINTTL, 255);
    expect(getSocketOption(fdOf(client), IPPROTO_IP, IP_MINTTL, 4).readUInt32LE(0)).toBe(255);
  });

  it('sets a TCP_MD5SIG key for a peer on the listening socket and rejects a malformed one with EINVAL', () => {
    // struct tcp_md5sig: sockaddr_storage (128) | flags u8 | prefixlen u8 | keylen u16 | ifindex i32 | key[80]
    const md5 = Buffer.alloc(216);
    md5.writeUInt16LE(2, 0); // AF_INET
    Buffer.from(parseAddress('127.0.0.2')).copy(md5, 4);
    const key = Buffer.from('vipgate-secret');
    md5.writeUInt16LE(key.length, 130);
    key.copy(md5, 136);
    expect(() => setSocketOption(fdOf(server), IPPROTO_TCP, TCP_MD5SIG, md5)).not.toThrow();
    expect(() => setSocketOption(fdOf(server), IPPROTO_TCP, TCP_MD5SIG, md5.subarray(0, 10))).toThrow(expect.objectContaining({ code: 'EINVAL', errno: 22 }));
  });
});
