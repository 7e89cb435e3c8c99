// The two GitHub Actions workflows of a plugin, as data written to YAML (workflow-yaml.ts): the pull
// request gate and the release. What differs per repository comes from two modules: the package
// manager (package-manager.ts: setup, cache, install, how Nx runs) and the release section
// (release-access.ts: permissions, secrets, logins, steps around the release). docs/ci.md explains
// what each configuration generates.
import { posix } from 'node:path';
import type { PackageManager } from './package-manager.js';
import { releaseAccess, type ReleaseContext } from './release-access.js';
import { toYaml, type YamlValue } from './workflow-yaml.js';

export interface WorkflowContext extends ReleaseContext {
  /** The plugin's Nx project. */
  project: string;
  /** The tags a release runs from. */
  tagPattern: string;
  packageManager: PackageManager;
  /** go: the builds are Go's (setup-go from go.mod), with no embedded Node runtime to cache. */
  language?: 'typescript' | 'go';
}

type Step = { [key: string]: YamlValue };

/**
 * The runners of the pull request gate's matrix: each runs the binary of its own OS, built once on
 * Linux by the checks job (so macOS runs the kit-signed darwin binary, Windows the .exe).
 */
export const PLATFORMS = ['ubuntu-latest', 'macos-latest', 'windows-latest'];

const EDIT_NOTE = 'Written by `nx g @fctl-kit/nx:plugin` (docs/ci.md); edit freely.';

function runtimesCache(pm: PackageManager): Step {
  // The Node runtimes the binaries embed are pinned by @fctl-kit/cli's runtime lock, which the lockfile pins.
  return {
    name: "Node runtimes for the plugin binaries (pinned by fctl-kit's runtime lock)",
    uses: 'actions/cache@v4',
    with: { path: '~/.cache/fctl-kit\n~/AppData/Local/fctl-kit\n', key: `fctl-kit-runtimes-\${{ runner.os }}-\${{ hashFiles('${pm.lockfile}') }}` },
  };
}

/** What building the plugin needs after the package manager's setup: Go from go.mod's go/toolchain lines, or the cached Node runtimes. */
function buildToolSteps(context: WorkflowContext): Step[] {
  if (context.language !== 'go') return [runtimesCache(context.packageManager)];
  return [{ name: "Go, at the version go.mod names (its toolchain line if any)", uses: 'actions/setup-go@v5', with: { 'go-version-file': 'go.mod' } }];
}

const nxStep = (context: WorkflowContext, name: string, target: string, env?: Record<string, string>): Step => ({
  name,
  run: `${context.packageManager.nx} run ${context.project}:${target}`,
  ...(env && Object.keys(env).length ? { env } : {}),
});

const job = (runsOn: string, minutes: number, steps: YamlValue[], extra: { [key: string]: YamlValue } = {}) => ({
  'runs-on': runsOn,
  ...extra,
  'timeout-minutes': minutes,
  defaults: { run: { shell: 'bash' } },
  steps,
});

/** The release build the checks job makes (build-all, under verify-version) and the compat jobs run. */
const releaseBuild = (context: WorkflowContext) => ({ name: `fctl-plugin-${context.name}-release`, path: posix.join(context.directory, 'dist', 'release') });

function uploadReleaseBuild(context: WorkflowContext): Step {
  const build = releaseBuild(context);
  return {
    name: 'Keep the build of every platform for the compatibility gate',
    uses: 'actions/upload-artifact@v4',
    with: { name: build.name, path: build.path, 'if-no-files-found': 'error', 'retention-days': 3 },
  };
}

function downloadReleaseBuild(context: WorkflowContext): Step[] {
  const build = releaseBuild(context);
  return [
    { name: 'The build of every platform, from the checks job', uses: 'actions/download-artifact@v4', with: { name: build.name, path: build.path } },
    {
      name: 'Check the build against its checksums.txt; make the binaries executable again',
      env: { RELEASE_DIR: build.path, BINARIES: `fctl-plugin-${context.name}-` },
      run: [
        'cd "$RELEASE_DIR"',
        '# checksums.txt is in the sha256sum format; macOS may have only shasum.',
        'if command -v sha256sum > /dev/null; then sha256sum --check checksums.txt; else shasum --algorithm 256 --check checksums.txt; fi',
        '# An artifact is a zip file, which keeps no file modes.',
        'for binary in "$BINARIES"linux-* "$BINARIES"darwin-* "$BINARIES"windows-*; do',
        '  case "$binary" in *.xz) ;; *) [ ! -e "$binary" ] || chmod +x "$binary" ;; esac',
        'done',
        '',
      ].join('\n'),
    },
  ];
}

