// changesets for JavaScript product repositories: the service package and the plugin package in one
// `fixed` group, so `changeset version` always gives them the same new version and `changeset tag`
// tags both (<package>@X.Y.Z, the tag the release runs from). Private packages are versioned and
// tagged too (privatePackages), as plugin packages are never published to npm.
import { minimatch } from 'minimatch';
import { devkit, type Tree } from '../../devkit.js';

export const CHANGESETS_CLI_VERSION = '^2.31.0';
const CONFIG = '.changeset/config.json';

interface ChangesetConfig {
  fixed?: string[][];
  privatePackages?: { version?: boolean; tag?: boolean } | false;
  [key: string]: unknown;
}

const DEFAULT_CONFIG: ChangesetConfig = {
  $schema: 'https://unpkg.com/@changesets/config@3.1.1/schema.json',
  changelog: '@changesets/cli/changelog',
  commit: false,
  fixed: [],
  linked: [],
  access: 'restricted',
  baseBranch: 'main',
  updateInternalDependencies: 'patch',
  ignore: [],
};

const README = `# Changesets

Record a change with \`npx changeset\`; \`npx changeset version\` applies the recorded changes to the
package versions and changelogs, \`npx changeset tag\` tags the new versions.

The service and its fctl plugin are one \`fixed\` group in config.json: they always get the same
version - the plugin version is the service version - and the release runs from the service's tag.
`;

/** Merges [service, plugin] into the fixed groups: a group holding either gets both; else a new group. */
export function withFixedGroup(config: ChangesetConfig, names: [string, string]): ChangesetConfig {
  const groups = (config.fixed ?? []).map((group) => [...group]);
  const index = groups.findIndex((group) => names.some((name) => group.includes(name)));
  if (index < 0) groups.push([...names]);
  else for (const name of names) if (!groups[index]!.includes(name)) groups[index]!.push(name);
  const privatePackages = config.privatePackages === false ? {} : (config.privatePackages ?? {});
  return { ...config, fixed: groups, privatePackages: { ...privatePackages, version: true, tag: true } };
}

export interface ChangesetsResult {
  /** Why nothing was configured, when nothing was. */
  skipped?: string;
  addDevDependency: boolean;
}

/**
 * `servicePackageJson` and `pluginDirectory` are workspace-relative. The service must be a
 * workspace package: changesets does not version the root package of a monorepo.
 */
export function configureChangesets(tree: Tree, servicePackageJson: string, pluginDirectory: string, pluginPackageName: string): ChangesetsResult {
  const normalised = devkit.normalizePath(servicePackageJson);
  if (normalised === 'package.json') {
    return { skipped: 'the service version is the root package.json: changesets versions workspace packages, not the root (see docs/nx.md)', addDevDependency: false };
  }
  const service = devkit.readJson<{ name?: string }>(tree, normalised);
  if (!service.name) return { skipped: `${normalised} has no "name": changesets needs one`, addDevDependency: false };

  const root = devkit.readJson<{ workspaces?: string[] | { packages?: string[] } }>(tree, 'package.json');
  const workspaces = Array.isArray(root.workspaces) ? root.workspaces : root.workspaces?.packages;
  const serviceDirectory = normalised.replace(/\/?package\.json$/, '');
  const listed = (directory: string) => (workspaces ?? []).some((pattern) => minimatch(directory, pattern.replace(/\/$/, '')));
  if (!workspaces || !listed(serviceDirectory)) {
    return { skipped: `${serviceDirectory} is not a workspace package of package.json "workspaces": changesets would not see the service`, addDevDependency: false };
  }
  if (!listed(pluginDirectory)) {
    devkit.updateJson(tree, 'package.json', (json: { workspaces?: string[] | { packages?: string[] } }) => {
      if (Array.isArray(json.workspaces)) json.workspaces = [...json.workspaces, pluginDirectory];
      else json.workspaces = { ...json.workspaces, packages: [...(json.workspaces?.packages ?? []), pluginDirectory] };
      return json;
    });
  }
  const current = tree.exists(CONFIG) ? devkit.readJson<ChangesetConfig>(tree, CONFIG) : DEFAULT_CONFIG;
  const next = withFixedGroup(current, [service.name, pluginPackageName]);
  if (JSON.stringify(next) !== JSON.stringify(current) || !tree.exists(CONFIG)) devkit.writeJson(tree, CONFIG, next);
  if (!tree.exists('.changeset/README.md')) tree.write('.changeset/README.md', README);
  return { addDevDependency: true };
}
