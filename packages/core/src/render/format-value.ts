// One cell of plain output: a value formatted per the display schema, made safe for a terminal.
import { terminalText, type Format } from '@fctl-kit/protocol';

// Plugin data must not drive the user's terminal (and a cell is one line).
const sanitize = (text: string) => terminalText(text);

function formatTimestamp(value: unknown): string | undefined {
  const date = typeof value === 'number' ? new Date(value) : typeof value === 'string' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) return undefined;
  const iso = date.toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

export function formatValue(value: unknown, format: Format = 'string'): string {
  if (value === null || value === undefined) return '';
  switch (format) {
    case 'timestamp':
      return sanitize(formatTimestamp(value) ?? String(value));
    case 'boolean':
      return value === true ? 'yes' : value === false ? 'no' : sanitize(String(value));
    case 'number':
      return sanitize(typeof value === 'object' ? JSON.stringify(value) : String(value));
    case 'string':
      return sanitize(typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
}