/** The cores the plugin's gate runs by default: the latest patch of each fctl minor the registry does not mark deprecated. */
export const DEFAULT_COMPAT_CORES = 'supported';

/**
 * Where the compat job reads the registry the plugin releases to: the committed file, or, for a
 * registry repository on github.com, its raw file (a public repository; docs/ci.md says what to set
 * otherwise); '' (no registry, or one on another GitHub host): the single-core gate.
 */
export function compatRegistry(context: WorkflowContext): string {
  const registry = context.release?.registry;
  if (!registry) return '';
  if ('file' in registry && registry.file) return posix.join(context.directory, registry.file);
  if ('github' in registry && registry.github && !registry.github.apiUrl) return `https://raw.githubusercontent.com/${registry.github.repo}/HEAD/${registry.github.path ?? 'registry.yaml'}`;
  return '';
}

/**
 * The compat job's gate: with a registry, `fctl-kit compat matrix --plugin-build` (this OS's binary
 * of the build against the selected released cores; matrix.md into the step summary); without one
 * yet (none configured, or the registry file not committed before the first release), the
 * scenarios with the reference fctl. The exit status is kept for the last step, so that the
 * reports are uploaded whatever the result.
 */
function compatGate(context: WorkflowContext): Step[] {
  const pm = context.packageManager;
  const build = releaseBuild(context);
  const reports = posix.join(context.directory, 'dist', 'compat-matrix');
  const single = `${pm.exec} fctl-kit compat ${context.directory} --build-dir ${build.path} || status=$?`;
  return [
    {
      name: 'Compatibility cell cache and released cores (the cells of an unchanged build and core are not run again)',
      uses: 'actions/cache@v4',
      with: {
        path: '~/.cache/fctl-kit/compat-cells',
        key: `fctl-kit-compat-cells-\${{ runner.os }}-\${{ hashFiles('${build.path}/checksums.txt') }}`,
        'restore-keys': 'fctl-kit-compat-cells-${{ runner.os }}-',
      },
    },
    {
      name: "Compatibility gate: this OS's binary, run by each supported fctl through compat/scenarios.yaml",
      id: 'gate',
      env: { REPORTS: reports },
      run: [
        'status=0',
        'if [ -z "$FCTL_KIT_COMPAT_REGISTRY" ]; then',
        '  echo "No registry configured (FCTL_KIT_COMPAT_REGISTRY): the build runs with the reference fctl only."',
        `  ${single}`,
        'elif [[ "$FCTL_KIT_COMPAT_REGISTRY" != *://* && ! -f "$FCTL_KIT_COMPAT_REGISTRY" ]]; then',
        '  echo "$FCTL_KIT_COMPAT_REGISTRY is not there yet (before the first release): the build runs with the reference fctl only."',
        `  ${single}`,
        'else',
        `  ${pm.exec} fctl-kit compat matrix --registry "$FCTL_KIT_COMPAT_REGISTRY" --cores "$FCTL_KIT_COMPAT_CORES" --plugin-build ${build.path} --plugin-dir ${context.directory} --out "$REPORTS" || status=$?`,
        '  if [ -f "$REPORTS/matrix.md" ]; then cat "$REPORTS/matrix.md" >> "$GITHUB_STEP_SUMMARY"; fi',
        'fi',
        'echo "status=$status" >> "$GITHUB_OUTPUT"',
        '',
      ].join('\n'),
    },
    {
      name: 'Keep the compatibility reports (matrix.json, junit.xml, matrix.md, matrix.html)',
      uses: 'actions/upload-artifact@v4',
      with: { name: `fctl-plugin-${context.name}-compat-\${{ matrix.os }}`, path: reports, 'if-no-files-found': 'ignore', 'retention-days': 14 },
    },
    {
      name: 'Fail on a ✗ (a scenario failed, or a cell could not run)',
      env: { STATUS: '${{ steps.gate.outputs.status }}' },
      run: [
        'if [ "$STATUS" != 0 ]; then',
        '  echo "::error::the compatibility gate failed (exit $STATUS): the step summary and the compatibility reports say which cell and why"',
        '  exit 1',
        'fi',
        '',
      ].join('\n'),
    },
  ];
}

