/**
 * Errors of the netlink codecs: a message or attribute that does not parse. Kernel-reported errors
 * (NLMSG_ERROR with a negative errno) are data, decoded by message.ts, not thrown here.
 */
export class NetlinkDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetlinkDecodeError';
  }
}
