import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readLines } from '../src/index.js';

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
