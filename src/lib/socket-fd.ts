/**
 * The file descriptor behind a Node socket or server (`_handle.fd`), for options Node cannot set itself
 * (TCP MD5, TTL, GTSM): undefined while there is none (not yet connected, or closed).
 */
export function socketFd(owner: object): number | undefined {
  const fd = (owner as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}
