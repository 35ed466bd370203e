import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { windowOf, windowStartAround, wrapText } from './text-wrap.js';

describe('text wrap', () => {
  test('wrapText breaks at a space near the width, mid-word when there is none, and keeps blank lines', () => {
    assert.deepEqual(wrapText('hello big world', 9), ['hello big', 'world']);
    assert.deepEqual(wrapText('abcdefghij', 4), ['abcd', 'efgh', 'ij']);
    assert.deepEqual(wrapText('a\n\nb', 5), ['a', '', 'b']);
    assert.deepEqual(wrapText('anything', 0), []);
  });

  test('windowOf shows the last rows, scrolls back, and clamps the scroll at the first row', () => {
    const rows = ['1', '2', '3', '4', '5'];
    assert.deepEqual(windowOf(rows, 2, 0), { rows: ['4', '5'], scrollBackRows: 0 });
    assert.deepEqual(windowOf(rows, 2, 2), { rows: ['2', '3'], scrollBackRows: 2 });
    assert.deepEqual(windowOf(rows, 2, 99), { rows: ['1', '2'], scrollBackRows: 3 });
    assert.deepEqual(windowOf(rows, 9, 5), { rows, scrollBackRows: 0 });
  });

  test('windowStartAround keeps the selected row on screen, centred unless near either end', () => {
    assert.equal(windowStartAround(5, 4, 10), 0, 'everything fits');
    assert.equal(windowStartAround(30, 0, 10), 0);
    assert.equal(windowStartAround(30, 15, 10), 10);
    assert.equal(windowStartAround(30, 29, 10), 20);
  });
});
