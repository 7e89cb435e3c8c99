// Text from plugins, registries and diffs ends up in Markdown, XML and HTML: one place that makes it
// inert. Control characters become visible escapes (XML 1.0 cannot carry most of them at all, a
// terminal or a browser would act on them), and each format's markup characters are escaped.

/** C0/C1 controls except tab and line feed, U+2028/9, noncharacters U+FFFE/F and lone surrogates, as `\uXXXX`. */
const INVISIBLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function visibleControls(text: string): string {
  return text.replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const MARKUP: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text content and attribute values of XML and HTML alike (tab and line breaks kept as characters references in attributes). */
export function escapeMarkup(text: string, attribute = false): string {
  const escaped = visibleControls(text).replace(/[&<>"']/g, (c) => MARKUP[c]!);
  return attribute ? escaped.replace(/\t/g, '&#9;').replace(/\n/g, '&#10;') : escaped;
}

/**
 * One line of Markdown table or list text: line breaks become spaces, every character Markdown or
 * GitHub's HTML could read as markup is backslash-escaped or an entity (`|` would end a table cell,
 * a backtick open code, `<` open a tag, `@name` notify a GitHub user from a pull-request comment).
 */
export function escapeMarkdownInline(text: string): string {
  return visibleControls(text)
    .replace(/[\t\n]+/g, ' ')
    .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`)
    .replace(/[&<>"'@]/g, (c) => MARKUP[c] ?? '&#64;');
}

/**
 * An identifier (a cell id, plugin@version: validated, no backticks) as a Markdown code span, so
 * GitHub neither autolinks `name@1.2.0` as an e-mail address nor reads `@name` as a mention; `|` is
 * escaped for tables (GFM reads `\|` inside a code span in a table cell as `|`).
 */
export function codeSpan(text: string): string {
  const body = visibleControls(text).replace(/[\t\n]+/g, ' ').replace(/\|/g, '\\|');
  const longest = Math.max(0, ...[...body.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = body.startsWith('`') || body.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${body}${pad}${fence}`;
}

/** A fenced code block that no run of backticks inside the text can close (CommonMark: the fence is longer than any run). */
export function fencedBlock(text: string): string {
  const body = visibleControls(text).replace(/\n$/, '');
  const longest = Math.max(0, ...[...body.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}text\n${body}\n${fence}`;
}

/** A value named in an error message: a string quoted (control characters escaped), cut short. */
export function quoteInput(value: unknown, max = 80): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return typeof value === 'string' ? JSON.stringify(cut) : visibleControls(cut);
}
