// The compatibleWith range as the plugin's source writes it: createPlugin({ compatibleWith: '...' })
// in src/plugin.ts (what the Nx generator writes) or the entry file. Found only when it is one plain
// string literal in one file: anything else (a constant, a template, two calls) is not guessed at,
// and the reason says what to edit by hand.
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { ENTRY_CANDIDATES } from '@fctl-kit/bundler';

export type SourceRange =
  | { found: true; file: string; range: string; quote: string; start: number; end: number; text: string }
  | { found: false; reason: string };

const SOURCE_FILES = ['src/plugin.ts', ...ENTRY_CANDIDATES];
const LITERAL = /\bcompatibleWith\s*:\s*(['"])((?:(?!\1)[^\\\n])*)\1/g;

export async function findSourceRange(pluginDir: string): Promise<SourceRange> {
  const candidates: Array<{ file: string; text: string }> = [];
  for (const name of SOURCE_FILES) {
    const file = join(pluginDir, name);
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text !== undefined && /\bcreatePlugin\s*\(/.test(text)) candidates.push({ file, text });
  }
  const where = SOURCE_FILES.join(', ');
  if (candidates.length === 0) return { found: false, reason: `no createPlugin( call in ${where} of ${pluginDir}` };
  if (candidates.length > 1) return { found: false, reason: `createPlugin( appears in ${candidates.map((c) => relative(pluginDir, c.file)).join(' and ')}` };
  const { file, text } = candidates[0]!;
  const mentions = text.match(/\bcompatibleWith\b/g)?.length ?? 0;
  const literals = [...text.matchAll(LITERAL)];
  if (mentions !== 1 || literals.length !== 1) {
    return { found: false, reason: `${file} does not write compatibleWith as one string literal (createPlugin({ compatibleWith: '>=X.Y.0 <X.Y+1.0' }))` };
  }
  const match = literals[0]!;
  const start = match.index! + match[0].length - match[2]!.length - 1;
  return { found: true, file, range: match[2]!, quote: match[1]!, start, end: start + match[2]!.length, text };
}
