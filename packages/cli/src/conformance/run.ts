// `fctl-kit conformance`: every check against one plugin, whatever its language, and the report.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ProtocolVersion } from '@fctl-kit/protocol';
import {
  checkCancel,
  checkEof,
  checkGuard,
  checkHelloFirst,
  checkHostileLine,
  checkHttpError,
  checkOffers,
  checkServiceError,
  checkSessionOnce,
  checkSessionRequired,
  checkUnknownCommand,
  checkUnknownFlag,
  checkUnsupported,
  firstRunnableCommand,
  HOSTILE_CORE_LINES,
  parseCommand,
  type CheckContext,
} from './checks.js';
import type { PluginTarget } from './plugin-session.js';
import { summarize, type Finding, type Report } from './report.js';
import { StackServer } from './stack-server.js';

export interface ConformanceOptions {
  /** Words of the command the execute checks run, e.g. ["transactions", "list"]. */
  command?: string[];
  /** How long to wait for any one answer. */
  timeoutMs?: number;
}

/** A binary or bundle (one path, started as fctl starts it), or a command line (`go run .`). */
export function pluginTarget(words: string[]): PluginTarget {
  if (!words.length) throw new Error('give the plugin: a binary, a .js bundle, or a command line');
  if (words.length === 1) {
    const file = resolve(words[0]!);
    if (!existsSync(file)) throw new Error(`${words[0]} does not exist`);
    return /\.(c|m)?js$/.test(file) ? { command: process.execPath, args: [file], label: words[0]! } : { command: file, args: [], label: words[0]! };
  }
  return { command: words[0]!, args: words.slice(1), label: words.join(' ') };
}

export async function runConformance(target: PluginTarget, options: ConformanceOptions = {}): Promise<Report> {
  const stack = new StackServer();
  await stack.start();
  const context: CheckContext = { target, timeoutMs: options.timeoutMs ?? 10_000, stack, token: `conformance-${randomBytes(12).toString('hex')}` };
  const findings: Finding[] = [];
  const add = (check: string, version: ProtocolVersion | undefined, outcome: Omit<Finding, 'check' | 'version'>) => findings.push({ check, ...(version ? { version } : {}), ...outcome });
  try {
    add('handshake.guard', undefined, await checkGuard(context));
    const offers = await checkOffers(context);
    for (const { offered, outcome } of offers.outcomes) add(`handshake.offer-${offered.join('-')}`, undefined, outcome);
    add('handshake.unsupported', undefined, await checkUnsupported(context));
    add('handshake.hello-first', undefined, await checkHelloFirst(context));
    if (offers.speaks.length === 1) add('handshake.versions', undefined, { status: 'warn', message: `it speaks only protocol ${offers.speaks[0]}: ${offers.speaks[0] === 2 ? 'cores that speak only v1 cannot run it' : 'it gets the token; v2 keeps it in fctl'} (docs/protocol.md 2.3)` });
    const manifest = offers.manifest;
    const command = manifest ? (options.command?.length ? parseCommand(manifest, options.command) : firstRunnableCommand(manifest)) : undefined;
    for (const version of offers.speaks) {
      if (version === 2) {
        add('session.required', 2, await checkSessionRequired(context));
        add('session.once', 2, await checkSessionOnce(context));
      }
      add('execute.unknown-command', version, await checkUnknownCommand(context, version));
      add('execute.unknown-flag', version, await checkUnknownFlag(context, version, command));
      add('execute.service-error', version, await checkServiceError(context, version, command));
      if (version === 2) {
        add('http.refused', 2, await checkHttpError(context, command, { kind: 'refused', code: 'other_origin', message: 'https://elsewhere.example is not the stack of this profile' }, 'internal'));
        add('http.unavailable', 2, await checkHttpError(context, command, { kind: 'unavailable', code: 'connect', message: 'the stack could not be reached' }, 'unavailable'));
      }
      add('execute.cancel', version, await checkCancel(context, version, command));
      add('shutdown.eof', version, await checkEof(context, version));
      add('shutdown.eof-during-execute', version, command ? await checkEof(context, version, command) : { status: 'n/a', message: 'no command to run without arguments (give one with --command)' });
      for (const hostile of HOSTILE_CORE_LINES.filter((line) => line.versions.includes(version))) {
        add(`core-lines.${hostile.name.replace(/^an? /, '').replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`, version, await checkHostileLine(context, version, hostile));
      }
    }
    const plugin = manifest ? { name: manifest.name, version: manifest.version } : {};
    return summarize(target.label, { ...plugin, protocolVersions: offers.speaks }, findings);
  } finally {
    await stack.stop();
  }
}
