// docs/sdk.md cannot drift from the SDK: its ```ts blocks are type-checked together (a block named
// `file=x.ts` can be imported by later ones as ./x.js) and run in order (their node:assert
// assertions are the examples' claims), except `check-only` blocks (serve() would take over the
// process); each ```text output=<format> block must be what fctl renders for the `data` and
// `display` exported by the ts block above it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Display, OutputFormat } from '@fctl-kit/protocol';

const sdkRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = join(sdkRoot, '..', '..');
const docPath = join(repoRoot, 'docs', 'sdk.md');

interface Block {
  lang: string;
  attributes: string[];
  body: string;
  line: number;
}

function fencedBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w+)(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    while (++i < lines.length && lines[i] !== '```') body.push(lines[i]!);
    if (i === lines.length) throw new Error(`docs/sdk.md:${start + 1}: the block is not closed`);
    blocks.push({ lang: open[1]!, attributes: open[2]!.trim().split(/\s+/).filter(Boolean), body: `${body.join('\n')}\n`, line: start + 1 });
  }
  return blocks;
}

const attribute = (block: Block, name: string) => block.attributes.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);

interface Example {
  block: Block;
  file: string;
  run: boolean;
  outputs: Block[];
}

const blocks = fencedBlocks(readFileSync(docPath, 'utf8'));
const examples: Example[] = [];
for (const block of blocks) {
  if (block.lang === 'ts') {
    examples.push({ block, file: attribute(block, 'file') ?? `example-line-${block.line}.ts`, run: !block.attributes.includes('check-only'), outputs: [] });
  } else if (block.lang === 'text' && attribute(block, 'output')) {
    const last = examples.at(-1);
    if (!last) throw new Error(`docs/sdk.md:${block.line}: a rendered sample with no ts block above it`);
    last.outputs.push(block);
  }
}

// Inside the package, so that '@fctl-kit/plugin-sdk' resolves as it does for this package's tests.
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(sdkRoot, '.docs-examples-'));
  for (const example of examples) writeFileSync(join(dir, example.file), example.block.body);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: '../../../tsconfig.base.json', include: ['*.ts'] }));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('finds the examples of every section', () => {
  expect(examples.length).toBeGreaterThanOrEqual(6);
  expect(examples.flatMap((example) => example.outputs.map((output) => attribute(output, 'output'))).sort()).toEqual(['json', 'plain', 'plain', 'yaml']);
});

it('type-checks every ts block against the SDK', () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  let output = '';
  try {
    execFileSync(process.execPath, [tsc, '-p', dir], { cwd: dir, encoding: 'utf8' });
  } catch (error) {
    output = (error as { stdout: string }).stdout;
  }
  // Compiler positions name the doc's lines: block line + line in block.
  const located = output.replace(/^(\S+?\.ts)\((\d+),(\d+)\)/gm, (_all, file: string, line: string, column: string) => {
    const example = examples.find((e) => e.file === file);
    return example ? `docs/sdk.md:${example.block.line + Number(line)}:${column}` : `${file}(${line},${column})`;
  });
  expect(located).toBe('');
}, 120_000);

describe('each example', () => {
  for (const example of examples.filter((e) => e.run)) {
    it(`docs/sdk.md:${example.block.line} runs${example.outputs.length ? ' and renders as shown' : ''}`, async () => {
      const module = (await import(join(dir, example.file))) as { data?: unknown; display?: Display };
      for (const output of example.outputs) {
        // fctl's own renderer, from core's sources; loaded by path because core depends on this
        // package, and an import by name would make the two depend on each other.
        const { render } = (await import(join(repoRoot, 'packages', 'core', 'src', 'render', 'index.ts'))) as {
          render: (data: unknown, options: { format: OutputFormat; display?: Display; color: boolean }) => Promise<string>;
        };
        expect(module.data, `docs/sdk.md:${example.block.line} exports no data`).toBeDefined();
        const format = attribute(output, 'output') as OutputFormat;
        expect(await render(module.data, { format, display: module.display, color: false }), `docs/sdk.md:${output.line}`).toBe(output.body);
      }
    }, 30_000);
  }
});
