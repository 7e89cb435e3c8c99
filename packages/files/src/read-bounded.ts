import { open } from 'node:fs/promises';

/**
 * A file's text when it holds at most `limit` bytes; undefined when it is absent, unreadable or
 * larger (a damaged or hostile file costs `limit` bytes of memory at most, never more).
 */
export async function readFileBounded(path: string, limit: number): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
    const buffer = Buffer.alloc(limit + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > limit) return undefined;
    }
    return buffer.subarray(0, length).toString('utf8');
  } catch {
    return undefined;
  } finally {
    await handle?.close().catch(() => {});
  }
}
