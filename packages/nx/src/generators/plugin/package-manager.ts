// The repository's package manager, so the workflows set it up, cache, install and run Nx the way
// the repository does: "packageManager" in the root package.json first (what corepack reads), else
// the lockfile (pnpm-lock.yaml, yarn.lock, package-lock.json), else npm.
import { devkit, type Tree } from '../../devkit.js';
import type { YamlValue } from './workflow-yaml.js';

export type PackageManagerName = 'npm' | 'pnpm' | 'yarn';

export interface PackageManager {
  name: PackageManagerName;
  /** The lockfile the cache keys hash (it pins @fctl-kit/cli, so also the Node runtimes). */
  lockfile: string;
  /** How a binary of the installed packages is run: `npx`, `pnpm exec`, `yarn`. */
  exec: string;
  /** How Nx is run: `npx nx`, `pnpm exec nx`, `yarn nx`. */
  nx: string;
  /** The steps after checkout up to and including the install. */
  setupSteps: YamlValue[];
}

type Step = { [key: string]: YamlValue };

const NODE_VERSION = 22;
const LOCKFILES: [string, PackageManagerName][] = [['pnpm-lock.yaml', 'pnpm'], ['yarn.lock', 'yarn'], ['package-lock.json', 'npm']];

function declared(tree: Tree): { name: string; version: string } | undefined {
  if (!tree.exists('package.json')) return undefined;
  const field = devkit.readJson<{ packageManager?: unknown }>(tree, 'package.json').packageManager;
  const match = typeof field === 'string' ? /^(npm|pnpm|yarn)@(\d[^+\s]*)/.exec(field) : null;
  return match ? { name: match[1]!, version: match[2]! } : undefined;
}

/** pnpm's major version from its lockfile when package.json does not name one (lockfile 9.x: pnpm 9). */
function pnpmMajorFromLockfile(tree: Tree): string {
  const text = tree.read('pnpm-lock.yaml', 'utf-8') ?? '';
  const version = /^lockfileVersion:\s*'?(\d+)/m.exec(text)?.[1];
  return version && Number(version) >= 9 ? '9' : '8';
}

/** Yarn 2+ ("berry") lockfiles carry __metadata; Yarn 1's start with "# yarn lockfile v1". */
function isYarnBerry(tree: Tree, version: string | undefined): boolean {
  if (version) return Number(version.split('.')[0]) >= 2;
  return /^__metadata:/m.test(tree.read('yarn.lock', 'utf-8') ?? '');
}

export function detectPackageManager(tree: Tree): PackageManager {
  const field = declared(tree);
  const fromLockfile = LOCKFILES.find(([file]) => tree.exists(file));
  const name = (field?.name ?? fromLockfile?.[1] ?? 'npm') as PackageManagerName;
  const lockfile = LOCKFILES.find(([, manager]) => manager === name)![0];
  const checkout = { uses: 'actions/checkout@v4', with: { 'fetch-depth': 0 } };
  if (name === 'npm') {
    return { name, lockfile, exec: 'npx', nx: 'npx nx', setupSteps: [checkout, { uses: 'actions/setup-node@v4', with: { 'node-version': NODE_VERSION, cache: 'npm' } }, { run: 'npm ci' }] };
  }
  const berry = name === 'yarn' && isYarnBerry(tree, field?.version);
  // corepack (shipped with Node) provides pnpm and yarn at the version package.json names; without
  // a "packageManager" field it is told which one to use.
  const activate = field ? '' : `\ncorepack prepare ${name === 'pnpm' ? `pnpm@${pnpmMajorFromLockfile(tree)}` : berry ? 'yarn@stable' : 'yarn@1'} --activate`;
  const cacheDir = name === 'pnpm' ? 'pnpm store path --silent' : berry ? 'yarn config get cacheFolder' : 'yarn cache dir';
  const install = name === 'pnpm' ? 'pnpm install --frozen-lockfile' : berry ? 'yarn install --immutable' : 'yarn install --frozen-lockfile';
  const steps: Step[] = [
    checkout,
    { uses: 'actions/setup-node@v4', with: { 'node-version': NODE_VERSION } },
    { name: `${name} through corepack${field ? ` (${field.name}@${field.version}, package.json's packageManager)` : ''}`, run: `corepack enable${activate}\n${name} --version` },
    { name: `Where ${name} caches packages`, id: 'package-cache', run: `echo "dir=$(${cacheDir})" >> "$GITHUB_OUTPUT"` },
    {
      uses: 'actions/cache@v4',
      with: { path: '${{ steps.package-cache.outputs.dir }}', key: `${name}-\${{ runner.os }}-\${{ hashFiles('${lockfile}') }}`, 'restore-keys': `${name}-\${{ runner.os }}-` },
    },
    { run: install },
  ];
  const exec = name === 'pnpm' ? 'pnpm exec' : 'yarn';
  return { name, lockfile, exec, nx: `${exec} nx`, setupSteps: steps };
}
