// A response body read as fast as the socket delivers it, into a queue of its own. undici 7 pauses
// its HTTP/1 parser when a body's reader falls behind (backpressure), and a server that closes the
// connection right after its response while the parser is paused makes undici assert from the
// socket's end handler: an uncatchable crash of the whole process (nodejs/undici#5360; fixed in
// undici 8, which needs Node 22). Reading eagerly keeps the parser running; only a reader more than
// `limit` bytes behind pauses the body, and resumes it once half of that is read.
import type { Readable } from 'node:stream';

export const EAGER_BODY_LIMIT = 64 * 1024 * 1024;

export async function* eagerly(body: Readable, limit = EAGER_BODY_LIMIT): AsyncGenerator<Buffer> {
  const queue: Buffer[] = [];
  let queued = 0;
  let ended = false;
  let failed: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const onData = (chunk: Buffer) => {
    queue.push(chunk);
    queued += chunk.byteLength;
    if (queued > limit) body.pause();
    notify();
  };
  const onEnd = () => {
    ended = true;
    notify();
  };
  const onError = (error: unknown) => {
    failed ??= { error };
    notify();
  };
  body.on('data', onData).on('end', onEnd).on('error', onError);
  try {
    for (;;) {
      const chunk = queue.shift();
      if (chunk) {
        queued -= chunk.byteLength;
        if (body.isPaused() && queued <= limit / 2) body.resume();
        yield chunk;
        continue;
      }
      if (failed) throw failed.error;
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    body.off('data', onData).off('end', onEnd);
    // A late error (the body destroyed after a reader stopped) must not go unhandled.
    body.off('error', onError).on('error', () => {});
  }
}
