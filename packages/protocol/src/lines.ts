// Newline-delimited framing with a size limit per line, for reading a peer's stream.
import type { Readable } from 'node:stream';

export interface LineReaderEvents {
  line(line: string): void;
  /** A line grew past the limit; reading stops. */
  overflow(bytesSoFar: number, limit: number): void;
}

/**
 * Splits `stream` into UTF-8 lines without the trailing newline (a CR before it is dropped).
 * `limitFor()` is asked for the current limit whenever a line starts, so it can change between messages.
 */
export function readLines(stream: Readable, limitFor: () => number, on: LineReaderEvents): () => void {
  let chunks: Buffer[] = [];
  let length = 0;
  let stopped = false;
  const onData = (chunk: Buffer) => {
    if (stopped) return;
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(10, start);
      const end = newline === -1 ? chunk.length : newline;
      const piece = chunk.subarray(start, end);
      length += piece.length;
      const limit = limitFor();
      if (length > limit) {
        stopped = true;
        stream.off('data', onData);
        on.overflow(length, limit);
        return;
      }
      if (piece.length) chunks.push(piece);
      if (newline === -1) return;
      let text = Buffer.concat(chunks, length).toString('utf8');
      if (text.endsWith('\r')) text = text.slice(0, -1);
      chunks = [];
      length = 0;
      start = newline + 1;
      on.line(text);
      if (stopped) return;
    }
  };
  stream.on('data', onData);
  return () => {
    stopped = true;
    stream.off('data', onData);
  };
}
