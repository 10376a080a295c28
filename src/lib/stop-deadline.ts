/**
 * A daemon told to stop must stop: from the first SIGTERM/SIGINT, the orderly stop (drain, Cease, closing
 * the BFD thread, the broker connection, the control socket) gets `seconds`; if the process is still there
 * then (a close that hangs, a peer or broker gone mid-write, a thread that does not end), it logs why and
 * exits with 1. Also after an orderly stop that returned: whatever handle or thread is left cannot keep the
 * process alive past the deadline. The timer is unref'd, so it never keeps an otherwise finished process up.
 */
import type { Logger } from './log.js';

export function armStopDeadline(seconds: number, log: Logger, exit: (code: number) => void = (c) => process.exit(c)): void {
  setTimeout(() => {
    log.error({ seconds }, `the stop did not finish within ${seconds} s: exiting`);
    log.flush();
    exit(1);
  }, seconds * 1000).unref();
}

/** Grace for closing everything once the drain is over. */
export const STOP_GRACE_SECONDS = 10;
