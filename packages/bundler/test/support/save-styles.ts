// The ways a plugin source gets saved, each done as a user's tool does it, for the watcher's unit
// tests, the `fctl-kit dev` end-to-end test and the dev-loop benchmark. A workspace is a git
// repository holding a copy of the example plugin (cmd/fctl-plugin) and a library outside it
// (lib/shared.ts) that the plugin imports, as a service repository would.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the rebuilt plugin must show once a save is seen: `fctl ledger greeting`, or `fctl ledger parts` (50 values). */
export type Expectation = { greeting: string } | { parts: string };

export const PART_COUNT = 50;

export interface Workspace {
  root: string;
  pluginDir: string;
  libDir: string;
  /** cmd/fctl-plugin/src/plugin.ts */
  source: string;
  /** plugin.ts with the greeting command returning `expression`, importing what `imports` says. */
  render(expression: string, imports?: string): string;
}

export interface SaveStyle {
  name: string;
  /** Done (and seen) once before the saves: brings the plugin to the state the saves change. */
  prepare?(workspace: Workspace): Expectation;
  /** The i-th save (1-based) of this style; `tag` makes its value unique across runs. */
  save(workspace: Workspace, i: number, tag: string): Expectation;
}

const GREETING_LINE = /^plugin\.command\(\{ use: 'greeting'.*$/m;
const part = (n: number) => `part-${String(n).padStart(2, '0')}`;
const git = (root: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=dev loop', '-c', 'user.email=dev-loop@example.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd: root, stdio: 'pipe' });

function writeParts(pluginDir: string, value: string): void {
  for (let n = 1; n <= PART_COUNT; n++) writeFileSync(join(pluginDir, 'src', 'parts', `${part(n)}.ts`), `export const value = ${JSON.stringify(value)};\n`);
}

/**
 * A workspace in `root`: the example plugin copied from `examplePluginDir`, dependencies from
 * `nodeModules` (linked), a `greeting` command and a `parts` command whose 50 values come from 50
 * files; branches parts-1 ... parts-<branches> set all 50 to "branch-<n>" (main: "main").
 */
export function createWorkspace(root: string, examplePluginDir: string, nodeModules: string, branches = 5): Workspace {
  const pluginDir = join(root, 'cmd', 'fctl-plugin');
  const libDir = join(root, 'lib');
  const source = join(pluginDir, 'src', 'plugin.ts');
  cpSync(examplePluginDir, pluginDir, { recursive: true, filter: (path) => !/[\\/](dist|node_modules)$/.test(path) });
  writeFileSync(join(pluginDir, 'fctl-plugin.json'), JSON.stringify({ name: 'ledger', service: 'ledger', version: { source: 'git-tag' } }));
  symlinkSync(nodeModules, join(root, 'node_modules'));
  mkdirSync(libDir);
  writeFileSync(join(libDir, 'shared.ts'), "export const shared = 'library 0';\n");
  mkdirSync(join(pluginDir, 'src', 'parts'));
  const imports = Array.from({ length: PART_COUNT }, (_, n) => `import { value as p${n + 1} } from './${part(n + 1)}.js';`).join('\n');
  writeFileSync(join(pluginDir, 'src', 'parts', 'index.ts'), `${imports}\nexport const parts = [${Array.from({ length: PART_COUNT }, (_, n) => `p${n + 1}`).join(', ')}];\n`);
  writeParts(pluginDir, 'main');
  const base = `${readFileSync(source, 'utf8')}
import { parts } from './parts/index.js';
plugin.command({ use: 'parts', short: 'Fifty values from fifty files', async run() { return { parts }; } });
`;
  const render = (expression: string, extraImports = '') =>
    `${base}${extraImports}\nplugin.command({ use: 'greeting', short: 'Say hello', async run() { return { greeting: ${expression} }; } });\n`;
  writeFileSync(source, render(JSON.stringify('start')));
  writeFileSync(join(root, '.gitignore'), 'node_modules\ndist\n');
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'add', '.');
  git(root, 'commit', '-q', '-m', 'workspace');
  for (let n = 1; n <= branches; n++) {
    git(root, 'checkout', '-q', '-b', `parts-${n}`, 'main');
    writeParts(pluginDir, `branch-${n}`);
    git(root, 'commit', '-q', '-a', '-m', `parts ${n}`);
  }
  git(root, 'checkout', '-q', 'main');
  return { root, pluginDir, libDir, source, render };
}

const literal = (text: string) => JSON.stringify(text);

