// What actions/upload-artifact@v4 and actions/download-artifact@v4 do between the jobs of one
// workflow run, on the file system: an upload keeps the files of a path under the artifact's name
// (a directory's contents, relative to it), a download writes them into another job's checkout.
// An artifact travels as a zip file, which keeps no file modes: downloaded files are 0644, so an
// executable comes back not executable, as on GitHub.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

function filesUnder(root: string, prefix = ''): string[] {
  return readdirSync(join(root, prefix), { withFileTypes: true }).flatMap((entry) => {
    const relative = join(prefix, entry.name);
    return entry.isDirectory() ? filesUnder(root, relative) : [relative];
  });
}

/** Keeps `path` (a file or a directory) as artifact `name` of the run whose artifacts are in `store`; an error for no files when `ifNoFilesFound` is "error". */
export function uploadArtifact(store: string, name: string, path: string, ifNoFilesFound = 'warn'): { files: number } {
  const directory = existsSync(path) && statSync(path).isDirectory();
  const files = !existsSync(path) ? [] : directory ? filesUnder(path) : [''];
  if (!files.length) {
    if (ifNoFilesFound === 'error') throw new Error(`No files were found with the provided path: ${path}. No artifacts will be uploaded.`);
    return { files: 0 };
  }
  const target = join(store, name);
  if (existsSync(target)) throw new Error(`an artifact named ${name} was already uploaded in this run (upload-artifact@v4 refuses to overwrite it)`);
  for (const file of files) {
    const to = directory ? join(target, file) : join(target, path.split('/').at(-1)!);
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(directory ? join(path, file) : path, to);
  }
  return { files: files.length };
}

/** Writes artifact `name` of the run into `path`, every file 0644 (as unzipped). */
export function downloadArtifact(store: string, name: string, path: string): { files: number } {
  const source = join(store, name);
  if (!existsSync(source)) throw new Error(`Unable to download artifact(s): Artifact not found for name: ${name}`);
  const files = filesUnder(source);
  for (const file of files) {
    const to = join(path, file);
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(join(source, file), to);
    chmodSync(to, 0o644);
  }
  return { files: files.length };
}
