// One command line of `dchat ring`, from words to printed answer, for one-shot calls and the
// shell alike. Errors print as "error: …" on stderr, or as a JSON line with --json.
import { isDchatError, type DchatError } from '../base/dchat-error.js';
import { executeRingOperation, type RingResult } from './ring-executor.js';
import { DEFAULT_PAGE_SIZE, parseRingWords } from './ring-operation.js';
import { formatErrorJson, formatRingJson, formatRingResult } from './ring-output.js';
import type { RingStore } from './ring-store.js';

export interface RingOutput {
  isJson: boolean;
  out(text: string): void;
  err(text: string): void;
}

export const processOutput = (isJson: boolean): RingOutput => ({
  isJson,
  out: (text) => process.stdout.write(text + '\n'),
  err: (text) => process.stderr.write(text + '\n'),
});

/** Runs one command; the result is undefined when it failed (and the failure was printed). */
export async function runRingWords(
  words: readonly string[],
  store: RingStore,
  output: RingOutput,
  pageSize = DEFAULT_PAGE_SIZE,
): Promise<RingResult | undefined> {
  const op = parseRingWords(words, pageSize);
  if (!op.ok) return reportError(op.error, output);
  try {
    const result = await executeRingOperation(op.value, store);
    if (!result.ok) return reportError(result.error, output);
    print(result.value, output);
    return result.value;
  } catch (err) {
    if (isDchatError(err)) return reportError(err, output);
    throw err;
  }
}

function print(result: RingResult, output: RingOutput): void {
  if (output.isJson) {
    output.out(formatRingJson(result));
    return;
  }
  // A weight nginx cannot match is said once, by the comment inside the upstream block.
  const text = formatRingResult(result);
  if (text !== '') output.out(text);
}

export function reportError(error: DchatError, output: RingOutput): undefined {
  if (output.isJson) output.out(formatErrorJson(error));
  else output.err(`error: ${error.message}`);
  return undefined;
}
