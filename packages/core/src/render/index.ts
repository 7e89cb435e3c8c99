// Rendering of plugin results: json and yaml as data, plain from the command's display schema.
import type { Display, OutputFormat } from '@fctl-kit/protocol';
import { readJsonPath } from '@fctl-kit/protocol';
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

async function yaml(data: unknown): Promise<string> {
  // `default` is the CommonJS module object both under Node and in the esbuild bundle.
  const { default: YAML } = await import('yaml');
  return YAML.stringify(data);
}

function renderSections(data: unknown, display: Extract<Display, { sections: unknown }>, colors: Colors): string[] {
  const lines: string[] = [];
  for (const [index, section] of display.sections.entries()) {
    if (index > 0) lines.push('');
    lines.push(colors.title(section.title));
    const fields = section.fields ?? [];
    const labelWidth = Math.max(0, ...fields.map((field) => stringWidth(field.label)));
    for (const field of fields) {
      const label = `${field.label}:`.padEnd(labelWidth + 1 + (field.label.length - stringWidth(field.label)));
      lines.push(`${label}  ${formatValue(readJsonPath(data, field.jsonPath), field.format)}`.trimEnd());
    }
    if (section.columns) lines.push(...renderTable(rowsAt(data, section.rowsPath), section.columns, colors, '  '));
  }
  return lines;
}

/** The text to print for `data`. Plain output without a display schema falls back to YAML. */
export async function render(data: unknown, options: RenderOptions): Promise<string> {
  if (options.format === 'json') return `${JSON.stringify(data, null, 2)}\n`;
  if (options.format === 'yaml' || !options.display) return yaml(data);
  const colors = makeColors(options.color);
  const display = options.display;
  const lines = 'columns' in display ? renderTable(rowsAt(data, display.rowsPath), display.columns, colors) : renderSections(data, display, colors);
  return `${lines.join('\n')}\n`;
}
