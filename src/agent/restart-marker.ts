/**
 * The Restart State bit (RFC 4724 3: "R" set in the OPENs of a speaker that has restarted) needs to know,
 * at start, whether the last run ended in a graceful restart. A run that stops for a graceful restart
 * writes a marker file (stateDir/agent-restart.json: when, and the restart time advertised); the next run
 * takes it (reads and deletes it) and sets R only if it comes back within that restart time, so a crash,
 * a first start or a start long after the stop never claims a restart. On Kubernetes the state dir must
 * outlive the pod (a hostPath; deploy/daemonset.yaml), since a DaemonSet rollout replaces the pod.
 * Wall-clock times (`now`, ms since 1970) because the marker spans two processes.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FILE = 'agent-restart.json';

export function writeRestartMarker(dir: string, restartTime: number, now: number): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, FILE), JSON.stringify({ at: now, restartTime }));
}

/** True when the last run stopped for a graceful restart less than its restart time ago; the marker is removed either way. */
export function takeRestartMarker(dir: string, now: number): boolean {
  const file = join(dir, FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  rmSync(file, { force: true });
  try {
    const m = JSON.parse(text) as { at?: unknown; restartTime?: unknown };
    return typeof m.at === 'number' && typeof m.restartTime === 'number' && now >= m.at && now - m.at < m.restartTime * 1000;
  } catch {
    return false;
  }
}
