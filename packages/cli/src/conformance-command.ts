// `fctl-kit conformance <plugin>`: the protocol's conformance checks (docs/conformance.md).
import type { Command } from 'commander';
import { formatReport } from './conformance/report.js';
import { pluginTarget, runConformance } from './conformance/run.js';

export function addConformanceCommand(program: Command): void {
  program
    .command('conformance')
    .description('Drive a plugin in any language through the protocol as fctl and broken cores would, and report what conforms')
    .argument('<plugin...>', 'A plugin binary or .js bundle, or a command line (e.g. go run ./cmd/fctl-plugin)')
    .option('--command <words>', 'The command the execute checks run, with its arguments (default: the first that needs none)')
    .option('--timeout <seconds>', 'How long to wait for any one answer', '10')
    .option('--json', 'Print the report as JSON')
    .passThroughOptions()
    .action(async (words: string[], options: { command?: string; timeout: string; json?: boolean }) => {
      const seconds = Number(options.timeout);
      if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`--timeout ${JSON.stringify(options.timeout)} is not a number of seconds`);
      const report = await runConformance(pluginTarget(words), {
        ...(options.command ? { command: options.command.split(/\s+/).filter(Boolean) } : {}),
        timeoutMs: seconds * 1000,
      });
      process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
      if (!report.ok) process.exitCode = 1;
    });
}
