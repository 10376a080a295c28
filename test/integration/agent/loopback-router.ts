/**
 * A minimal BGP router on a loopback address for agent tests: accepts connections, answers OPEN and
 * KEEPALIVE (optionally with the graceful restart capability), and records every message received, over
 * every connection, in order.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { formatPrefix } from '../../../src/lib/address.js';
import { Framer } from '../../../src/wire/bgp/framer.js';
import { decodeMessage, encodeMessage } from '../../../src/wire/bgp/message.js';
import { negotiate } from '../../../src/wire/bgp/negotiate.js';
import { DEFAULT_CONTEXT, type BgpMessage, type CodecContext, type OpenMessage } from '../../../src/wire/bgp/types.js';

export class LoopbackRouter {
  readonly received: BgpMessage[] = [];
  /** The agent's last OPEN. */
  agentOpen?: OpenMessage;
  /** The last connection closed. */
  closed = false;
  private readonly sockets = new Set<Socket>();
  private constructor(private readonly server: Server, readonly host: string, readonly port: number, private readonly gracefulRestart: boolean) {}

  static async start(gracefulRestart: boolean, host = '127.0.0.1'): Promise<LoopbackRouter> {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, host, r));
    const port = (server.address() as { port: number }).port;
    const router = new LoopbackRouter(server, host, port, gracefulRestart);
    server.on('connection', (s) => router.accept(s));
    return router;
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    this.closed = false;
    const framer = new Framer();
    let ctx: CodecContext = DEFAULT_CONTEXT;
    const ours: OpenMessage = {
      type: 'open', version: 4, myAs: 64513, holdTime: 90, bgpId: '10.0.0.254',
      capabilities: [
        { kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'four-octet-as', asn: 64513 },
        ...(this.gracefulRestart ? [{ kind: 'graceful-restart' as const, restarting: false, notification: false, restartTime: 120, families: [] }] : []),
      ],
    };
    socket.on('data', (chunk: Buffer) => {
      for (const bytes of framer.push(chunk)) {
        const msg = decodeMessage(bytes, ctx).message;
        this.received.push(msg);
        if (msg.type === 'open') {
          this.agentOpen = msg;
          socket.write(encodeMessage(ours, DEFAULT_CONTEXT));
          socket.write(encodeMessage({ type: 'keepalive' }, DEFAULT_CONTEXT));
          ctx = negotiate(ours, msg).rx;
        }
      }
    });
    const gone = (): void => { this.sockets.delete(socket); this.closed = true; };
    socket.on('close', gone);
    socket.on('error', gone);
  }

  /** OPENs received: one per session the agent opened. */
  opens(): number { return this.received.filter((m) => m.type === 'open').length; }

  /** NOTIFICATIONs received as [code, subcode]. */
  notifications(): [number, number][] {
    return this.received.flatMap((m) => (m.type === 'notification' ? [[m.code, m.subcode] as [number, number]] : []));
  }

  /** The UPDATEs received, each as [announced prefixes, withdrawn prefixes, communities]. */
  updates(): [string[], string[], number[]][] {
    return this.received.flatMap((m) => (m.type === 'update' && (m.nlri.length > 0 || m.withdrawn.length > 0)
      ? [[m.nlri.map((n) => formatPrefix(n.prefix)), m.withdrawn.map((n) => formatPrefix(n.prefix)), [...(m.attributes.communities ?? [])]] as [string[], string[], number[]]]
      : []));
  }

  /** Prefixes announced and not withdrawn since, over every connection since the last OPEN. */
  table(): string[] {
    const last = this.received.map((m) => m.type).lastIndexOf('open');
    const t = new Set<string>();
    for (const m of this.received.slice(last + 1)) {
      if (m.type !== 'update') continue;
      for (const w of m.withdrawn) t.delete(formatPrefix(w.prefix));
      for (const n of m.nlri) t.add(formatPrefix(n.prefix));
    }
    return [...t].sort();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
