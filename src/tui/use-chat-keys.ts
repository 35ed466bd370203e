// The full-screen client's keys: typing edits the input line, Enter submits it, Up/Down walk
// the input history, Tab/Shift-Tab and Left/Right switch conversations, PageUp/PageDown scroll
// the conversation, Ctrl-U clears the line and Ctrl-C quits.
import { useRef, useState } from 'react';
import { useInput, type Key } from 'ink';
import type { ChatAction } from './chat-state.js';
import { InputHistory } from './input-history.js';

export interface ChatKeysOptions {
  submit: (line: string) => void;
  dispatch: (action: ChatAction) => void;
  quit: () => void;
  /** Rows one PageUp scrolls. */
  pageRows: number;
}

export interface ChatKeys {
  value: string;
  scrollBackRows: number;
}

export function useChatKeys(options: ChatKeysOptions): ChatKeys {
  // The line lives in a ref as well: two reads of the terminal can arrive before React renders
  // again, and the second must see what the first typed.
  const line = useRef('');
  const [value, setValueState] = useState('');
  const [scrollBackRows, setScrollBackRows] = useState(0);
  const history = useRef(new InputHistory()).current;
  const setValue = (next: string): void => {
    line.current = next;
    setValueState(next);
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

  useInput((input: string, key: Key) => {
    if (key.ctrl && input === 'c') return options.quit();
    if (key.ctrl && input === 'u') return setValue('');
    if (key.return) {
      enter(line.current);
      return setValue('');
    }
    // Terminals send DEL (0x7f) for Backspace, which Ink reports as delete.
    if (key.backspace || key.delete) return setValue(line.current.slice(0, -1));
    if (key.upArrow) return setValue(history.previous(line.current));
    if (key.downArrow) return setValue(history.next());
    if (key.tab) return switchTo({ kind: key.shift ? 'select-previous' : 'select-next' });
    if (key.leftArrow) return switchTo({ kind: 'select-previous' });
    if (key.rightArrow) return switchTo({ kind: 'select-next' });
    if (key.pageUp) return setScrollBackRows((rows) => rows + options.pageRows);
    if (key.pageDown) return setScrollBackRows((rows) => Math.max(0, rows - options.pageRows));
    if (key.ctrl || key.meta || key.escape || input === '') return;
    // Keys pressed quickly can arrive in one read, which Ink hands over as text: each tab in it
    // is a Tab, and each line break an Enter (so a pasted block of lines sends each line).
    const tabs = input.split('\t').length - 1;
    for (let i = 0; i < tabs; i++) switchTo({ kind: 'select-next' });
    const lines = (line.current + input.replace(/\t/g, '')).split(/\r\n|\r|\n/);
    const rest = lines.pop() ?? '';
    for (const text of lines) enter(text);
    setValue(rest);
  });
  return { value, scrollBackRows };
}
