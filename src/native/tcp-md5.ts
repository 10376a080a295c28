/**
 * TCP MD5 signatures (RFC 2385) for BGP sessions, the way Linux offers them: a key per peer address (or per
 * prefix, for dynamic neighbors: TCP_MD5SIG_EXT with TCP_MD5SIG_FLAG_PREFIX) on the listening socket, and on
 * an outgoing socket before it connects. struct tcp_md5sig from <linux/tcp.h>: a 128-byte sockaddr_storage,
 * flags, prefix length, key length, ifindex, then up to 80 key bytes.
 */
import { Socket } from 'node:net';
import { parseAddress, parsePrefix, type Prefix } from '../lib/address.js';
import { addon } from './addon.js';
import { setSocketOption } from './sockopt.js';

const IPPROTO_TCP = 6;
const TCP_MD5SIG = 14;
const TCP_MD5SIG_EXT = 32;
const TCP_MD5SIG_FLAG_PREFIX = 1;
const AF_INET = 2;
const AF_INET6 = 10;
export const TCP_MD5SIG_MAXKEYLEN = 80;
const STRUCT_SIZE = 128 + 1 + 1 + 2 + 4 + TCP_MD5SIG_MAXKEYLEN;

/**
 * The option value for `peer` ("10.0.0.2" or a range "192.168.10.0/24") as seen by a socket of `socketFamily`:
 * an IPv4 peer on an IPv6 socket is written as its v4-mapped address. An empty key removes the entry.
 */
export function md5sigValue(peer: string, key: string, socketFamily: 4 | 6): { option: number; value: Uint8Array } {
  const keyBytes = Buffer.from(key, 'utf8');
  if (keyBytes.length > TCP_MD5SIG_MAXKEYLEN) throw new RangeError(`TCP MD5 key longer than ${TCP_MD5SIG_MAXKEYLEN} bytes`);
  const prefix: Prefix = peer.includes('/') ? parsePrefix(peer) : { family: peer.includes(':') ? 6 : 4, addr: parseAddress(peer), len: peer.includes(':') ? 128 : 32 };
  const v = Buffer.alloc(STRUCT_SIZE);
  let len = prefix.len;
  if (socketFamily === 4) {
    if (prefix.family !== 4) throw new Error(`IPv6 peer ${peer} on an IPv4 socket`);
    v.writeUInt16LE(AF_INET, 0);
    v.set(prefix.addr, 4);
  } else {
    v.writeUInt16LE(AF_INET6, 0);
    if (prefix.family === 4) {
      v.set([0xff, 0xff], 8 + 10);
      v.set(prefix.addr, 8 + 12);
      len += 96;
    } else {
      v.set(prefix.addr, 8);
    }
  }
  const isPrefix = peer.includes('/');
  v.writeUInt8(isPrefix ? TCP_MD5SIG_FLAG_PREFIX : 0, 128);
  v.writeUInt8(isPrefix ? len : 0, 129);
  v.writeUInt16LE(keyBytes.length, 130);
  v.set(keyBytes, 136);
  return { option: isPrefix ? TCP_MD5SIG_EXT : TCP_MD5SIG, value: v };
}

export function setMd5(fd: number, socketFamily: 4 | 6, peer: string, key: string): void {
  const { option, value } = md5sigValue(peer, key, socketFamily);
  setSocketOption(fd, IPPROTO_TCP, option, value);
}

/** An unconnected TCP socket that signs its segments to `peer` with `key`, from the first SYN on. */
export function md5Socket(peer: string, key: string): Socket {
  const family: 4 | 6 = peer.includes(':') ? 6 : 4;
  const fd = addon.tcpSocket(family);
  setMd5(fd, family, peer, key);
  return new Socket({ fd, readable: true, writable: true });
}
