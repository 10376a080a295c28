/**
 * Live updates over Server-Sent Events (HTML living standard, "Server-sent events"): each connected page
 * gets its live region re-rendered by the server and sent as an `update` event, right away on connect,
 * then after each burst of router events (gathered for `throttleMs`) and every `refreshMs` (ages move);
 * an unchanged region is not sent again, a comment line keeps idle connections open.
 */
import type { ServerResponse } from 'node:http';

interface Client {
  readonly res: ServerResponse;
  readonly render: () => Promise<string>;
  last?: string;
  version: number;
}

export class LiveHub {
  private readonly clients = new Set<Client>();
  private timer?: NodeJS.Timeout;
  private readonly refresh: NodeJS.Timeout;
  private sending = false;
  private again = false;

  constructor(private readonly throttleMs = 100, refreshMs = 5000) {
    this.refresh = setInterval(() => { this.ping(); void this.push(); }, refreshMs);
    this.refresh.unref();
  }

  get size(): number { return this.clients.size; }

  /** Take over `res` as an event stream for a page whose live region `render` draws. */
  attach(res: ServerResponse, render: () => Promise<string>): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no',
    });
    res.write('retry: 1000\n\n');
    const c: Client = { res, render, version: 0 };
    this.clients.add(c);
    res.on('close', () => this.clients.delete(c));
    void this.send(c);
  }

  /** Something changed: send updates after the throttle window. */
  changed(): void {
    this.timer ??= setTimeout(() => { this.timer = undefined; void this.push(); }, this.throttleMs);
  }

  private async push(): Promise<void> {
    if (this.sending) { this.again = true; return; }
    this.sending = true;
    try {
      await Promise.all([...this.clients].map((c) => this.send(c)));
    } finally {
      this.sending = false;
    }
    if (this.again) { this.again = false; await this.push(); }
  }

  private async send(c: Client): Promise<void> {
    let html: string;
    try {
      html = await c.render();
    } catch (e) {
      html = `<p class="warn">Cannot read the router state: ${String(e instanceof Error ? e.message : e).replace(/[<&]/g, '')}</p>`;
    }
    if (html === c.last || c.res.destroyed) return;
    c.last = html;
    c.version++;
    c.res.write(`event: update\ndata: ${JSON.stringify({ version: c.version, html })}\n\n`);
  }

  private ping(): void { for (const c of this.clients) if (!c.res.destroyed) c.res.write(': ping\n\n'); }

  close(): void {
    clearInterval(this.refresh);
    clearTimeout(this.timer);
    for (const c of this.clients) c.res.end();
    this.clients.clear();
  }
}
