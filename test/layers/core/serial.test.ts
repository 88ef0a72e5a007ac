import { describe, expect, it } from 'vitest';
import { keyedQueue } from '#core/serial';

describe('keyedQueue', () => {
  it('runs the tasks of one key one after another, whatever their outcome, and other keys alongside', async () => {
    const serial = keyedQueue();
    const log: string[] = [];
    const step = (name: string, ms: number, fail = false) => async () => {
      log.push(`${name} start`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      log.push(`${name} end`);
      if (fail) throw new Error(name);
      return name;
    };
    const a1 = serial('a', step('a1', 20, true));
    const a2 = serial('a', step('a2', 1));
    const b1 = serial('b', step('b1', 5));
    await expect(a1).rejects.toThrow('a1');
    expect(await a2).toBe('a2');
    expect(await b1).toBe('b1');
    // a2 waited for the failed a1; b1 did not wait for either.
    expect(log.indexOf('a2 start')).toBeGreaterThan(log.indexOf('a1 end'));
    expect(log.indexOf('b1 start')).toBeLessThan(log.indexOf('a1 end'));
  });
});
