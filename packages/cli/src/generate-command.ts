// `fctl-kit generate plugin <name>`: the Nx plugin generator (nx g @fctl-kit/nx:plugin) for
// repositories without Nx, run on the file system through Nx's FsTree, so one generator serves
// both. It writes no nx.json, no dev dependencies and no workflows (they run Nx targets).
// @fctl-kit/nx and nx are loaded when the command runs: from the repository's node_modules, else
// beside fctl-kit; they are not bundled into fctl-kit (the generator reads its templates from its
// package).
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { terminalText } from '@fctl-kit/protocol';

/** The generator's options this command passes on (schema.json of @fctl-kit/nx's plugin generator says what each does). */
const VALUE_OPTIONS: [flag: string, description: string][] = [
  ['language', 'typescript (default) or go: a Go plugin in the Go module of the repository root (go.mod)'],
  ['service', 'The service name in the stack\'s /versions (default: the plugin name)'],
  ['directory', 'Where to scaffold (default: cmd/fctl-plugin)'],
  ['version-source', 'git-tag (default), package-json or file'],
  ['version-path', 'package-json or file: the path, from the plugin directory'],
  ['compatible-with', 'Service versions the plugin serves (npm semver range, default *)'],
  ['description', 'One line shown in fctl --help'],
  ['go-sdk-module', 'go: the Go SDK module path'],
  ['go-sdk-version', 'go: the Go SDK version go.mod requires (default: the kit\'s, vX.Y.Z)'],
  ['go-sdk-replace', 'go: a local directory of the Go SDK, written as a replace directive in go.mod'],
  ['release-backend', 'Where releases publish: github-releases, private-releases, oci, s3, url'],
  ['release-to', 'oci: the repository; url: a directory or an http(s) base URL'],
  ['release-repo', 'github-releases, private-releases: owner/name'],
  ['release-api-url', 'github-releases, private-releases: a GitHub Enterprise REST API URL'],
  ['release-bucket', 's3: the bucket'],
  ['release-prefix', 's3: a key prefix'],
  ['release-region', 's3: the region'],
  ['release-endpoint', 's3: an S3-compatible server'],
  ['release-addressing', 's3: path or virtual'],
  ['release-public-base', 's3, url: the public URL the registry records'],
  ['registry-file', 'The registry file releases register in (from the repository root; created if missing)'],
  ['registry-repo', 'Or: the registry repository (owner/name) releases open a pull request to'],
  ['registry-path', 'With --registry-repo: the registry file there (default registry.yaml)'],
  ['registry-api-url', 'With --registry-repo on GitHub Enterprise: the REST API URL'],
];

interface Generators {
  pluginGenerator: (tree: unknown, options: Record<string, unknown>) => Promise<unknown>;
  PluginGeneratorError: new (...args: never[]) => Error;
}
interface NxTree {
  FsTree: new (root: string, verbose: boolean) => { listChanges(): { path: string; type: string }[] };
  flushChanges: (root: string, changes: unknown[]) => void;
}

/** @fctl-kit/nx's generators and nx's FsTree, from the repository first, else from beside fctl-kit. */
async function loadGenerator(root: string): Promise<{ generators: Generators; tree: NxTree }> {
  for (const from of [join(root, 'package.json'), import.meta.url]) {
    let generatorsFile: string;
    try {
      generatorsFile = createRequire(from).resolve('@fctl-kit/nx/generators');
    } catch {
      continue;
    }
    const generators = (await import(pathToFileURL(generatorsFile).href)) as Generators;
    const tree = createRequire(generatorsFile)('nx/src/generators/tree') as NxTree;
    return { generators, tree };
  }
  throw new Error('fctl-kit generate runs the generator of @fctl-kit/nx, which is not installed here: npm install --save-dev @fctl-kit/nx nx (or run it through npx -p @fctl-kit/cli -p @fctl-kit/nx -p nx fctl-kit generate ...)');
}

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());

export function addGenerateCommand(program: Command): void {
  const generate = program.command('generate').description('Scaffold files in a repository without Nx (the generators of @fctl-kit/nx)');
  const plugin = generate
    .command('plugin')
    .description("Scaffold an fctl plugin for this repository's service (as nx g @fctl-kit/nx:plugin; no nx.json, dev dependencies nor workflows)")
    .argument('<name>', 'Plugin name = service name = the fctl command (a-z, 0-9, -)')
    .option('--root <dir>', 'The repository root', '.');
  for (const [flag, description] of VALUE_OPTIONS) plugin.option(`--${flag} <value>`, description);
  plugin.option('--dry-run', 'List what would be written, write nothing');
  plugin.action(async (name: string, given: Record<string, string | boolean | undefined>) => {
    const root = resolve(String(given.root));
    const { generators, tree: nx } = await loadGenerator(root);
    const options: Record<string, unknown> = { name, withoutNx: true };
    for (const [flag] of VALUE_OPTIONS) if (given[camel(flag)] !== undefined) options[camel(flag)] = given[camel(flag)];
    const tree = new nx.FsTree(root, false);
    try {
      await generators.pluginGenerator(tree, options);
    } catch (error) {
      // The generator's refusals name the option: said as fctl-kit's flags.
      if (error instanceof generators.PluginGeneratorError) throw new Error(error.message.replace(/--([a-z][A-Za-z]+)/g, (_, option: string) => `--${option.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`));
      throw error;
    }
    const changes = tree.listChanges();
    if (!given.dryRun) nx.flushChanges(root, changes);
    for (const change of changes) process.stderr.write(terminalText(`${given.dryRun ? 'would ' : ''}${change.type.toLowerCase()} ${change.path}`) + '\n');
  });
}
