// Every project's setup file: each test file gets a temporary directory of its own as TMPDIR, and
// it is removed after the file (after the file's own afterAll hooks). Whatever a test, or the code
// it runs, leaves in tmpdir() goes with it, so a run of the suite does not fill the disk.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const outer = process.env.TMPDIR;
const own = mkdtempSync(join(tmpdir(), 'vitest-file-'));
// As /tmp is: tests run programs as other users (nobody), who write there too.
chmodSync(own, 0o1777);
process.env.TMPDIR = own;

afterAll(() => {
  if (outer === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = outer;
  rmSync(own, { recursive: true, force: true, maxRetries: 3 });
});
