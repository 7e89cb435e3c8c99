import { PassThrough, Readable } from 'node:stream';
import { setTimeout } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { eagerly } from '../src/eager-body.js';

describe('eagerly', () => {
  it('reads ahead of a slow reader up to its limit, pauses the body there, resumes it, and loses nothing', async () => {
    const body = new PassThrough();
    const chunks = Array.from({ length: 40 }, (_, i) => Buffer.alloc(256, i));
    const paused: boolean[] = [];
    const reading = (async () => {
      const got: Buffer[] = [];
      for await (const chunk of eagerly(body, 1024)) {
        paused.push(body.isPaused());
        got.push(chunk);
        await setTimeout(1);
      }
      return Buffer.concat(got);
    })();
    for (const chunk of chunks) body.write(chunk);
    body.end();
    expect((await reading).equals(Buffer.concat(chunks))).toBe(true);
    expect(paused, 'paused once more than the limit was unread').toContain(true);
    expect(paused.at(-1)).toBe(false);
  });

  it('throws the error of the body, after what arrived before it', async () => {
    const body = new Readable({ read() {} });
    body.push(Buffer.from('first'));
    const got: string[] = [];
    const reading = (async () => {
      for await (const chunk of eagerly(body)) got.push(chunk.toString());
    })();
    await setTimeout(5);
    body.destroy(new Error('reset'));
    await expect(reading).rejects.toThrow('reset');
    expect(got).toEqual(['first']);
  });

  it('leaves no unhandled error when the reader stops early and the body fails later', async () => {
    const body = new Readable({ read() {} });
    body.push(Buffer.from('a'));
    for await (const _ of eagerly(body)) break;
    body.destroy(new Error('late'));
    await setTimeout(5);
    expect(body.destroyed).toBe(true);
  });
});
