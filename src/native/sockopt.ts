/**
 * Buffer-valued socket options on any fd, for what Node's net module cannot set: TCP_MD5SIG (RFC 2385)
 * and IP_MINTTL / IPV6_MINHOPCOUNT (GTSM, RFC 5082) on a BGP session's socket, whose fd comes from
 * net.Socket's `_handle.fd`. Errors carry the errno name in `code`.
 */
import { addon } from './addon.js';

export function setSocketOption(fd: number, level: number, name: number, value: Uint8Array): void {
  addon.setsockopt(fd, level, name, value);
}

export function setSocketOptionInt(fd: number, level: number, name: number, value: number): void {
  addon.setsockoptInt(fd, level, name, value);
}

/** The option's bytes as the kernel returned them (at most maxLength). */
export function getSocketOption(fd: number, level: number, name: number, maxLength: number): Buffer {
  return addon.getsockopt(fd, level, name, maxLength);
}
