import { describe, expect, it } from 'vitest';
import { poolCache } from '../../server/src/lib/pool-cache.js';

describe('a read remembered per database for a few seconds', () => {
  it('reads once within the time, again after a change here or a failed read, and per database', async () => {
    const cache = poolCache<string, number>(60_000);
    const dbA = {};
    const dbB = {};
    let reads = 0;
    const read = async () => ++reads;
    expect(await cache.get(dbA, 'k', read)).toBe(1);
    expect(await cache.get(dbA, 'k', read)).toBe(1);
    expect(await cache.get(dbB, 'k', read)).toBe(2);
    cache.clear(dbA);
    expect(await cache.get(dbA, 'k', read)).toBe(3);

    const failing = poolCache<string, number>(60_000);
    await expect(failing.get(dbA, 'k', async () => Promise.reject(new Error('db away')))).rejects.toThrow('db away');
    expect(await failing.get(dbA, 'k', read)).toBe(4);
  });
});
