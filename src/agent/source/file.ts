/**
 * `--source file:PATH`: a YAML file (several documents, or List objects) holding Service, EndpointSlice
 * and Node manifests, watched for changes, for the lab and for hosts without Kubernetes. The directory
 * is watched, not the file, so that editors and `mv`-into-place (a new inode) are seen too. A file that
 * does not parse keeps the last good snapshot (and says why in the log); until the first good read,
 * nothing is emitted.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Logger } from '../../lib/log.js';
import type { Snapshot } from '../model.js';
import { snapshotFromObjects, type KubeObject } from './manifests.js';
import type { Source } from './source.js';

/** YAML text of manifests → snapshot; throws with the first YAML error. */
export function parseManifests(text: string): Snapshot {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  for (const d of list) if (d.errors.length > 0) throw new Error(d.errors[0]!.message.split('\n')[0]);
  return snapshotFromObjects(list.map((d) => d.toJS() as unknown).filter((o): o is KubeObject => o !== null && typeof o === 'object'));
}

export class FileSource implements Source {
  readonly kind = 'file';
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private lastText?: string;
  private reading = Promise.resolve();

  constructor(readonly path: string, private readonly log: Logger, private readonly debounceMs = 20) {}

  async start(onSnapshot: (s: Snapshot) => void): Promise<void> {
    const name = basename(this.path);
    this.watcher = watch(dirname(this.path), (_event, file) => {
      if (file !== null && file !== name) return;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => { this.reading = this.reading.then(() => this.read(onSnapshot)); }, this.debounceMs);
    });
    await this.read(onSnapshot);
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
    clearTimeout(this.timer);
    this.watcher?.close();
    await this.reading;
  }
}