export const SAVE_STYLES: SaveStyle[] = [
  {
    name: 'in place',
    save(ws, i, tag) {
      const greeting = `in place ${tag} ${i}`;
      writeFileSync(ws.source, ws.render(literal(greeting)));
      return { greeting };
    },
  },
  {
    name: 'a temporary file renamed over it (editor safe-write)',
    save(ws, i, tag) {
      const greeting = `renamed ${tag} ${i}`;
      const temporary = join(ws.pluginDir, 'src', `.plugin.ts.${i}.tmp`);
      writeFileSync(temporary, ws.render(literal(greeting)));
      renameSync(temporary, ws.source);
      return { greeting };
    },
  },
  {
    name: 'mv from another directory',
    save(ws, i, tag) {
      const greeting = `moved ${tag} ${i}`;
      const elsewhere = join(ws.root, `plugin-${i}.ts`);
      writeFileSync(elsewhere, ws.render(literal(greeting)));
      execFileSync('mv', [elsewhere, ws.source]);
      return { greeting };
    },
  },
  {
    name: 'sed -i',
    save(ws, i, tag) {
      const greeting = `sed ${tag} ${i}`;
      const replacement = ws.render(literal(greeting)).match(GREETING_LINE)![0];
      const escaped = replacement.replace(/[\\/&]/g, '\\$&');
      execFileSync('sed', ['-i', `s/^plugin\\.command({ use: 'greeting'.*$/${escaped}/`, ws.source]);
      return { greeting };
    },
  },
  {
    name: 'delete, then create',
    save(ws, i, tag) {
      const greeting = `recreated ${tag} ${i}`;
      rmSync(ws.source);
      writeFileSync(ws.source, ws.render(literal(greeting)));
      return { greeting };
    },
  },
  {
    name: `git checkout of another branch (${PART_COUNT} files)`,
    save(ws, i) {
      git(ws.root, 'checkout', '-q', `parts-${i}`);
      return { parts: `branch-${i}` };
    },
  },
  {
    name: 'a new file the plugin imports, saved after the import',
    save(ws, i, tag) {
      const greeting = `new file ${tag} ${i}`;
      writeFileSync(ws.source, ws.render(`extra${i}`, `import { extra as extra${i} } from './extra-${tag}-${i}.js';`));
      writeFileSync(join(ws.pluginDir, 'src', `extra-${tag}-${i}.ts`), `export const extra = ${literal(greeting)};\n`);
      return { greeting };
    },
  },
  {
    name: 'a new directory the plugin imports',
    save(ws, i, tag) {
      const greeting = `new directory ${tag} ${i}`;
      writeFileSync(ws.source, ws.render(`feature${i}`, `import { feature as feature${i} } from './feature-${tag}-${i}/index.js';`));
      mkdirSync(join(ws.pluginDir, 'src', `feature-${tag}-${i}`));
      writeFileSync(join(ws.pluginDir, 'src', `feature-${tag}-${i}`, 'index.ts'), `export const feature = ${literal(greeting)};\n`);
      return { greeting };
    },
  },
  {
    name: 'the library outside the plugin directory, renamed over',
    prepare(ws) {
      writeFileSync(join(ws.libDir, 'shared.ts'), "export const shared = 'library 0';\n");
      writeFileSync(ws.source, ws.render('shared', "import { shared } from '../../../lib/shared.js';"));
      return { greeting: 'library 0' };
    },
    save(ws, i, tag) {
      const greeting = `library ${tag} ${i}`;
      const temporary = join(ws.libDir, `shared.ts.${i}~`);
      writeFileSync(temporary, `export const shared = ${literal(greeting)};\n`);
      renameSync(temporary, join(ws.libDir, 'shared.ts'));
      return { greeting };
    },
  },
  {
    name: 'a new file in the library outside the plugin directory',
    save(ws, i, tag) {
      const greeting = `library file ${tag} ${i}`;
      writeFileSync(ws.source, ws.render(`lib${i}`, `import { value as lib${i} } from '../../../lib/extra-${tag}-${i}.js';`));
      writeFileSync(join(ws.libDir, `extra-${tag}-${i}.ts`), `export const value = ${literal(greeting)};\n`);
      return { greeting };
    },
  },
  {
    name: 'a new directory in the library outside the plugin directory',
    save(ws, i, tag) {
      const greeting = `library directory ${tag} ${i}`;
      writeFileSync(ws.source, ws.render(`libdir${i}`, `import { value as libdir${i} } from '../../../lib/more-${tag}-${i}/index.js';`));
      mkdirSync(join(ws.libDir, `more-${tag}-${i}`));
      writeFileSync(join(ws.libDir, `more-${tag}-${i}`, 'index.ts'), `export const value = ${literal(greeting)};\n`);
      return { greeting };
    },
  },
];

/** Whether a bundle's text shows `expected` (the unit tests' check; the end-to-end test asks fctl). */
export function bundleShows(bundle: string, expected: Expectation): boolean {
  if ('greeting' in expected) return bundle.includes(JSON.stringify(expected.greeting));
  const values = [...bundle.matchAll(/\bvalue\d* = "(main|branch-\d+)"/g)].map((m) => m[1]);
  return values.length === PART_COUNT && values.every((value) => value === expected.parts);
}
