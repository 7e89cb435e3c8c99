// Aligned text tables: a header line, one line per row, widths measured in terminal columns.
import stringWidth from 'string-width';
import { readJsonPath, terminalText, type Column } from '@fctl-kit/protocol';
import type { Colors } from './colors.js';
import { formatValue } from './format-value.js';

const GAP = '   ';

/** Terminal columns of cleaned text; printable ASCII (most cells) skips string-width's grapheme segmentation. */
export function displayWidth(text: string): number {
  return /^[\x20-\x7e]*$/.test(text) ? text.length : stringWidth(text);
}

export function rowsAt(data: unknown, rowsPath: string | undefined): unknown[] {
  const rows = readJsonPath(data, rowsPath ?? '$');
  if (!Array.isArray(rows)) {
    const found = rows === null ? 'null' : Array.isArray(rows) ? 'array' : typeof rows;
    throw new Error(`the display schema expects a list at ${rowsPath ?? '$'}, but the data has ${found === 'undefined' ? 'nothing' : `a ${found}`} there`);
  }
  return rows;
}

export function renderTable(rows: unknown[], columns: Column[], colors: Colors, indent = ''): string[] {
  const cells = rows.map((row) => columns.map((column) => formatValue(readJsonPath(row, column.jsonPath), column.format)));
  const headers = columns.map((column) => terminalText(column.header));
  // A loop, not Math.max(...cells): spreading 100,000 rows as arguments overflows the stack.
  const widths = headers.map(displayWidth);
  for (const row of cells) row.forEach((cell, i) => (widths[i] = Math.max(widths[i]!, displayWidth(cell))));
  const pad = (text: string, i: number) => {
    const fill = ' '.repeat(widths[i]! - displayWidth(text));
    return columns[i]!.format === 'number' ? fill + text : text + fill;
  };
  const line = (texts: string[], style: (s: string) => string = (s) => s) =>
    (indent + texts.map((text, i) => style(pad(text, i))).join(GAP)).trimEnd();
  const lines = [line(headers, colors.bold), ...cells.map((row) => line(row))];
  if (!rows.length) lines.push(`${indent}No items.`);
  return lines;
}
