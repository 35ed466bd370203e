// The input line's history, as in a shell: Up walks back through the lines entered, Down walks
// forward again and past the newest returns to what was being typed before Up was pressed. A
// line that carries a password (login, register) is never remembered.
import { passwordStart } from './line-editor.js';

export class InputHistory {
  private readonly entries: string[] = [];
  /** Index into entries while browsing; entries.length means "not browsing". */
  private position = 0;
  private draft = '';

  constructor(private readonly maxEntries = 200) {}

  /** Remembers an entered line (not a repeat of the last one, nor one with a password) and stops browsing. */
  add(line: string): void {
    const isRemembered = line.trim() !== '' && this.entries[this.entries.length - 1] !== line && passwordStart(line) === undefined;
    if (isRemembered) this.entries.push(line);
    if (this.entries.length > this.maxEntries) this.entries.shift();
    this.position = this.entries.length;
    this.draft = '';
  }

  /** The line before the current one; `current` is kept as the draft when browsing starts. */
  previous(current: string): string {
    if (this.position === this.entries.length) this.draft = current;
    if (this.position > 0) this.position--;
    return this.entries[this.position] ?? current;
  }

  next(): string {
    if (this.position >= this.entries.length) return this.draft;
    this.position++;
    return this.position === this.entries.length ? this.draft : (this.entries[this.position] ?? this.draft);
  }
}
