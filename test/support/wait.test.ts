import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitFor } from './wait.js';

describe('waitFor', () => {
  it('resolves with the first value the probe yields that is not undefined or false', async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls < 3 ? false : `after ${calls}`), 1_000, 'the third call');
    assert.equal(value, 'after 3');
  });

  it('rejects naming what did not happen when the timeout passes', async () => {
    await assert.rejects(waitFor(() => undefined, 60, 'the moon to turn blue'), /timed out after 60 ms waiting for the moon to turn blue/);
  });

  it('ends the wait with the error a probe throws', async () => {
    await assert.rejects(
      waitFor(() => {
        throw new Error('server exited with 1');
      }, 1_000, 'a server'),
      /server exited with 1/,
    );
  });
});
