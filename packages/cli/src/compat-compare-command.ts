// `fctl-kit compat compare --base <matrix.json> --head <matrix.json>`: the core's gate. Prints the
// comparison as a Markdown section (for $GITHUB_STEP_SUMMARY and a pull-request comment; --markdown
// also writes it to a file) or as JSON (--json). Exit 1 when the head has a new failure or a cell
// that did not run, 0 otherwise, 2 for bad input (a file that cannot be read or is not matrix
// results, a build on one side only, a bad link). docs/compat.md, "The two gates".
import { mkdir, open, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { compareMatrices, comparisonMarkdown, parseResults, ResultsError, RESULTS_LIMITS, type MatrixResults } from '@fctl-kit/compat';
import { usage, UsageError, usageExit } from './compat-usage.js';

export const COMPARISON_FORMAT = 'fctl-kit-compat-compare/1';

interface CompareCommandOptions {
  base: string;
  head: string;
  markdown?: string;
  json?: boolean;
  htmlUrl: string;
  headBuild?: string;
  baseBuild?: string;
  title?: string;
}

/** Reads a results file without trusting it: a regular file (a FIFO would block), its size checked before it is read. */
async function readResults(file: string, flag: string): Promise<MatrixResults> {
  const path = resolve(file);
  let bytes: Buffer;
  try {
    const handle = await open(path, 'r');
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new UsageError(`${flag} ${path} is not a file`);
      if (info.size > RESULTS_LIMITS.maxBytes) throw new UsageError(`${flag} ${path} is ${info.size} bytes, over the limit of ${RESULTS_LIMITS.maxBytes}`);
      bytes = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${flag} ${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return parseResults(bytes, path);
  } catch (error) {
    if (error instanceof ResultsError) throw new UsageError(`${flag}: ${error.message}`);
    throw error;
  }
}

async function compare(options: CompareCommandOptions): Promise<void> {
  const base = await readResults(options.base, '--base');
  const head = await readResults(options.head, '--head');
  let comparison;
  let markdown: string;
  try {
    comparison = compareMatrices(base, head, { ...(options.headBuild !== undefined ? { headBuild: options.headBuild } : {}), ...(options.baseBuild !== undefined ? { baseBuild: options.baseBuild } : {}) });
    markdown = comparisonMarkdown(comparison, { htmlUrl: options.htmlUrl, ...(options.title !== undefined ? { title: options.title } : {}) });
  } catch (error) {
    if (error instanceof ResultsError) throw new UsageError(error.message);
    throw error;
  }
  if (options.markdown !== undefined) {
    await mkdir(dirname(resolve(options.markdown)), { recursive: true });
    await writeFile(resolve(options.markdown), markdown);
  }
  process.stdout.write(options.json ? `${JSON.stringify({ format: COMPARISON_FORMAT, ...comparison }, null, 2)}\n` : markdown);
  if (!comparison.passes) process.exitCode = 1;
}

export function addCompareCommand(compat: Command): void {
  compat
    .command('compare')
    .description("Compare a pull request's matrix.json (head) with its base branch's: new failures, fixed, still failing; exit 1 on a new failure")
    .requiredOption('--base <matrix.json>', "The base branch's results (compat matrix or compat merge)")
    .requiredOption('--head <matrix.json>', "The pull request's results")
    .option('--markdown <file>', 'Also write the Markdown section to this file')
    .option('--json', 'Print the comparison as JSON instead of Markdown')
    .option('--html-url <url>', "Where the head's matrix.html is: each cell links to <url>#cell-<n>", 'matrix.html')
    .option('--head-build <version>', "The label of the pull request's build in the head (default 0.0.0-local)")
    .option('--base-build <version>', "The label of the base's build in the base (default 0.0.0-local)")
    .option('--title <text>', 'The heading of the Markdown section')
    .exitOverride(usageExit)
    .action((options: CompareCommandOptions) => usage(() => compare(options)));
}
