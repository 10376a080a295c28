/**
 * Request/response over one NETLINK_ROUTE socket: sequence numbers, batching (many messages per sendmsg),
 * a bounded number of unanswered changes, and completion by ack barrier. Changes are sent without NLM_F_ACK
 * except the last one of each sendmsg; the kernel answers a failed message with an error at once and handles
 * messages in order, so the barrier's answer completes every earlier change that got no error. Gets wait
 * for their reply, dumps for NLMSG_DONE (one dump at a time, as the kernel allows; an interrupted dump,
 * NLM_F_DUMP_INTR, is retried). Kernel errors carry the errno name and the extended-ack text.
 */
import { NETLINK_ROUTE, NetlinkSocket } from '../native/netlink-socket.js';
import { NLM_F_ACK, NLM_F_DUMP_INTR, NLM_F_MULTI, NLMSG_DONE, NLMSG_ERROR } from '../wire/netlink/constants.js';
import { decodeAck, decodeMessages, doneError, patchSeq, type NetlinkMessage } from '../wire/netlink/message.js';
import { errnoName } from './errno.js';

/** A request the kernel refused (or could not answer): `code` is the errno name, `kernelMessage` the ext ack. */
export class KernelError extends Error {
  constructor(readonly code: string, readonly errno: number, readonly kernelMessage?: string, context?: string) {
    super(`${context ? `${context}: ` : ''}${code}${kernelMessage ? ` (${kernelMessage})` : ''}`);
    this.name = 'KernelError';
  }
}

/** Outcome of a change; `tag` is the number given to write(), so one callback can serve a whole batch. */
export type Done = (err: KernelError | undefined, tag: number) => void;

export interface ChannelOptions {
  /** Messages per sendmsg (default 200). */
  batchSize?: number;
  /** Changes sent but not yet answered before sending waits (default 2000). */
  maxOutstanding?: number;
  /** Kernel receive buffer (default 8 MiB). */
  receiveBufferBytes?: number;
}

const DUMP_RETRIES = 3;

interface Pending {
  readonly kind: 'write' | 'get' | 'dump';
  readonly message: Uint8Array;
  /** Completion of a get or dump. */
  readonly done?: (err: KernelError | undefined, replies: NetlinkMessage[], interrupted: boolean) => void;
  /** Completion of a write, with its tag. */
  readonly write?: Done;
  readonly tag: number;
  replies: NetlinkMessage[];
  interrupted: boolean;
  barrier: boolean;
}

export class NetlinkChannel {
  private readonly sock: NetlinkSocket;
  private readonly batchSize: number;
  private readonly maxOutstanding: number;
  private seq = Math.floor(Math.random() * 0x7fffffff);
  private readonly queue: Pending[] = [];
  private queueHead = 0;
  private readonly dumps: Pending[] = [];
  private dumpRunning = false;
  /** Sent and unanswered, by sequence number, in sending order. */
  private readonly inflight = new Map<number, Pending>();
  private outstandingWrites = 0;
  private flushScheduled = false;
  private closed = false;

  constructor(opts: ChannelOptions = {}) {
    this.batchSize = opts.batchSize ?? 200;
    this.maxOutstanding = opts.maxOutstanding ?? 2000;
    this.sock = NetlinkSocket.open({ protocol: NETLINK_ROUTE, receiveBufferBytes: opts.receiveBufferBytes ?? 8 << 20, sendBufferBytes: 4 << 20 });
    this.sock.onMessage = (d) => this.receive(d);
    this.sock.onError = (e) => this.failAll(new KernelError(e.code ?? 'EIO', e.errno ?? 0, undefined, 'netlink receive'));
  }

  /** Queue a change (an encoded message; its seq is assigned here); `done` gets the outcome and `tag`. */
  write(message: Uint8Array, done: Done, tag = 0): void {
    this.enqueue({ kind: 'write', message, write: done, tag, replies: [], interrupted: false, barrier: false });
  }

