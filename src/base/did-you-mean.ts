// "Did you mean …": the known word a mistyped one was meant to be. The distance counts the
// edits a person makes by accident (a letter missing, extra, wrong, or two swapped: "loign"),
// and short words get fewer of them, so "hi" is never taken for a command.

/** Edits (insert, delete, replace, swap of neighbours) that turn `a` into `b`. */
export function typoDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => d[i]?.[j] ?? Number.MAX_SAFE_INTEGER;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** How many typos a typed word of this length may carry and still be recognised. */
function allowedTypos(length: number): number {
  if (length <= 3) return 0;
  return length <= 5 ? 1 : 2;
}

/** The candidate `word` is most likely a typo of (case ignored), or undefined when none is close. */
export function closestWord(word: string, candidates: Iterable<string>): string | undefined {
  const typed = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.MAX_SAFE_INTEGER;
  for (const candidate of candidates) {
    const distance = typoDistance(typed, candidate.toLowerCase());
    // A three-letter word is recognised only with two letters swapped ("dle" for del): one
    // letter more or less would make "cat" a "chat".
    const isSwap = typed.length === 3 && distance === 1 && [...typed].sort().join('') === [...candidate.toLowerCase()].sort().join('');
    if (distance > 0 && (distance <= allowedTypos(typed.length) || isSwap) && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
