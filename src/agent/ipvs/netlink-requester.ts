/**
 * One request at a time over a netlink socket, for the agent's kernel clients (IPVS over NETLINK_GENERIC,
 * links and addresses over NETLINK_ROUTE): each request gets the next sequence number and is answered by
 * an ack (`ack`: replies collected until the ack), by its first reply (`first`: a get answered without an
 * ack), or by a dump ended with NLMSG_DONE (`dump`). A kernel error becomes a NetlinkRequestError with the
 * errno name and the extended-ack text; a silent kernel times out. The socket's own receive errors fail
 * the request in flight.
 */
import { constants } from 'node:os';
import { NetlinkSocket, type NetlinkSocketOptions } from '../../native/netlink-socket.js';
import { NLMSG_DONE, NLMSG_ERROR } from '../../wire/netlink/constants.js';
import { decodeAck, decodeMessages, doneError, patchSeq, type NetlinkMessage } from '../../wire/netlink/message.js';

const ERRNO_NAMES = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno)) if (!ERRNO_NAMES.has(value)) ERRNO_NAMES.set(value, name);
const errnoName = (errno: number): string => ERRNO_NAMES.get(errno) ?? `E${errno}`;

export type ReplyMode = 'ack' | 'first' | 'dump';

/** The kernel refused or could not answer a request. `during` says where: the request, the dump, the socket. */
export class NetlinkRequestError extends Error {
  constructor(readonly code: string, readonly errno: number, readonly during: 'request' | 'dump' | 'socket' | 'send' | 'timeout',
    readonly kernelMessage?: string) {
    super(`${code}${kernelMessage ? `: ${kernelMessage}` : ''}`);
    this.name = 'NetlinkRequestError';
  }
}

interface Pending {
  readonly seq: number;
  readonly mode: ReplyMode;
  readonly replies: NetlinkMessage[];
  readonly resolve: (replies: NetlinkMessage[]) => void;
  readonly reject: (e: NetlinkRequestError) => void;
}

/** The kernel answers at once, so a silent socket means something is broken. */
const TIMEOUT_MS = 10_000;

export class NetlinkRequester {
  private seq = Math.floor(Math.random() * 0x7fffffff);
  private pending: Pending | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(private readonly sock: NetlinkSocket) {
    sock.onMessage = (d) => this.receive(d);
    sock.onError = (e) => this.pending?.reject(new NetlinkRequestError(e.code ?? 'EIO', e.errno ?? 0, 'socket'));
  }

  static open(opts: NetlinkSocketOptions): NetlinkRequester {
    return new NetlinkRequester(NetlinkSocket.open(opts));
  }

  close(): void { this.sock.close(); }

  /** Send `message` (its sequence number is set here); resolves with the replies as `mode` collects them. */
  request(message: Uint8Array, mode: ReplyMode): Promise<NetlinkMessage[]> {
    const run = (): Promise<NetlinkMessage[]> => new Promise((resolve, reject) => {
      this.seq = (this.seq + 1) >>> 0 || 1;
      patchSeq(message, this.seq);
      const timer = setTimeout(() => fail(new NetlinkRequestError('ETIMEDOUT', 110, 'timeout')), TIMEOUT_MS);
      const done = (): void => { clearTimeout(timer); this.pending = undefined; };
      const fail = (e: NetlinkRequestError): void => { done(); reject(e); };
      this.pending = { seq: this.seq, mode, replies: [], resolve: (r) => { done(); resolve(r); }, reject: fail };
      try {
        this.sock.send([message]);
      } catch (e) {
        const x = e as NodeJS.ErrnoException;
        fail(new NetlinkRequestError(x.code ?? 'EIO', x.errno ?? 0, 'send'));
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
        p.reject(new NetlinkRequestError(errnoName(-ack.error), -ack.error, 'request', ack.message));
        return;
      }
      if (msg.type === NLMSG_DONE) {
        const e = doneError(msg);
        if (e) p.reject(new NetlinkRequestError(errnoName(-e), -e, 'dump'));
        else p.resolve(p.replies);
        return;
      }
      p.replies.push({ ...msg, payload: msg.payload.slice() });
      if (p.mode === 'first') { p.resolve(p.replies); return; }
    }
  }
}
