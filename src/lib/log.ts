/**
 * Structured logs (pino, JSON lines on stderr). Daemons make one root logger and hand children to their
 * parts; secrets never reach a log because configs are logged through `redact` paths.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(name: string, level = 'info'): Logger {
  return pino({
    name, level,
    base: { pid: process.pid },
    redact: { paths: ['*.password', '*.*.password', 'password', '*.token', 'token'], censor: '[secret]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  }, pino.destination({ fd: 2, sync: false }));
}

/** A logger that drops everything, for tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
