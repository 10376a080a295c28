/**
 * `--source file:PATH`: a YAML file (several documents, or List objects) holding Service, EndpointSlice
 * and Node manifests, watched for changes (watch-file.ts: editors and `mv`-into-place are seen too), for
 * the lab and for hosts without Kubernetes. A file that
 * does not parse keeps the last good snapshot (and says why in the log); until the first good read,
 * nothing is emitted.
 */
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import type { Logger } from '../../lib/log.js';
import type { Snapshot } from '../model.js';
import { snapshotFromObjects, type KubeObject } from './manifests.js';
import type { Source } from './source.js';
import { watchFile, type FileWatch } from './watch-file.js';

/** YAML text of manifests → snapshot; throws with the first YAML error. */
export function parseManifests(text: string): Snapshot {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  for (const d of list) if (d.errors.length > 0) throw new Error(d.errors[0]!.message.split('\n')[0]);
  return snapshotFromObjects(list.map((d) => d.toJS() as unknown).filter((o): o is KubeObject => o !== null && typeof o === 'object'));
}

export class FileSource implements Source {
  readonly kind = 'file';
  private watcher?: FileWatch;
  private lastText?: string;

  constructor(readonly path: string, private readonly log: Logger, private readonly debounceMs = 20) {}

  async start(onSnapshot: (s: Snapshot) => void): Promise<void> {
    this.watcher = watchFile(this.path, this.debounceMs, () => this.read(onSnapshot));
    await this.watcher.trigger();
  }

  private async read(onSnapshot: (s: Snapshot) => void): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      this.log.warn({ path: this.path, err: (e as Error).message }, 'cannot read the source file; keeping the last snapshot');
      return;
    }
    if (text === this.lastText) return;
    let snapshot: Snapshot;
    try {
      snapshot = parseManifests(text);
    } catch (e) {
      this.log.warn({ path: this.path, err: (e as Error).message }, 'the source file does not parse; keeping the last snapshot');
      return;
    }
    this.lastText = text;
    onSnapshot(snapshot);
  }

  async stop(): Promise<void> {
    await this.watcher?.close();
  }
}
