// Checks of numeric command-line options, shared by the commands, with sentences that quote what
// was typed: yargs turns `--port abc` into NaN, which a message should not repeat.

/** What was typed after `--name` (or `--name=`), for messages; the parsed value when not found. */
export function typedValue(name: string, parsed: unknown, argv: readonly string[] = process.argv): string {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === name) return JSON.stringify(argv[i + 1] ?? '');
    if (arg.startsWith(`${name}=`)) return JSON.stringify(arg.slice(name.length + 1));
  }
  return String(parsed);
}

/** Throws unless `value` is a TCP port; 0 (a free port) only when `zeroPicksFree`. */
export function checkPortOption(name: string, value: unknown, zeroPicksFree: boolean): void {
  const low = zeroPicksFree ? 0 : 1;
  if (typeof value === 'number' && Number.isInteger(value) && value >= low && value <= 65535) return;
  const range = zeroPicksFree ? 'from 0 to 65535 (0 picks a free one)' : 'from 1 to 65535';
  throw new Error(`${name} ${typedValue(name, value)} is not a port number: give a whole number ${range}`);
}

/** Throws unless `value` is a whole number of at least `min`, saying what it counts. */
export function checkWholeOption(name: string, value: unknown, min: number, what: string): void {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min) return;
  throw new Error(`${name} ${typedValue(name, value)} is not valid: give ${what}, a whole number of at least ${min}`);
}
