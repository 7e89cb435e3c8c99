// Duplicate keys in a registry document. JSON.parse keeps the last of two equal keys silently, and
// the yaml package's own check (uniqueKeys) compares every key of a mapping with every other, which
// is quadratic: a 20,000-key mapping takes seconds, a 9 MiB registry minutes. Both are replaced by
// one linear check that names the key's place.
import { isMap, isScalar, isSeq, type Document, type Node } from 'yaml';

export interface DuplicateKey {
  /** e.g. plugins.ledger.versions.3.2.0 */
  place: string;
  /** Offset of the second occurrence in the text. */
  offset: number;
}

const keyText = (key: unknown): string => (isScalar(key) ? String(key.value) : String(key));

/** A key as part of a place in an error: plain when it is a plain word, else quoted with every control character escaped. */
export function placeKey(key: string): string {
  return /^[A-Za-z0-9_.+-]{1,80}$/.test(key) ? key : quoted(key);
}

/** Text from the document, quoted, bounded, with every control character escaped (it may be printed on a terminal). */
export function quoted(value: string): string {
  const text = JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  return text.replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The first key that a mapping of the parsed YAML document repeats (walked without recursion). */
export function findDuplicateKey(document: Document): DuplicateKey | undefined {
  const pending: Array<{ node: unknown; place: string }> = [{ node: document.contents, place: '' }];
  while (pending.length) {
    const { node, place } = pending.pop()!;
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = keyText(pair.key);
        const at = place ? `${place}.${placeKey(key)}` : placeKey(key);
        if (seen.has(key)) return { place: at, offset: (pair.key as Node | null)?.range?.[0] ?? 0 };
        seen.add(key);
        pending.push({ node: pair.value, place: at });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => pending.push({ node: item, place: `${place}[${index}]` }));
    }
  }
  return undefined;
}

/**
 * Walks the tokens of a valid JSON text without regular expressions (V8's backtracking overflows
 * its stack on a string of some megabytes) and without recursion: `structural` for each of
 * { } [ ] , and `string` for each string token (start and end offsets, quotes included) with
 * whether a ":" follows it (a key). Outside strings JSON has no quote character, so each string is
 * found from its opening quote; inside one, a quote preceded by an odd number of backslashes is text.
 */
function scanJson(text: string, structural: (char: number) => void, string: (start: number, end: number, isKey: boolean) => boolean | void): void {
  let position = 0;
  for (;;) {
    const start = text.indexOf('"', position);
    for (let index = position; index < (start === -1 ? text.length : start); index++) {
      const char = text.charCodeAt(index);
      if (char === 0x7b || char === 0x7d || char === 0x5b || char === 0x5d || char === 0x2c) structural(char);
    }
    if (start === -1) return;
    let end = start + 1;
    for (;;) {
      end = text.indexOf('"', end);
      if (end === -1) return;
      let backslashes = 0;
      while (text.charCodeAt(end - 1 - backslashes) === 0x5c) backslashes++;
      if (backslashes % 2 === 0) break;
      end++;
    }
    let next = end + 1;
    while (next < text.length && /* space, tab, newline, return */ (text.charCodeAt(next) === 0x20 || text.charCodeAt(next) === 0x09 || text.charCodeAt(next) === 0x0a || text.charCodeAt(next) === 0x0d)) next++;
    if (string(start, end + 1, text.charCodeAt(next) === 0x3a) === false) return;
    position = end + 1;
  }
}

/**
 * Whether a JSON text repeats a key in some object, without a second parser: the keys of the
 * text (string tokens followed by ":") outnumber the properties JSON.parse kept exactly when one
 * was overwritten.
 */
export function jsonRepeatsAKey(text: string, parsed: unknown): boolean {
  let keysInText = 0;
  scanJson(
    text,
    () => {},
    (_start, _end, isKey) => {
      if (isKey) keysInText++;
    },
  );
  let keysKept = 0;
  const pending = [parsed];
  while (pending.length) {
    const value = pending.pop();
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) for (const item of value) pending.push(item);
    else {
      const keys = Object.keys(value);
      keysKept += keys.length;
      for (const key of keys) pending.push((value as Record<string, unknown>)[key]);
    }
  }
  return keysInText !== keysKept;
}

type Frame = { kind: 'object'; place: string; keys: Set<string>; key?: string } | { kind: 'array'; place: string; index: number };

const join = (place: string, key: string) => (place ? `${place}.${placeKey(key)}` : placeKey(key));

/** The first repeated key of a JSON text (valid JSON), with its place; linear, without recursion. */
export function findJsonDuplicateKey(text: string): DuplicateKey | undefined {
  const stack: Frame[] = [];
  const placeOfValue = () => {
    const top = stack.at(-1);
    if (!top) return '';
    return top.kind === 'object' ? join(top.place, top.key ?? '') : `${top.place}[${top.index}]`;
  };
  let found: DuplicateKey | undefined;
  scanJson(
    text,
    (char) => {
      const top = stack.at(-1);
      if (char === 0x7b) stack.push({ kind: 'object', place: placeOfValue(), keys: new Set() });
      else if (char === 0x5b) stack.push({ kind: 'array', place: placeOfValue(), index: 0 });
      else if (char === 0x7d || char === 0x5d) stack.pop();
      else if (top?.kind === 'array') top.index++;
    },
    (start, end, isKey) => {
      const top = stack.at(-1);
      if (!isKey || top?.kind !== 'object') return;
      const key = JSON.parse(text.slice(start, end)) as string;
      if (top.keys.has(key)) {
        found = { place: join(top.place, key), offset: start };
        return false;
      }
      top.keys.add(key);
      top.key = key;
    },
  );
  return found;
}

/** 1-based line and column of an offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let index = text.indexOf('\n'); index !== -1 && index < offset; index = text.indexOf('\n', index + 1)) {
    line++;
    start = index + 1;
  }
  return { line, column: offset - start + 1 };
}
