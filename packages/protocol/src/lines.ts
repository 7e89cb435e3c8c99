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

/**
 * Splits free-form text (a plugin's stderr) into lines, keeping at most `maxLineBytes` of each: the
 * rest of a longer line is counted, never stored, so memory stays bounded and time linear whatever
 * the stream holds. `onLine` gets each line (a CR before the newline dropped) and how many bytes were
 * cut from it; a last line without a newline comes when the stream ends. Resolves then.
 */
export function readCappedLines(stream: Readable, maxLineBytes: number, onLine: (line: string, droppedBytes: number) => void): Promise<void> {
  let kept: Buffer[] = [];
  let keptLength = 0;
  let dropped = 0;
  const take = (piece: Buffer) => {
    const room = maxLineBytes - keptLength;
    const taken = Math.min(room, piece.length);
    // A copy: a slice would pin the whole chunk it came from.
    if (taken > 0) kept.push(Buffer.from(piece.subarray(0, taken)));
    keptLength += taken;
    dropped += piece.length - taken;
  };
  const flush = () => {
    let line = Buffer.concat(kept, keptLength).toString('utf8');
    if (!dropped && line.endsWith('\r')) line = line.slice(0, -1);
    const cut = dropped;
    kept = [];
    keptLength = 0;
    dropped = 0;
    onLine(line, cut);
  };
  stream.on('data', (chunk: Buffer | string) => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let start = 0;
    for (;;) {
      const newline = bytes.indexOf(10, start);
      if (newline === -1) {
        take(bytes.subarray(start));
        return;
      }
      take(bytes.subarray(start, newline));
      flush();
      start = newline + 1;
    }
  });
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      if (keptLength || dropped) flush();
      resolve();
    };
    stream.on('end', finish);
    stream.on('close', finish);
    stream.on('error', finish);
  });
}
