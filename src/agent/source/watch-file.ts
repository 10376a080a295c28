/**
 * Watch one file for changes, debounced: its directory is watched, not the file, so that editors that
 * write a new file and rename it over the old one (a new inode), `mv` into place and Kubernetes'
 * ConfigMap volumes (a symlink swap) are seen too. Calls run one after another, never overlapping.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

export interface FileWatch {
  /** Run `onChange` now (after any call in progress), as a change would (SIGHUP). */
  trigger(): Promise<void>;
  /** Stop watching; resolves when a call in progress has finished. */
  close(): Promise<void>;
}

export function watchFile(path: string, debounceMs: number, onChange: () => Promise<void>): FileWatch {
  const name = basename(path);
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  const run = (): Promise<void> => (running = running.then(onChange));
  const watcher: FSWatcher = watch(dirname(path), (_event, file) => {
    // Kubernetes ConfigMap volumes swap a ..data symlink: any change in the directory may be ours
    if (file !== null && file !== name && !file.startsWith('..')) return;
    clearTimeout(timer);
    timer = setTimeout(() => { void run(); }, debounceMs);
  });
  return {
    trigger: run,
    close: async () => { clearTimeout(timer); watcher.close(); await running; },
  };
}
