// The full-screen client's keys, as readline and weechat have them. The input line: typing
// edits it at the cursor, Left/Right, Home/End (Ctrl-A/E) and Alt-B/F move the cursor,
// Backspace, Ctrl-W/U/K delete, Enter submits, Up/Down walk the input history (a line with a
// password never enters it). Conversations: Tab/Shift-Tab, Alt-Left/Right or Ctrl-N/P switch,
// PageUp/PageDown scroll, End also returns to the newest message. Ctrl-C quits.
import { useRef, useState } from 'react';
import { useInput, type Key } from 'ink';
import type { ChatAction } from './chat-state.js';
import { InputHistory } from './input-history.js';
import * as edit from './line-editor.js';
import type { EditedLine } from './line-editor.js';

/** What `help` adds in the full-screen client: the keys, and the slash form of the commands. */
export const keyHelp: readonly string[] = [
  'Commands also take the form /name arg arg: /chat 2 hi, /login 1 pw, /help;',
  '  /say TEXT sends TEXT as it is, /quit leaves. A line that is no command goes to the',
  '  conversation on screen.',
  'Keys: Tab/Shift-Tab, Alt-Left/Right or Ctrl-N/P switch conversations;',
  '  PageUp/PageDown scroll (PageUp at the top fetches older messages), End: newest;',
  '  Left/Right, Home/End, Ctrl-A/E, Alt-B/F move in the line; Ctrl-W/U/K delete;',
  '  Up/Down: earlier lines (never a password); Ctrl-C quits.',
];

export interface ChatKeysOptions {
  submit: (line: string) => void;
  dispatch: (action: ChatAction) => void;
  quit: () => void;
  /** Rows one PageUp scrolls. */
  pageRows: number;
  /** How far back the selected conversation can scroll now (rows above the window). */
  maxScrollBackRows: number;
  /** Called when PageUp is pressed at the top of what is loaded. */
  onScrollPastTop: () => void;
}

export interface ChatKeys {
  line: EditedLine;
  scrollBackRows: number;
}

/** Ctrl and Alt combinations that edit the line, by the letter Ink reports. */
const ctrlEdits: Record<string, (line: EditedLine) => EditedLine> = {
  a: edit.moveHome,
  e: edit.moveEnd,
  b: edit.moveLeft,
  f: edit.moveRight,
  w: edit.deleteWordBefore,
  u: edit.deleteToStart,
  k: edit.deleteToEnd,
  h: edit.deleteBefore,
};
const altEdits: Record<string, (line: EditedLine) => EditedLine> = {
  b: edit.moveWordLeft,
  f: edit.moveWordRight,
};

export function useChatKeys(options: ChatKeysOptions): ChatKeys {
  // The line lives in a ref as well: two reads of the terminal can arrive before React renders
  // again, and the second must see what the first typed.
  const current = useRef<EditedLine>(edit.emptyLine);
  const [line, setLineState] = useState<EditedLine>(edit.emptyLine);
  const [scrollBackRows, setScrollBackRows] = useState(0);
  const history = useRef(new InputHistory()).current;
  const optionsRef = useRef(options);
  optionsRef.current = options;
  const setLine = (next: EditedLine): void => {
    current.current = next;
    setLineState(next);
  };
  const switchTo = (action: ChatAction): void => {
    setScrollBackRows(0);
    options.dispatch(action);
  };
  const enter = (text: string): void => {
    history.add(text);
    options.submit(text);
    setScrollBackRows(0);
  };
  const pageUp = (): void => {
    const { maxScrollBackRows, pageRows, onScrollPastTop } = optionsRef.current;
    setScrollBackRows((rows) => {
      if (rows >= maxScrollBackRows) onScrollPastTop();
      return Math.min(maxScrollBackRows, rows + pageRows);
    });
  };

  useInput((input: string, key: Key) => {
    if (key.ctrl && input === 'c') return options.quit();
    if (key.return) {
      enter(current.current.text);
      return setLine(edit.emptyLine);
    }
    if ((key.meta && key.leftArrow) || (key.ctrl && input === 'p')) return switchTo({ kind: 'select-previous' });
    if ((key.meta && key.rightArrow) || (key.ctrl && input === 'n')) return switchTo({ kind: 'select-next' });
    if (key.tab) return switchTo({ kind: key.shift ? 'select-previous' : 'select-next' });
    // Terminals send DEL (0x7f) for Backspace, which Ink reports as delete.
    if (key.backspace || key.delete) return setLine(edit.deleteBefore(current.current));
    if (key.leftArrow) return setLine(edit.moveLeft(current.current));
    if (key.rightArrow) return setLine(edit.moveRight(current.current));
    if (key.home) return setLine(edit.moveHome(current.current));
    if (key.end) {
      setScrollBackRows(0);
      return setLine(edit.moveEnd(current.current));
    }
    if (key.upArrow) return setLine(edit.lineOf(history.previous(current.current.text)));
    if (key.downArrow) return setLine(edit.lineOf(history.next()));
    if (key.pageUp) return pageUp();
    if (key.pageDown) return setScrollBackRows((rows) => Math.max(0, Math.min(rows, optionsRef.current.maxScrollBackRows) - options.pageRows));
    const ctrlEdit = key.ctrl ? ctrlEdits[input] : undefined;
    if (ctrlEdit) return setLine(ctrlEdit(current.current));
    const altEdit = key.meta ? altEdits[input] : undefined;
    if (altEdit) return setLine(altEdit(current.current));
    if (key.ctrl || key.meta || key.escape || input === '') return;
    typed(input);
  });

  // Keys pressed quickly can arrive in one read, which Ink hands over as text: each control
  // character in it is its key (a tab is Tab, a line break Enter, so a pasted block of lines
  // sends each line; Ctrl-U still clears), and an escape sequence in it is dropped. No control
  // character ever enters the line.
  function typed(input: string): void {
    let next = current.current;
    const chars = [...input];
    for (let i = 0; i < chars.length; i++) {
      const char = chars[i] ?? '';
      const code = char.codePointAt(0) ?? 0;
      if (code >= 0x20 && code !== 0x7f) {
        next = edit.insertText(next, char);
      } else if (char === '\t') {
        switchTo({ kind: 'select-next' });
      } else if (char === '\r' || char === '\n') {
        if (char === '\n' && chars[i - 1] === '\r') continue;
        enter(next.text);
        next = edit.emptyLine;
      } else if (code === 0x7f || code === 0x08) {
        next = edit.deleteBefore(next);
      } else if (code === 0x1b) {
        // An escape sequence: ESC, an optional [ or O, parameters, and a final letter or ~.
        while (i + 1 < chars.length && /[[O0-9;]/.test(chars[i + 1] ?? '')) i++;
        if (i + 1 < chars.length && /[A-Za-z~]/.test(chars[i + 1] ?? '')) i++;
      } else {
        const letter = String.fromCharCode(code + 0x60);
        if (letter === 'c') return options.quit();
        if (letter === 'n' || letter === 'p') switchTo({ kind: letter === 'n' ? 'select-next' : 'select-previous' });
        next = ctrlEdits[letter]?.(next) ?? next;
      }
    }
    setLine(next);
  }
  return { line, scrollBackRows };
}
