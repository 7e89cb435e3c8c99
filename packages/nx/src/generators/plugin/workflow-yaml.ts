// The generated workflows are data (workflows.ts) written as YAML here: block mappings and
// sequences, multi-line strings as literal blocks, a scalar quoted only when plain YAML would read
// it as something else (a number, a boolean, null, or text with YAML syntax in it).
export type YamlValue = string | number | boolean | YamlValue[] | { [key: string]: YamlValue | undefined };

const RESERVED = /^(?:true|false|yes|no|on|off|y|n|null|~|)$/i;
const NUMERIC = /^[-+]?(?:\d[\d_]*(?:\.\d*)?(?:e[-+]?\d+)?|\.\d+|0x[\da-f]+|0o[0-7]+|\.inf|\.nan)$/i;

function isPlain(text: string): boolean {
  if (RESERVED.test(text) || NUMERIC.test(text)) return false;
  if (/^[-?:,[\]{}#&*!|>'"%@`\s]/.test(text) || /\s$/.test(text)) return false;
  return !/: |:$| #|[\t\n\r]/.test(text);
}

function scalar(value: string | number | boolean): string {
  if (typeof value !== 'string') return String(value);
  return isPlain(value) ? value : `'${value.replace(/'/g, "''")}'`;
}

// GitHub reads the workflow key "on" as the string it is; quoting it would only look odd.
const key = (name: string) => (name === 'on' ? name : scalar(name));

function block(text: string, indent: string): string {
  const chomp = text.endsWith('\n') ? '' : '-';
  const lines = text.replace(/\n$/, '').split('\n');
  return `|${chomp}\n${lines.map((line) => (line ? `${indent}${line}` : '')).join('\n')}`;
}

function inline(value: YamlValue, indent: string): string | undefined {
  if (typeof value === 'string' && value.includes('\n')) return block(value, indent);
  if (typeof value !== 'object') return scalar(value);
  if (Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0) return Array.isArray(value) ? '[]' : '{}';
  return undefined;
}

function lines(value: YamlValue, indent: string): string {
  if (Array.isArray(value)) {
    return value
      .map((item) => {
        const simple = inline(item, `${indent}  `);
        if (simple !== undefined) return `${indent}- ${simple}`;
        // A mapping item: its first key on the dash's line, the rest under it.
        return `${indent}- ${lines(item, `${indent}  `).slice(indent.length + 2)}`;
      })
      .join('\n');
  }
  if (typeof value !== 'object') throw new Error('internal: a YAML document is a mapping or a sequence');
  return Object.entries(value)
    .filter((entry): entry is [string, YamlValue] => entry[1] !== undefined)
    .map(([name, item]) => {
      const simple = inline(item, `${indent}  `);
      return simple !== undefined ? `${indent}${key(name)}: ${simple}` : `${indent}${key(name)}:\n${lines(item, `${indent}  `)}`;
    })
    .join('\n');
}

/** `document` as YAML, after `comment` (each line prefixed with "# "). */
export function toYaml(document: { [key: string]: YamlValue | undefined }, comment = ''): string {
  const header = comment ? `${comment.replace(/\n$/, '').split('\n').map((line) => (line ? `# ${line}` : '#')).join('\n')}\n` : '';
  return `${header}${lines(document, '')}\n`;
}
