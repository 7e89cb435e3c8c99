// The four reports of one results model, written into one directory: matrix.json (read back by
// `compat merge`), junit.xml, matrix.md (its symbols link into matrix.html beside it), matrix.html.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { matrixHtml } from './report-html.js';
import { matrixJson } from './report-json.js';
import { junitXml } from './report-junit.js';
import { matrixMarkdown } from './report-markdown.js';
import type { MatrixResults } from './results.js';

export const REPORT_FILES = ['matrix.json', 'junit.xml', 'matrix.md', 'matrix.html'] as const;

export async function writeReports(results: MatrixResults, outDir: string): Promise<string[]> {
  const dir = resolve(outDir);
  await mkdir(dir, { recursive: true });
  const contents: Record<(typeof REPORT_FILES)[number], string> = {
    'matrix.json': matrixJson(results),
    'junit.xml': junitXml(results),
    'matrix.md': matrixMarkdown(results, { htmlUrl: 'matrix.html' }),
    'matrix.html': matrixHtml(results),
  };
  const written: string[] = [];
  for (const name of REPORT_FILES) {
    await writeFile(join(dir, name), contents[name]);
    written.push(join(dir, name));
  }
  return written;
}
