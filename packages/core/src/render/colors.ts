// Colors for plain output, decided once by the caller (never by a library's own detection).
import { createColors } from 'picocolors';

export interface Colors {
  bold(text: string): string;
  title(text: string): string;
}

export function colors(enabled: boolean): Colors {
  const c = createColors(enabled);
  return { bold: c.bold, title: (text) => c.bold(c.underline(text)) };
}

/** Colors only on a terminal, and never with --no-color, NO_COLOR (no-color.org) or TERM=dumb; FORCE_COLOR turns them on. */
export function shouldUseColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, noColorFlag: boolean): boolean {
  if (noColorFlag) return false;
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR === '1' || env.FORCE_COLOR === 'true') return true;
  if (env.TERM === 'dumb') return false;
  return Boolean(stream.isTTY);
}
