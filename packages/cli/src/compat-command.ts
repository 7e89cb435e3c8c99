// `fctl-kit compat <plugin-dir>`: the plugin's compatibility scenarios (compat/scenarios.yaml), run
// by the fctl core against the built plugin and a stub stack. Exit 1 when one fails, with what
// differed and what the plugin asked the stack.
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { binaryFileName, currentPlatform } from '@fctl-kit/artifacts';
import { readPluginConfig } from '@fctl-kit/plugin-config';
import { readScenarios, runScenarios } from '@fctl-kit/compat';
import { terminalText } from '@fctl-kit/protocol';

export function addCompatCommand(program: Command): void {
  program
    .command('compat')
    .description("Run the plugin's compatibility scenarios: fctl installs the built plugin and runs each command against a stub stack")
    .argument('<plugin-dir>', 'The plugin directory, e.g. cmd/fctl-plugin')
    .option('--build-dir <dir>', "A build directory holding this machine's binary (default: <plugin-dir>/dist/host)")
    .option('--plugin <file>', 'The plugin file to test instead (a binary or a .cjs bundle)')
    .option('--scenarios <file>', 'The scenarios (default: <plugin-dir>/compat/scenarios.yaml)')
    .option('--fctl <file>', 'The fctl to test with (default: the reference fctl of @fctl-kit/core)')
    .action(async (dir: string, options: { buildDir?: string; plugin?: string; scenarios?: string; fctl?: string }) => {
      const pluginDir = resolve(dir);
      const { name } = await readPluginConfig(pluginDir);
      const file = options.plugin ? resolve(options.plugin) : join(resolve(options.buildDir ?? join(pluginDir, 'dist', 'host')), binaryFileName(name, currentPlatform()));
      const scenariosFile = resolve(options.scenarios ?? join(pluginDir, 'compat', 'scenarios.yaml'));
      const scenarios = await readScenarios(scenariosFile);
      const results = await runScenarios({ plugin: name, file, scenarios, ...(options.fctl ? { fctl: resolve(options.fctl) } : {}) });
      for (const result of results) {
        process.stdout.write(`${result.ok ? 'ok  ' : 'FAIL'} ${terminalText(result.name)}\n`);
        if (result.ok) continue;
        for (const problem of result.problems) process.stdout.write(`${terminalText(problem, { multiline: true }).replace(/^/gm, '       ')}\n`);
        if (result.requests.length) process.stdout.write(`       the stub stack answered:\n${result.requests.map((r) => `         ${terminalText(r)}`).join('\n')}\n`);
      }
      const failed = results.filter((result) => !result.ok).length;
      process.stdout.write(`${results.length} scenarios, ${failed} failed (${name}: ${file})\n`);
      if (failed) process.exitCode = 1;
    });
}
