// Rendering of plugin results: json and yaml as data, plain from the command's display schema.
import type { Display, OutputFormat } from '@fctl-kit/protocol';
import { escapeTerminalUnsafe, hasTerminalUnsafe, readJsonPath, terminalText } from '@fctl-kit/protocol';
import stringWidth from 'string-width';
import { colors as makeColors, type Colors } from './colors.js';
import { formatValue } from './format-value.js';
import { renderTable, rowsAt } from './table.js';

export { shouldUseColor } from './colors.js';

export interface RenderOptions {
  format: OutputFormat;
  display?: Display;
  color: boolean;
}

// JSON and YAML stay exact (they are data), yet cannot drive a terminal: a control, C1 or bidi
// character is written as a \uXXXX escape, which reads back as the same character.
function json(data: unknown): string {
  return `${escapeTerminalUnsafe(JSON.stringify(data, null, 2))}\n`;
}

/** Whether a string (key or value) anywhere in `data` holds an unsafe character; iterative. */
function holdsUnsafeText(data: unknown): boolean {
  const pending = [data];
  while (pending.length) {
    const value = pending.pop();
    if (typeof value === 'string') {
      if (hasTerminalUnsafe(value)) return true;
    } else if (Array.isArray(value)) {
      for (const item of value) pending.push(item);
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (hasTerminalUnsafe(key)) return true;
        pending.push(child);
      }
    }
  }
  return false;
}

async function yaml(data: unknown): Promise<string> {
  // `default` is the CommonJS module object both under Node and in the esbuild bundle.
  const { default: YAML } = await import('yaml');
  if (!holdsUnsafeText(data)) return YAML.stringify(data);
  const document = new YAML.Document(data);
  // Escapes are only valid in double-quoted scalars: every string (key or value) holding one is quoted so.
  YAML.visit(document, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && hasTerminalUnsafe(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  return escapeTerminalUnsafe(document.toString());
}

function renderSections(data: unknown, display: Extract<Display, { sections: unknown }>, colors: Colors): string[] {
  const lines: string[] = [];
  for (const [index, section] of display.sections.entries()) {
    if (index > 0) lines.push('');
    lines.push(colors.title(terminalText(section.title)));
    const fields = section.fields ?? [];
    const labels = fields.map((field) => terminalText(field.label));
    const labelWidth = Math.max(0, ...labels.map((label) => stringWidth(label)));
    for (const [i, field] of fields.entries()) {
      const text = labels[i]!;
      const label = `${text}:`.padEnd(labelWidth + 1 + (text.length - stringWidth(text)));
      lines.push(`${label}  ${formatValue(readJsonPath(data, field.jsonPath), field.format)}`.trimEnd());
    }
    if (section.columns) for (const line of renderTable(rowsAt(data, section.rowsPath), section.columns, colors, '  ')) lines.push(line);
  }
  return lines;
}

/** The text to print for `data`. Plain output without a display schema falls back to YAML. */
export async function render(data: unknown, options: RenderOptions): Promise<string> {
  if (options.format === 'json') return json(data);
  if (options.format === 'yaml' || !options.display) return yaml(data);
  const colors = makeColors(options.color);
  const display = options.display;
  const lines = 'columns' in display ? renderTable(rowsAt(data, display.rowsPath), display.columns, colors) : renderSections(data, display, colors);
  return `${lines.join('\n')}\n`;
}
