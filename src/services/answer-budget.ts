// Pages cut by bytes as well as by count. A count alone does not bound an answer: 100 messages of
// 4096 emoji are 1.6 MB, past the 1 MiB frame limit of dchat's clients. So a page takes items
// while their encoded size stays within limits.answerBudgetBytes, and says there is more.
import { limits } from './limits.js';

/** The bytes an item adds to its repeated field: the encoded message plus its tag and length. */
export function fieldBytes(encoded: { finish(): Uint8Array }): number {
  return encoded.finish().length + 6;
}

/** The longest start of `items` whose sizes fit the budget (always at least one item), and whether any was left out. */
export function withinBudget<T>(items: readonly T[], bytesOf: (item: T) => number, budgetBytes: number = limits.answerBudgetBytes): { items: T[]; isCut: boolean } {
  let used = 0;
  let count = 0;
  for (const item of items) {
    used += bytesOf(item);
    if (count > 0 && used > budgetBytes) break;
    count++;
  }
  return { items: items.slice(0, count), isCut: count < items.length };
}
