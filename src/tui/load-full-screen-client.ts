// Loads the full-screen client for a person at a terminal. Ink decides at import time whether it
// runs under CI (CI or CONTINUOUS_INTEGRATION set), and then draws only its last frame, at exit:
// a blank screen for someone who merely has CI set in their shell. Whoever asks for the full
// screen on a terminal wants every frame, so the variables go before Ink is first imported.
import type { runFullScreenClient } from './full-screen-client.js';

export async function loadFullScreenClient(): Promise<typeof runFullScreenClient> {
  delete process.env['CI'];
  delete process.env['CONTINUOUS_INTEGRATION'];
  return (await import('./full-screen-client.js')).runFullScreenClient;
}