export function pullRequestWorkflow(context: WorkflowContext): string {
  const pm = context.packageManager;
  return toYaml(
    {
      name: `fctl plugin ${context.name}`,
      on: { pull_request: {}, push: { branches: ['main'] } },
      permissions: { contents: 'read' },
      // Snapshot mode: an untagged commit gets the version of the nearest vX.Y.Z tag behind it (0.0.0
      // without one), so the version rule is checked on every pull request; publishing refuses it.
      // The plugin's gate (docs/ci.md): the registry whose released cores the build runs against, and
      // which of them (--cores: supported, last-minors:N, a semver range, a list).
      env: { FCTL_KIT_SNAPSHOT: '1', FCTL_KIT_COMPAT_REGISTRY: compatRegistry(context), FCTL_KIT_COMPAT_CORES: DEFAULT_COMPAT_CORES },
      concurrency: { group: `fctl-plugin-${context.name}-\${{ github.ref }}`, 'cancel-in-progress': true },
      jobs: {
        checks: job('ubuntu-latest', 30, [
          ...pm.setupSteps,
          ...buildToolSteps(context),
          nxStep(context, 'Tests', 'test'),
          nxStep(context, context.language === 'go' ? 'go vet' : 'Types', 'typecheck'),
          nxStep(context, 'Build every platform and check plugin version = service version', 'verify-version'),
          uploadReleaseBuild(context),
        ]),
        // No build here: the binaries are the ones checks built and checksummed; only the packages are installed.
        compat: job(
          '${{ matrix.os }}',
          15,
          [
            ...pm.setupSteps,
            ...downloadReleaseBuild(context),
            ...compatGate(context),
          ],
          { needs: 'checks', strategy: { 'fail-fast': false, matrix: { os: PLATFORMS } } },
        ),
      },
    },
    `The fctl plugin ${context.name} (${context.directory}) on every pull request: its tests and types, a build\n` +
      'for every platform with the plugin version = service version rule, and the compatibility gate on\n' +
      'Linux, macOS and Windows: each runner takes the binary of its own OS from that build, and each\n' +
      'fctl core selected by FCTL_KIT_COMPAT_CORES among the released cores of FCTL_KIT_COMPAT_REGISTRY\n' +
      '(default: the latest patch of each fctl minor the registry does not mark deprecated) installs it\n' +
      'and runs the scenarios of compat/scenarios.yaml against a stub stack, as a matrix (its table in\n' +
      "the step summary, its reports an artifact). Without a registry yet: the reference fctl only.\n" +
      EDIT_NOTE,
  );
}

export function releaseWorkflow(context: WorkflowContext): string {
  const access = releaseAccess(context);
  const pm = context.packageManager;
  const secretsCheck: Step = {
    name: 'Check the secrets and the repository this release needs',
    env: Object.fromEntries(access.requiredSecrets.map((secret) => [`HAS_${secret}`, `\${{ secrets.${secret} != '' }}`])),
    run: [
      'missing=""',
      ...access.requiredSecrets.map((secret) => `[ "$HAS_${secret}" = true ] || missing="$missing ${secret}"`),
      'if [ -n "$missing" ]; then',
      '  echo "::error::set the repository secret(s)$missing (Settings > Secrets and variables > Actions; docs/ci.md says what each is)"',
      '  exit 1',
      'fi',
      ...access.checks.map((check) => check.script),
      '',
    ].join('\n'),
  };
  const secretsText = access.requiredSecrets.join(', ');
  return toYaml(
    {
      name: `release fctl plugin ${context.name}`,
      on: { push: { tags: [context.tagPattern] } },
      permissions: access.permissions,
      concurrency: { group: `release-fctl-plugin-${context.name}-\${{ github.ref }}`, 'cancel-in-progress': false },
      jobs: {
        release: job('ubuntu-latest', 60, [
          secretsCheck,
          ...pm.setupSteps,
          ...buildToolSteps(context),
          ...access.before,
          nxStep(context, 'Release', 'release', access.env),
          ...access.after,
        ]),
      },
    },
    `Releases the fctl plugin ${context.name} when the service is tagged (${context.tagPattern}): verify-version,\n` +
      `build-all (signed with ${'FCTL_KIT_SIGNING_KEY'}), publish to the backends and register the version as the\n` +
      `"release" section of ${context.directory}/fctl-plugin.json says. Safe to re-run.\n` +
      `Secrets: ${secretsText}. Permissions: ${Object.entries(access.permissions).map(([scope, level]) => `${scope}: ${level}`).join(', ')}.\n` +
      EDIT_NOTE,
  );
}
