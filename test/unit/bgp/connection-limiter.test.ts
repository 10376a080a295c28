import { describe, expect, it } from 'vitest';
import { ConnectionLimiter } from '../../../src/bgp/connection-limiter.js';

describe('connection limiter for dynamic ranges', () => {
  const o = { burst: 3, refillMs: 1000, maxBlockMs: 16_000, maxSources: 2 };

  it('lets a burst through, then refuses until tokens refill', () => {
    const l = new ConnectionLimiter(o);
    expect([0, 1, 2].map((t) => l.check('10.0.0.1', t))).toEqual([undefined, undefined, undefined]);
    expect(l.check('10.0.0.1', 3)).toMatch(/more than 3 connections/);
    // other sources are not affected
    expect(l.check('10.0.0.2', 3)).toBeUndefined();
  });

  it('blocks a source that keeps hitting the limit, for a time that doubles up to the maximum', () => {
    const l = new ConnectionLimiter(o);
    let t = 0;
    const blocks: number[] = [];
    for (let round = 0; round < 5; round++) {
      // use up whatever tokens there are, then one more is refused and starts a block
      let refused: string | undefined;
      for (let k = 0; k < 10 && refused === undefined; k++) refused = l.check('a', t);
      expect(refused).toMatch(/more than 3/);
      expect(l.check('a', t + 1)).toMatch(/blocked/);
      // the first moment it is let through again, on a 100 ms grid
      let free = t + 100;
      for (let k = 0; k < 400 && l.check('a', free) !== undefined; k++) free += 100;
      blocks.push(free - t);
      t = free;
    }
    expect(blocks).toEqual([2000, 4000, 8000, 16000, 16000]);
  });

  it('reports the block and keeps its table bounded', () => {
    const l = new ConnectionLimiter(o);
    for (let i = 0; i < 4; i++) l.check('x', 0);
    expect(l.check('x', 1500)).toMatch(/blocked for \d+ s/);
    l.check('y', 0);
    l.check('z', 0);
    expect(l.tracked).toBe(2);
  });
});