  writeAsync(message: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => this.write(message, (err) => (err ? reject(err) : resolve())));
  }

  /** Send a request answered by one message (e.g. RTM_GETROUTE); the reply's payload is a copy. */
  get(message: Uint8Array): Promise<NetlinkMessage> {
    return new Promise((resolve, reject) => this.enqueue({
      kind: 'get', message, tag: 0, replies: [], interrupted: false, barrier: false,
      done: (err, replies) => (err ? reject(err) : replies[0] ? resolve(replies[0]) : reject(new KernelError('ENODATA', 61, undefined, 'no reply'))),
    }));
  }

  /** Send a dump request (NLM_F_DUMP set by the caller); resolves with every reply (payloads copied). */
  dump(message: Uint8Array): Promise<NetlinkMessage[]> {
    return new Promise((resolve, reject) => {
      let tries = 0;
      const attempt = (): void => {
        this.dumps.push({
          kind: 'dump', message: Uint8Array.from(message), tag: 0, replies: [], interrupted: false, barrier: false,
          done: (err, replies, interrupted) => {
            if (err) reject(err);
            else if (!interrupted || ++tries >= DUMP_RETRIES) resolve(replies);
            else attempt();
          },
        });
        this.startDump();
      };
      attempt();
    });
  }

  /** The socket's netlink port id (notifications caused by our requests carry it). */
  get portId(): number { return this.sock.portId; }

  close(): void {
    this.closed = true;
    this.failAll(new KernelError('ECANCELED', 125, undefined, 'netlink channel closed'));
    this.sock.close();
  }

  private enqueue(p: Pending): void {
    this.queue.push(p);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => { this.flushScheduled = false; this.flush(); });
    }
  }

  /** After answers arrived, send more on the next turn of the event loop, not at once: the kernel answers a
   * sendmsg before it returns, so sending from the receive callback would loop without ever letting other
   * sockets (the monitor, reading the notifications our changes cause) be read. */
  private flushSoon(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => { this.flushScheduled = false; this.flush(); });
  }

  private startDump(): void {
    if (this.dumpRunning || this.closed) return;
    const p = this.dumps.shift();
    if (!p) return;
    this.dumpRunning = true;
    this.sendBatch([p]);
  }

  private flush(): void {
    while (!this.closed && this.queueHead < this.queue.length && this.outstandingWrites < this.maxOutstanding) {
      const n = Math.min(this.batchSize, this.queue.length - this.queueHead, this.maxOutstanding - this.outstandingWrites);
      const batch = this.queue.slice(this.queueHead, this.queueHead + n);
      this.queueHead += n;
      this.sendBatch(batch);
    }
    if (this.queueHead === this.queue.length) { this.queue.length = 0; this.queueHead = 0; }
  }

  private sendBatch(batch: Pending[]): void {
    let lastWrite: Pending | undefined;
    for (const p of batch) {
      this.seq = (this.seq + 1) >>> 0 || 1;
      patchSeq(p.message, this.seq);
      this.inflight.set(this.seq, p);
      if (p.kind === 'write') { this.outstandingWrites++; lastWrite = p; }
    }
    if (lastWrite) {
      lastWrite.barrier = true;
      const flags = lastWrite.message[6]! | (lastWrite.message[7]! << 8) | NLM_F_ACK;
      lastWrite.message[6] = flags & 0xff;
      lastWrite.message[7] = flags >>> 8;
    }
    try {
      this.sock.send(batch.map((p) => p.message));
    } catch (e) {
      const x = e as NodeJS.ErrnoException;
      const err = new KernelError(x.code ?? 'EIO', x.errno ?? 0, undefined, 'netlink send');
      for (const [seq, p] of this.inflight) if (batch.includes(p)) this.complete(seq, p, err);
    }
  }

  private receive(datagram: Uint8Array): void {
    for (const msg of decodeMessages(datagram)) {
      const p = this.inflight.get(msg.seq);
      if (msg.type === NLMSG_ERROR) {
        const ack = decodeAck(msg);
        const target = this.inflight.get(ack.request.seq);
        if (!target) continue;
        const err = ack.error === 0 ? undefined : kernelError(ack.error, ack.message);
        if (target.barrier) this.completeBefore(ack.request.seq);
        this.complete(ack.request.seq, target, err);
      } else if (p?.kind === 'dump') {
        if (msg.flags & NLM_F_DUMP_INTR) p.interrupted = true;
        if (msg.type === NLMSG_DONE) {
          const e = doneError(msg);
          this.complete(msg.seq, p, e ? kernelError(e) : undefined);
        } else if (msg.flags & NLM_F_MULTI || msg.type >= 16) {
          p.replies.push({ ...msg, payload: msg.payload.slice() });
        }
      } else if (p?.kind === 'get') {
        p.replies.push({ ...msg, payload: msg.payload.slice() });
        this.complete(msg.seq, p, undefined);
      }
    }
    this.flushSoon();
  }

  /** Every change sent before the barrier `seq` succeeded (its error would have come first). */
  private completeBefore(seq: number): void {
    for (const [s, p] of this.inflight) {
      if (s === seq) return;
      if (p.kind === 'write') this.complete(s, p, undefined);
    }
  }

  private complete(seq: number, p: Pending, err: KernelError | undefined): void {
    if (!this.inflight.delete(seq)) return;
    if (p.kind === 'write') this.outstandingWrites--;
    if (p.kind === 'dump') { this.dumpRunning = false; this.startDump(); }
    p.write?.(err, p.tag);
    p.done?.(err, p.replies, p.interrupted);
  }

  /** The socket lost messages (ENOBUFS) or closed: nothing in flight can be trusted to complete. */
  private failAll(err: KernelError): void {
    const queued = [...this.dumps.splice(0), ...this.queue.slice(this.queueHead)];
    this.queue.length = 0;
    this.queueHead = 0;
    for (const [seq, p] of [...this.inflight]) this.complete(seq, p, err);
    for (const p of queued) {
      p.write?.(err, p.tag);
      p.done?.(err, [], false);
    }
  }
}

function kernelError(negErrno: number, text?: string): KernelError {
  return new KernelError(errnoName(-negErrno), -negErrno, text);
}
