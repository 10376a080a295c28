/**
 * BFD sessions run on their own thread (worker.ts), driven from the main thread: `add`, `remove`,
 * `setAdminDown` and `views` are forwarded as messages, and the thread's up / down / dropped reports call
 * the given BfdEvents. Run from source (tests, benches under tsx), the worker is the .ts file, loaded through tsx.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BfdEvents, BfdPeerOptions, BfdSessionView } from './manager.js';
import type { BfdCommand, BfdReport, BfdThreadOptions } from './thread-protocol.js';

/** The worker: worker.js when built; from source (tsx, tests), worker.ts behind a bootstrap that registers tsx. */
function workerScript(): { script: string | URL; eval: boolean } {
  const js = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return { script: js, eval: false };
  const tsx = import.meta.resolve('tsx/esm/api');
  const ts = new URL('./worker.ts', import.meta.url).href;
  return { script: `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(ts)}); });`, eval: true };
}

export class BfdThread {
  private readonly worker: Worker;
  private readonly pendingViews = new Map<number, (v: BfdSessionView[]) => void>();
  private nextId = 0;
  private closed = false;

  private constructor(opts: BfdThreadOptions, private readonly events: BfdEvents, private readonly onError: (e: Error) => void) {
    const w = workerScript();
    // a small young generation: the thread allocates little, and every MiB of it is RSS on each router (young-generation.ts)
    this.worker = new Worker(w.script, { workerData: opts, eval: w.eval, resourceLimits: { maxYoungGenerationSizeMb: 3 } });
    this.worker.on('message', (r: BfdReport) => this.report(r));
    this.worker.on('error', (e) => this.onError(e));
  }

  /** Start the thread; resolves once its sockets are open (rejects if they cannot be). */
  static start(opts: BfdThreadOptions, events: BfdEvents, onError: (e: Error) => void): Promise<BfdThread> {
    const t = new BfdThread(opts, events, onError);
    return new Promise((resolve, reject) => {
      const first = (r: BfdReport) => {
        if (r.type === 'ready') resolve(t);
        else if (r.type === 'failed') reject(Object.assign(new Error(`BFD: ${r.message}`), r.code ? { code: r.code } : {}));
        else return;
        t.worker.off('message', first);
      };
      t.worker.on('message', first);
      t.worker.once('exit', (code) => reject(new Error(`BFD thread exited with ${code}`)));
    });
  }

  add(options: BfdPeerOptions): void { this.send({ type: 'add', options }); }
  remove(address: string): void { this.send({ type: 'remove', address }); }
  setAdminDown(address: string, down: boolean): void { this.send({ type: 'admin', address, down }); }

  views(): Promise<BfdSessionView[]> {
    if (this.closed) return Promise.resolve([]);
    const id = this.nextId++;
    return new Promise((resolve) => { this.pendingViews.set(id, resolve); this.send({ type: 'views', id }); });
  }

  /** Every session says AdminDown once, then the thread ends. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.send({ type: 'close' });
    this.closed = true;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => { void this.worker.terminate().then(() => resolve()); }, 2000);
      this.worker.once('exit', () => { clearTimeout(timer); resolve(); });
    });
    for (const r of this.pendingViews.values()) r([]);
    this.pendingViews.clear();
  }

  private send(c: BfdCommand): void { if (!this.closed) this.worker.postMessage(c); }

  private report(r: BfdReport): void {
    switch (r.type) {
      case 'up': this.events.up(r.peer); break;
      case 'down': this.events.down(r.peer, r.diag, r.remoteAdminDown); break;
      case 'dropped': this.events.dropped?.(r.peer, r.reason); break;
      case 'views': this.pendingViews.get(r.id)?.(r.views); this.pendingViews.delete(r.id); break;
      case 'error': this.onError(new Error(r.message)); break;
      default: break;
    }
  }
}
