import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readCappedLines, readLines } from '../src/index.js';

function collect(limit: number) {
  const stream = new PassThrough();
  const lines: string[] = [];
  const overflows: Array<[number, number]> = [];
  readLines(stream, () => limit, { line: (line) => lines.push(line), overflow: (bytes, max) => overflows.push([bytes, max]) });
  return { stream, lines, overflows };
}

describe('readLines', () => {
  it('joins lines split across chunks and splits chunks holding several lines', () => {
    const { stream, lines } = collect(100);
    stream.write('{"a"');
    stream.write(':1}\n{"b":2}\n{"c"');
    stream.write(':3}\n');
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('drops a CR before the newline and keeps empty lines', () => {
    const { stream, lines } = collect(100);
    stream.write('one\r\n\ntwo\n');
    expect(lines).toEqual(['one', '', 'two']);
  });

  it('decodes a multi-byte character split between chunks', () => {
    const { stream, lines } = collect(100);
    const bytes = Buffer.from('€uro\n');
    stream.write(bytes.subarray(0, 1));
    stream.write(bytes.subarray(1, 2));
    stream.write(bytes.subarray(2));
    expect(lines).toEqual(['€uro']);
  });

  it('reports a line over the limit once and stops reading', () => {
    const { stream, lines, overflows } = collect(8);
    stream.write('12345678\n');
    stream.write('1234');
    stream.write('56789');
    stream.write('more\n');
    expect(lines).toEqual(['12345678']);
    expect(overflows).toEqual([[9, 8]]);
  });
});

describe('readCappedLines', () => {
  function capped(max: number) {
    const stream = new PassThrough();
    const lines: Array<[string, number]> = [];
    const done = readCappedLines(stream, max, (line, dropped) => lines.push([line, dropped]));
    return { stream, lines, done };
  }

  it('splits lines across chunks, drops the CR before a newline and delivers the last line at the end', async () => {
    const { stream, lines, done } = capped(100);
    stream.write('one\r\ntw');
    stream.write('o\n\nthree');
    stream.end();
    await done;
    expect(lines).toEqual([['one', 0], ['two', 0], ['', 0], ['three', 0]]);
  });

  it('keeps the first bytes of a long line and counts the rest', async () => {
    const { stream, lines, done } = capped(4);
    stream.write('abcdefgh');
    stream.write('ij\nkl\n');
    stream.write('mnopqrst');
    stream.end();
    await done;
    expect(lines).toEqual([['abcd', 6], ['kl', 0], ['mnop', 4]]);
  });

  it('reads 64 MiB without a newline while keeping only the cap', async () => {
    const { stream, lines, done } = capped(4096);
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    for (let i = 0; i < 64; i++) stream.write(chunk);
    stream.end();
    await done;
    expect(lines).toEqual([['x'.repeat(4096), 64 * 1024 * 1024 - 4096]]);
  }, 30_000);
});
