import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fitColumns, lastColumns, textColumns, windowOf, windowStartAround, wrapText } from './text-wrap.js';

describe('text wrap', () => {
  test('wrapText breaks at a space near the width, mid-word when there is none, and keeps blank lines', () => {
    assert.deepEqual(wrapText('hello big world', 9), ['hello big', 'world']);
    assert.deepEqual(wrapText('abcdefghij', 4), ['abcd', 'efgh', 'ij']);
    assert.deepEqual(wrapText('a\n\nb', 5), ['a', '', 'b']);
    assert.deepEqual(wrapText('anything', 0), []);
  });

  test('wrapText counts terminal columns: wide characters take two, combining marks none', () => {
    assert.equal(textColumns('你好 world'), 10);
    assert.equal(textColumns('e\u0301'), 1);
    assert.equal(textColumns('ok 👍'), 5);
    assert.deepEqual(wrapText('你好世界朋友', 5), ['你好', '世界', '朋友']);
    assert.deepEqual(wrapText('你好 世界 朋友们', 9), ['你好 世界', '朋友们']);
    assert.deepEqual(wrapText('ｈｅｌｌｏ', 4), ['ｈｅ', 'ｌｌ', 'ｏ']);
    for (const row of wrapText('中文和English混在一起的一句很长的话', 7)) assert.ok(textColumns(row) <= 7, row);
    assert.deepEqual(wrapText('宽', 1), ['宽'], 'a wide character in a one-column pane still shows');
  });

  test('graphemes made of several code points are measured as the terminal shows them, and never split', () => {
    const family = '👨\u200d👩\u200d👧';
    const rainbow = '🏳\ufe0f\u200d🌈';
    assert.equal(textColumns(family), 2);
    assert.equal(textColumns(rainbow), 2);
    assert.equal(textColumns('ｶﾀｶﾅ'), 4, 'halfwidth katakana take one column each');
    assert.deepEqual(wrapText(`${family}${family}${family}`, 4), [`${family}${family}`, family]);
    assert.deepEqual(wrapText(`ab${rainbow}`, 3), ['ab', rainbow]);
    assert.equal(lastColumns(`x${family}`, 2), family);
  });

  test('lastColumns keeps the end that fits; fitColumns cuts with an ellipsis or pads, in columns', () => {
    assert.equal(lastColumns('hello', 3), 'llo');
    assert.equal(lastColumns('你好世界', 5), '世界');
    assert.equal(lastColumns('hi', 9), 'hi');
    assert.equal(fitColumns('ben', 6), 'ben   ');
    assert.equal(fitColumns('climbers', 6), 'climb…');
    assert.equal(fitColumns('你好世界', 6), '你好… ');
    assert.equal(textColumns(fitColumns('你好世界', 6)), 6);
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
