// `fctl-kit inputs <plugin-dir>`: the source files a Go plugin's build reads, each with its sha256
// (sha256sum's format, paths relative to the plugin's main package). Nx hashes this output (a
// runtime input of the inferred targets): go resolves a plugin's imports anywhere in the product's
// module and in directories a `replace` names, which no glob of the plugin's directory can follow.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { goInputs, goToolchain } from '@fctl-kit/binaries';
import { goMainPackage, pluginLanguage, readPluginConfig } from '@fctl-kit/plugin-config';

export function addInputsCommand(program: Command): void {
  program
    .command('inputs')
    .description("Print the source files a Go plugin's build reads, with their sha256 (what Nx hashes for its targets)")
    .argument('<plugin-dir>', 'The plugin directory, e.g. cmd/fctl-plugin')
    .action(async (dir: string) => {
      const pluginDir = resolve(dir);
      const config = await readPluginConfig(pluginDir);
      if (pluginLanguage(config) !== 'go') throw new Error(`${dir} is a TypeScript plugin: its build reads its own directory and its package's dependencies, which Nx already hashes; fctl-kit inputs is for Go plugins`);
      const mainDir = resolve(pluginDir, goMainPackage(config));
      const toolchain = await goToolchain(mainDir);
      const inputs = await goInputs(mainDir, { command: toolchain.command });
      process.stdout.write(inputs.map((input) => `${input.sha256}  ${input.path}\n`).join(''));
    });
}
