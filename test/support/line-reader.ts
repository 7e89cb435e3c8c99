// Waits for lines of a long-running child process's output (fctl-kit dev, a server), in order.
import type { Readable } from 'node:stream';

export interface LineReader {
  /** Resolves with the first line matching `pattern` that arrives after the previous match. */
  next(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Everything read so far. */
  readonly text: string;
}

export function readLines(stream: Readable): LineReader {
  const lines: string[] = [];
  let text = '';
  let partial = '';
  let position = 0;
  const waiters = new Set<() => void>();
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    text += chunk;
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    for (const wake of waiters) wake();
  });
  return {
    get text() {
      return text;
    },
    next(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          while (position < lines.length) {
            const line = lines[position++]!;
            if (pattern.test(line)) {
              waiters.delete(check);
              clearTimeout(timer);
              resolve(line);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; output so far:\n${text}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}
