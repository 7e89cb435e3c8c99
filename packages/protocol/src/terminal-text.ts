// Text from outside (a plugin's messages, manifest, stderr or data) made safe to print on a terminal.
// Two jobs, one character set: `terminalText` is for text shown to a person (escape sequences are
// removed, any other control character becomes U+FFFD); `escapeTerminalUnsafe` is for JSON and YAML
// output, where the data must stay exact (the same characters become \uXXXX escapes).

// Whole ECMA-48 sequences, in their 7-bit (ESC ...) and 8-bit (C1) forms: CSI; the control strings
// OSC, DCS, SOS, PM and APC up to BEL or ST; other escapes (ESC c, ESC ( B, ...). Removing them keeps
// the visible text of colored or hyperlinked output. Node's util.stripVTControlCharacters (the
// ansi-regex pattern) misses OSC strings with spaces and DCS, which is why this is written out;
// whatever a sequence pattern misses is still neutralised character by character below.
// A control string's content excludes ESC, BEL and every C1 character (introducers included), so a
// scan for its end stops at the next introducer: linear time whatever the text holds.
const SEQUENCE =
  /(?:\u001b\[|\u009b)[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]|(?:\u001b[\]PX^_]|[\u0090\u0098\u009d\u009e\u009f])[^\u0007\u001b\u0080-\u009f]*(?:\u0007|\u001b\\|\u009c)|\u001b[\u0020-\u002f]*[\u0030-\u007e]/g;

// C0 controls but \t and \n, DEL, C1 controls, the line and paragraph separators, and the bidi
// embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069), which reorder what the
// terminal shows ("Trojan Source"). Right-to-left text needs none of them: the terminal's own bidi
// handling applies to plain text.
const UNSAFE_SOURCE = String.raw`\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069`;
const UNSAFE = new RegExp(`[${UNSAFE_SOURCE}]`, 'g');
const UNSAFE_IN_LINE = new RegExp(`[${UNSAFE_SOURCE}\\t\\n]`, 'g');
const ANY_UNSAFE = new RegExp(`[${UNSAFE_SOURCE}]`);

/** Replaces unsafe characters: U+FFFD marks where something was. */
export const REPLACEMENT = '\ufffd';

export interface TerminalTextOptions {
  /** Keep newlines and tabs (help texts, error messages, stack traces); otherwise they are replaced too. */
  multiline?: boolean;
}

/** `text` without escape sequences or control characters; the visible text is kept. */
export function terminalText(text: string, { multiline = false }: TerminalTextOptions = {}): string {
  const withoutSequences = text.replace(SEQUENCE, '');
  if (!multiline) return withoutSequences.replace(UNSAFE_IN_LINE, REPLACEMENT);
  return withoutSequences.replace(/\r\n/g, '\n').replace(UNSAFE, REPLACEMENT);
}

/** Whether `text` holds a character that escapeTerminalUnsafe would escape. */
export function hasTerminalUnsafe(text: string): boolean {
  return ANY_UNSAFE.test(text);
}

/**
 * JSON or YAML text with every unsafe character written as a \uXXXX escape. Only valid where such a
 * character can only stand inside a double-quoted string: any JSON text, and YAML whose strings
 * holding one are double-quoted (see the core's renderer).
 */
export function escapeTerminalUnsafe(text: string): string {
  return text.replace(UNSAFE, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
