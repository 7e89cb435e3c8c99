// Product repositories for the workflow-step test: the plugin generator run on the file system with
// a case's options, the lockfile of the repository's package manager committed, the workflows
// checked by GitHub's parser and actionlint, and the repository pushed to a bare "origin" with a tag
// (v1.1.0) behind HEAD and HEAD untagged.
// Installing is what costs: each package manager installs once, into a template generated with the
// default options (the root package.json is the same whatever the release options: each case checks
// that), and every case commits the template's lockfile. The jobs then install from it in their
// clones, as CI does.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pluginGenerator, type PluginOptions } from '../../packages/nx/src/generators.js';
import { actionlint } from './actionlint.js';
import { workflowSchemaErrors } from './workflow-schema.js';

const run = promisify(execFile);
const { FsTree, flushChanges } = createRequire(import.meta.url)('nx/src/generators/tree') as typeof import('nx/src/generators/tree');

export type PackageManagerName = 'npm' | 'pnpm' | 'yarn';
/**
 * The "packageManager" field of each repository: corepack provides pnpm and yarn at these versions,
 * checking the tarball against the sha512 (what `corepack use` writes). With the hash, corepack needs
 * no npm signature, which a registry mirror such as this test's Verdaccio does not serve.
 * Yarn 1 rather than 4: docs/ci.md.
 */
export const PACKAGE_MANAGER_FIELD: Record<PackageManagerName, string | undefined> = {
  npm: undefined,
  pnpm: 'pnpm@9.15.9+sha512.68046141893c66fad01c079231128e9afb89ef87e2691d69e4d40eee228988295fd4682181bae55b58418c3a253bde65a505ec7c5f9403ece5cc3cd37dcf2531',
  yarn: 'yarn@1.22.22+sha512.a6b2f7906b721bba3d67d4aff083df04dad64c399707841b7acf00f6b133b7ac24255f2652fa22ae3534329dc6180534e98d17432037ff6fd140556e2bb3137e',
};
const LOCKFILE: Record<PackageManagerName, string> = { npm: 'package-lock.json', pnpm: 'pnpm-lock.yaml', yarn: 'yarn.lock' };
const INSTALL: Record<PackageManagerName, [string, string[]]> = {
  npm: ['npm', ['install', '--no-audit', '--no-fund']],
  pnpm: ['corepack', ['pnpm', 'install']],
  yarn: ['corepack', ['yarn', 'install']],
};
export const WORKFLOW_FILES = { pullRequest: '.github/workflows/fctl-plugin-ledger.yml', release: '.github/workflows/fctl-plugin-ledger-release.yml' };

export interface ProductRepository {
  origin: string;
  source: string;
}

export interface RepositorySettings {
  work: string;
  /** owner/name on GitHub: the generator's --repository. */
  repository: string;
  /** The .npmrc every repository commits (the test's npm registry). */
  npmrc: string;
  /** The environment installs and git run with. */
  env: NodeJS.ProcessEnv;
}

const git = (cwd: string, env: NodeJS.ProcessEnv, ...args: string[]) => run('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd, env });

async function generate(settings: RepositorySettings, dir: string, packageManager: PackageManagerName, options: Partial<PluginOptions>): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const field = PACKAGE_MANAGER_FIELD[packageManager];
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'ledger', private: true, ...(field ? { packageManager: field } : {}) }, null, 2)}\n`);
  writeFileSync(join(dir, '.gitignore'), 'node_modules\n.nx\n');
  writeFileSync(join(dir, '.npmrc'), settings.npmrc);
  const tree = new FsTree(dir, false);
  await pluginGenerator(tree, { name: 'ledger', repository: settings.repository, ...options });
  flushChanges(dir, tree.listChanges());
  return readFileSync(join(dir, 'package.json'), 'utf8');
}

/** The repositories of one test run; `create` makes one per case. */
export function productRepositories(settings: RepositorySettings) {
  const templates = new Map<PackageManagerName, Promise<{ packageJson: string; lockfile: string }>>();
  const template = (packageManager: PackageManagerName) => {
    if (!templates.has(packageManager)) {
      templates.set(
        packageManager,
        (async () => {
          const dir = join(settings.work, `template-${packageManager}`);
          const packageJson = await generate(settings, dir, packageManager, {});
          const [command, args] = INSTALL[packageManager];
          await run(command, args, { cwd: dir, env: settings.env, maxBuffer: 64 * 1024 * 1024 }).catch((error: Error & { stdout?: string; stderr?: string }) => {
            throw new Error(`${command} ${args.join(' ')}: ${error.stdout ?? ''}${error.stderr ?? error.message}`);
          });
          return { packageJson, lockfile: readFileSync(join(dir, LOCKFILE[packageManager]), 'utf8') };
        })(),
      );
    }
    return templates.get(packageManager)!;
  };

  return {
    /** Generates a repository with these options (and `files`, by path from its root), commits the template's lockfile, pushes it to a bare origin with v1.1.0 behind HEAD. */
    async create(label: string, options: Partial<PluginOptions>, packageManager: PackageManagerName = 'npm', files: Record<string, string> = {}): Promise<ProductRepository> {
      const source = join(settings.work, label, 'source');
      const packageJson = await generate(settings, source, packageManager, options);
      for (const [file, content] of Object.entries(files)) writeFileSync(join(source, file), content);
      const installed = await template(packageManager);
      if (packageJson !== installed.packageJson) throw new Error(`${label}: the generator wrote another root package.json than the template's:\n${packageJson}\n---\n${installed.packageJson}`);
      writeFileSync(join(source, LOCKFILE[packageManager]), installed.lockfile);
      for (const file of Object.values(WORKFLOW_FILES)) {
        const errors = await workflowSchemaErrors(file, readFileSync(join(source, file), 'utf8'));
        if (errors.length) throw new Error(`${label}: GitHub's parser refuses ${file}:\n${errors.join('\n')}`);
      }
      const linted = await actionlint(source, Object.values(WORKFLOW_FILES));
      if (linted.code !== 0) throw new Error(`${label}: actionlint:\n${linted.stdout}${linted.stderr}`);
      await git(source, settings.env, 'init', '-q');
      await git(source, settings.env, 'add', '-A');
      await git(source, settings.env, 'commit', '-qm', 'ledger plugin');
      await git(source, settings.env, 'tag', 'v1.1.0');
      writeFileSync(join(source, 'CHANGES.md'), 'A change after v1.1.0\n');
      await git(source, settings.env, 'add', 'CHANGES.md');
      await git(source, settings.env, 'commit', '-qm', 'a change');
      const origin = join(settings.work, label, 'origin.git');
      await run('git', ['clone', '-q', '--bare', source, origin], { env: settings.env });
      return { origin, source };
    },

    /** Tags the source's HEAD and pushes the tag to its origin. */
    async tag(repository: ProductRepository, tag: string): Promise<void> {
      await git(repository.source, settings.env, 'tag', tag);
      await git(repository.source, settings.env, 'push', '-q', repository.origin, tag);
    },
  };
}
