/** armStopDeadline: a stop that has not ended the process by the deadline is ended with exit code 1, logged. */
import { describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { armStopDeadline } from '../../../src/lib/stop-deadline.js';

describe('armStopDeadline', () => {
  it('exits with 1 and says why once the seconds are up, not before', () => {
    vi.useFakeTimers();
    try {
      const lines: string[] = [];
      const log = pino({ level: 'info' }, { write: (s: string) => { lines.push(s); } });
      const exit = vi.fn();
      armStopDeadline(12, log, exit);
      vi.advanceTimersByTime(11_999);
      expect(exit).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      expect(exit).toHaveBeenCalledWith(1);
      expect(lines.join('')).toMatch(/did not finish within 12 s/);
    } finally {
      vi.useRealTimers();
    }
  });
});
