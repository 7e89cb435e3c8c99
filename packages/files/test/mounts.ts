// Real small file systems for fault tests: a tmpfs of a few KiB that can be filled (ENOSPC) or
// remounted read-only (EROFS). Mounting needs root (chmod 0555 does not stop root, a read-only
// mount does), which the test machines have.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SmallFileSystem {
  dir: string;
  /** Writes a filler file until the device is full. */
  fill(): void;
  /** Removes the filler. */
  unfill(): void;
  readOnly(): void;
  writable(): void;
  unmount(): void;
}

export function mountSmallFileSystem(sizeKiB = 512): SmallFileSystem {
  if (process.getuid?.() !== 0) throw new Error('these tests mount a tmpfs and need to run as root');
  const dir = mkdtempSync(join(tmpdir(), 'small-fs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k,mode=0755`, 'tmpfs', dir]);
  const filler = join(dir, '.filler');
  const remount = (mode: 'ro' | 'rw') => execFileSync('mount', ['-o', `remount,${mode}`, dir]);
  return {
    dir,
    fill() {
      const fd = openSync(filler, 'a');
      const block = Buffer.alloc(4096, 1);
      try {
        for (;;) writeSync(fd, block);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      } finally {
        closeSync(fd);
      }
    },
    unfill: () => rmSync(filler, { force: true }),
    readOnly: () => remount('ro'),
    writable: () => remount('rw'),
    unmount() {
      execFileSync('umount', ['-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
