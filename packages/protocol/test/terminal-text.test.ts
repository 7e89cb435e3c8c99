import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeTerminalUnsafe, terminalText } from '../src/index.js';

// Anything a terminal could act on: C0 but \t and \n (checked separately), DEL, C1, separators, bidi controls.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('terminalText', () => {
  it.each([
    ['CSI', '\u001b[2J\u001b[31mred\u001b[0m', 'red'],
    ['CSI with private parameters', '\u001b[?1049hscreen', 'screen'],
    ['OSC ended by BEL', '\u001b]0;a window title\u0007text', 'text'],
    ['OSC ended by ST (a hyperlink)', '\u001b]8;;https://evil.example\u001b\\link\u001b]8;;\u001b\\', 'link'],
    ['DCS', '\u001bP1$r0m\u001b\\after', 'after'],
    ['APC and PM', '\u001b_hidden\u001b\\a\u001b^hidden\u0007b', 'ab'],
    ['8-bit CSI (U+009B)', '\u009b31mC1', 'C1'],
    ['8-bit OSC ended by 8-bit ST', '\u009d0;title\u009cvisible', 'visible'],
    ['a two-byte escape (reset)', '\u001bcafter', 'after'],
    ['a charset designation', '\u001b(Bafter', 'after'],
    ['the introducer of an unterminated OSC', '\u001b]0;title', '0;title'],
  ])('removes %s and keeps the visible text', (_name, input, visible) => {
    expect(terminalText(input)).toBe(visible);
  });

  it.each([
    ['CR', 'hidden\rshown', 'hidden\ufffdshown'],
    ['backspace', 'abc\b\b\b', 'abc\ufffd\ufffd\ufffd'],
    ['NUL and BEL', 'a\u0000b\u0007c', 'a\ufffdb\ufffdc'],
    ['DEL', 'a\u007fb', 'a\ufffdb'],
    ['a lone ESC', 'a\u001b', 'a\ufffd'],
    ['other C1 controls', 'a\u0085b\u0090', 'a\ufffdb\ufffd'],
    ['bidi overrides and isolates', '\u202eevil\u202c \u2066x\u2069', '\ufffdevil\ufffd \ufffdx\ufffd'],
    ['line separators', 'a\u2028b\u2029c', 'a\ufffdb\ufffdc'],
  ])('replaces %s by U+FFFD', (_name, input, expected) => {
    expect(terminalText(input)).toBe(expected);
  });

  it('a sequence rebuilt by removing another is still neutralised', () => {
    expect(terminalText('\u001b\u001b[0m[31mred')).toBe('\ufffd[31mred');
  });

  it('keeps newlines and tabs in multi-line text (CRLF becomes LF), not in one line', () => {
    expect(terminalText('one\r\n\ttwo\n', { multiline: true })).toBe('one\n\ttwo\n');
    expect(terminalText('one\n\ttwo')).toBe('one\ufffd\ufffdtwo');
  });

  it('leaves ordinary text alone, right-to-left and wide characters included', () => {
    const text = 'café 日本 שלום مرحبا 🙂 "quotes" \\ back';
    expect(terminalText(text)).toBe(text);
  });

  it.each([
    ['8-bit DCS introducers', '\u0090'],
    ['8-bit OSC introducers', '\u009d'],
    ['7-bit OSC introducers', '\u001b]'],
    ['CSI introducers with parameters', '\u009b0;'],
    ['escapes with intermediates', '\u001b '],
  ])('takes linear time on a megabyte of unterminated %s (was quadratic: hours)', (_name, unit) => {
    const text = unit.repeat(Math.ceil(1_000_000 / unit.length));
    expect(terminalText(text)).not.toMatch(UNSAFE);
  }, 20_000);

  it('never lets an unsafe character through, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (input) => {
        const line = terminalText(input);
        const multi = terminalText(input, { multiline: true });
        expect(line).not.toMatch(UNSAFE);
        expect(line).not.toMatch(/[\t\n]/);
        expect(multi).not.toMatch(UNSAFE);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('escapeTerminalUnsafe', () => {
  it('writes unsafe characters of JSON text as escapes that read back the same', () => {
    const data = { 'k\u009bey': ['\u001b[31m', '\u007f', '\u202e', 'tab\tnew\nline'] };
    const text = escapeTerminalUnsafe(JSON.stringify(data, null, 2));
    expect(text).not.toMatch(UNSAFE);
    expect(JSON.parse(text)).toEqual(data);
  });
});
