/**
 * `igr verify --model` when the model's data cannot be loaded (the MNIST files unreadable): one
 * line naming the reason, exit 1, no stack trace; and a later run in the same thread is not
 * poisoned by the failed load. igr/node's data sources are replaced by a failing one here.
 */
import { describe, expect, it, vi } from 'vitest';

let fail = true;
vi.mock('../../src/node/datasets.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/node/datasets.js')>();
  return {
    ...real,
    nodeDataSources: {
      mnist: () => (fail ? Promise.reject(new Error('disk on fire')) : real.nodeDataSources.mnist!()),
    },
  };
});

const { run } = await import('./verify-run.js');

describe('igr verify --model with data that cannot be loaded', () => {
  it('says why in one line, exit 1; the next run loads it', async () => {
    const args = ['--model', '--train', '50', '--test', '10', '--hidden', '2', '--orders', '1', '--h', '0.2,0.1', '--T', '0.4'];
    const r = await run(...args);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe("igr verify: --model: could not load data set 'mnist': disk on fire\n");
    fail = false;
    const again = await run(...args);
    expect(again.err).toBe('');
    expect(again.out).toContain('mnist 14×14 (50 train), MLP 196-2-10 tanh (424 parameters), seed 0, at initialisation');
  });
});
