// `fctl <service> ...`: resolve the implementation for the stack's service version, build its
// command tree from the manifest, parse, execute (in a plugin process or in-process), render.
import { Command as CommanderCommand, type Command } from 'commander';
import semver from 'semver';
import { checkArgCount, findCommand, FlagValueError, resolveFlagValues, terminalText, type AuthContext, type Manifest } from '@fctl-kit/protocol';
import { runExecute } from '@fctl-kit/plugin-sdk';
import { builtins, type BuiltinService } from '../builtins/index.js';
import type { Profile } from '../config/profiles.js';
import { formatDuration, PluginProcess, type ExecuteOutcome, type ExecuteRequest } from '../host/plugin-process.js';
import { EXIT, PluginFailure } from '../host/failure.js';
import { render, shouldUseColor } from '../render/index.js';
import { resolveService, type Resolution } from '../resolve/resolve.js';
import { sameManifest } from '../store/manifest-cache.js';
import type { StoredPlugin } from '../store/plugin-store.js';
import { ServiceVersionMemory } from '../store/service-versions.js';
import { addGlobalOptions, configureCommand } from './commander-setup.js';
import { detectServiceVersion } from '../stack/service-version.js';
import { buildServiceCommand, type Invocation } from './manifest-commands.js';
import { confirm } from './prompt.js';
import { isInteractive } from './io.js';
import { deprecationWarning } from '../discovery/deprecation.js';
import { refreshRegistryIfDue } from '../discovery/registry-refresh.js';
import { CliError, type Context } from './context.js';
import { RESERVED_COMMANDS } from './plugin-commands.js';

interface Implementation {
  manifest: Manifest;
  label: string;
  run(request: ExecuteRequest, signal: AbortSignal): Promise<ExecuteOutcome>;
  close(): Promise<void>;
  failureFromAnswer?: PluginProcess['failureFromAnswer'];
}

/** Names that route to service dispatch: built-in services, installed plugins, --plugin-binary names. */
export async function knownServices(context: Context): Promise<Map<string, string>> {
  const known = new Map<string, string>();
  for (const builtin of builtins) known.set(builtin.service, builtin.plugin.manifest(1).description);
  for (const plugin of (await context.plugins.read()).plugins) {
    // Installed before fctl took the name for itself: it cannot shadow fctl's own command.
    if (RESERVED_COMMANDS.includes(plugin.name)) continue;
    const latest = Object.values(plugin.versions)[0];
    known.set(plugin.name, latest?.description !== undefined ? terminalText(latest.description) : `${plugin.name} plugin`);
  }
  for (const name of context.globals.pluginBinaries.keys()) known.set(name, `${name} (from --plugin-binary)`);
  return known;
}

export async function runService(context: Context, service: string, program: Command, argv: string[]): Promise<number> {
  const profile = (await context.activeProfile())?.profile;
  const target = await chooseTarget(context, service, profile, asksForHelp(argv));
  const outcome = await runTarget(context, service, target, program, argv, profile);
  if (outcome !== 'resolve-online') return outcome;
  // The words looked like a help request but select a command: a run resolves with the stack's answer.
  const online = await runTarget(context, service, await chooseTarget(context, service, profile, false), freshProgram(context), argv, profile);
  return online === 'resolve-online' ? EXIT.failed : online; // (an online target never asks again)
}

/**
 * The manifest completion uses for `service`: resolved as help is, but never asking the stack (the
 * last answer it gave, else the installed version a run prefers), and only from the manifest cache:
 * completion starts no process and sends no request. Undefined when the cache does not hold it.
 */
export async function manifestForCompletion(context: Context, service: string): Promise<Manifest | undefined> {
  if (context.globals.pluginBinaries.has(service)) return undefined;
  const profile = await context.activeProfile().then((active) => active?.profile, () => undefined);
  const stored = await context.plugins.get(service);
  const remembered = profile ? await new ServiceVersionMemory(context.configDir).get(profile.stackUrl, service) : undefined;
  const target = (remembered ? targetOf(service, resolveService(service, remembered, stored, builtins), true) : undefined) ?? fallbackForHelp(service, stored);
  if (!target) return undefined;
  if (target.kind === 'builtin') return target.builtin.plugin.manifest(1);
  const looked = await context.plugins.manifestCache().lookup(target.plugin.path);
  return looked?.cached?.manifest.name === service ? looked.cached.manifest : undefined;
}

/**
 * `-h`/`--help` before any `--`: the command line asks for help, which may come from what the stack
 * last reported and from the manifest cache. (The parse decides; a run never relies on this.)
 */
function asksForHelp(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((word) => word === '-h' || word === '--help');
}

/** A root like run()'s, for parsing the command line a second time (only the service command is needed). */
function freshProgram(context: Context): Command {
  return addGlobalOptions(configureCommand(new CommanderCommand('fctl'))).configureOutput({
    writeOut: (text) => context.io.stdout.write(text),
    writeErr: (text) => context.io.stderr.write(text),
  });
}

/** Adds the service's commands made from `manifest` to `program` and parses; the invocation, or undefined when help was shown. */
async function parseWith(context: Context, program: Command, manifest: Manifest, argv: string[]): Promise<Invocation | undefined> {
  let invocation: Invocation | undefined;
  // Help and usage errors of a plugin's commands are made of its manifest's texts.
  const safe = (text: string) => terminalText(text, { multiline: true });
  const output = { writeOut: (text: string) => context.io.stdout.write(safe(text)), writeErr: (text: string) => context.io.stderr.write(safe(text)) };
  program.addCommand(buildServiceCommand(manifest, manifest.description, output, (selected) => (invocation = selected)));
  await program.parseAsync(argv, { from: 'user' });
  return invocation;
}

async function runTarget(
  context: Context,
  service: string,
  target: Target,
  program: Command,
  argv: string[],
  profile: Profile | undefined,
): Promise<number | 'resolve-online'> {
  const { debug } = context;
  if (target.kind === 'builtin') {
    const implementation = builtinImplementation(target.builtin);
    const invocation = await parseWith(context, program, implementation.manifest, argv);
    if (!invocation) return EXIT.ok; // help was shown
    if (target.offline) return 'resolve-online';
    return execute(context, service, implementation, invocation, profile);
  }
  // The manifest of the file about to be started, when the cache holds it: the command line is parsed
  // (help shown, usage errors reported) without a plugin process.
  const cache = target.cacheable ? context.plugins.manifestCache(debug.core) : undefined;
  const looked = cache ? await cache.lookup(target.plugin.path) : undefined;
  const cached = looked?.cached?.manifest.name === target.plugin.name ? looked.cached : undefined;
  if (cached) debug.core(`manifest: from the cache (sha256 ${cached.sha256.slice(0, 12)}, protocol v${cached.protocolVersion}): no plugin process to parse the command line`);
  let started: PluginImplementation | undefined;
  try {
    let manifest = cached?.manifest;
    if (!manifest) {
      started = await startPlugin(context, target.plugin);
      manifest = started.manifest;
      if (cache && looked) await cache.remember(looked.file, started.protocolVersion, manifest);
    }
    let invocation = await parseWith(context, program, manifest, argv);
    if (!invocation) return EXIT.ok; // help was shown
    if (target.offline) return 'resolve-online';
    if (!started) {
      started = await startPlugin(context, target.plugin);
      if (!sameManifest(started.manifest, manifest)) {
        debug.core('manifest: the plugin reports another manifest than the cached one: cache refreshed, command line parsed again');
        if (cache && looked) await cache.remember(looked.file, started.protocolVersion, started.manifest);
        invocation = await parseWith(context, freshProgram(context), started.manifest, argv);
        if (!invocation) return EXIT.ok;
      }
    }
    return await execute(context, service, started, invocation, profile);
  } finally {
    await started?.close();
  }
}

async function execute(context: Context, service: string, impl: Implementation, invocation: Invocation, profile: Profile | undefined): Promise<number> {
  const { debug, globals } = context;
  const found = findCommand(impl.manifest, invocation.path)!;
  let flags;
  try {
    checkArgCount(invocation.args, invocation.spec.args);
    flags = resolveFlagValues(found.flags, invocation.given);
  } catch (error) {
    if (error instanceof FlagValueError) throw new CliError(`${[service, ...invocation.path].join(' ')}: ${terminalText(error.message)}`, EXIT.usage);
    throw error;
  }
  if (invocation.spec.deprecated) context.warn(`command "${[service, ...invocation.path].join(' ')}" is deprecated: ${terminalText(invocation.spec.deprecated)}`);
  for (const message of invocation.deprecatedFlags) context.warn(`flag ${terminalText(message)}`);
  if (!profile) throw noProfileError(service);
  if (invocation.spec.confirm && !globals.yes) {
    const accepted = await confirm(context, terminalText(invocation.spec.confirm));
    if (!accepted) {
      context.io.stderr.write('Aborted.\n');
      return EXIT.failed;
    }
  }
  const auth: AuthContext = {
    serviceUrl: profile.stackUrl,
    insecureSkipTlsVerify: Boolean(profile.insecureSkipTlsVerify),
    ...(profile.accessToken ? { accessToken: profile.accessToken } : {}),
    ...(profile.organizationId ? { organizationId: profile.organizationId } : {}),
    ...(profile.stackId ? { stackId: profile.stackId } : {}),
  };
  const outcome = await impl.run(
    { command: invocation.path, args: invocation.args, flags, output: globals.output, debug: globals.debug, auth },
    context.interrupted,
  );
  if (outcome.status === 'cancelled') {
    context.io.stderr.write('Cancelled.\n');
    return EXIT.interrupted;
  }
  if (outcome.status === 'error') {
    const { kind, code } = outcome.error;
    const message = terminalText(outcome.error.message, { multiline: true });
    if (kind === 'internal' && impl.failureFromAnswer) throw impl.failureFromAnswer('internal', message);
    const suffix = code ? ` (${terminalText(code)})` : '';
    throw new CliError(`${message}${suffix}`, kind === 'usage' ? EXIT.usage : kind === 'cancelled' ? EXIT.interrupted : EXIT.failed);
  }
  const display = invocation.spec.display;
  debug.core(`rendering ${globals.output}${globals.output === 'plain' && display ? ` from the display schema (${'columns' in display ? 'table' : 'sections'})` : ''}`);
  const color = shouldUseColor(context.io.stdout, context.io.env, !globals.color);
  context.io.stdout.write(await render(outcome.data, { format: globals.output, display, color }));
  return EXIT.ok;
}

function noProfileError(service: string): CliError {
  return new CliError(
    `command "${service}" requires a plugin, but no profile is active\n       so the required version cannot be determined.\n\n  Configure a profile first: fctl profile add NAME --stack-url URL`,
    EXIT.failed,
  );
}

interface PluginToStart {
  name: string;
  path: string;
  version?: string;
  issues?: string;
}

/**
 * What runs a service's commands, not started yet. `offline`: chosen for a help request without asking
 * the stack (from its last answer, or because it cannot be asked); such a target never executes.
 */
type Target =
  | { kind: 'plugin'; plugin: PluginToStart; cacheable: boolean; offline: boolean }
  | { kind: 'builtin'; builtin: BuiltinService; offline: boolean };

function targetOf(service: string, resolution: Resolution, offline: boolean): Target | undefined {
  if (resolution.kind === 'plugin') {
    const { installed, version } = resolution;
    return { kind: 'plugin', plugin: { name: service, version, path: installed.path, ...(installed.issues ? { issues: installed.issues } : {}) }, cacheable: true, offline };
  }
  if (resolution.kind === 'builtin') return { kind: 'builtin', builtin: resolution.builtin, offline };
  return undefined;
}

/**
 * Help for a stack fctl cannot ask (no profile, or /versions unreachable): the installed version a
 * run would prefer (a dev build, else the highest), else the newest built-in commands of the service.
 */
function fallbackForHelp(service: string, stored: StoredPlugin | undefined): Target | undefined {
  const versions = Object.keys(stored?.versions ?? {}).sort((a, b) => (a === 'dev' ? -1 : b === 'dev' ? 1 : semver.rcompare(a, b)));
  const [best] = versions;
  if (best) return targetOf(service, { kind: 'plugin', version: best, installed: stored!.versions[best]! }, true);
  const builtin = builtins.find((candidate) => candidate.service === service);
  return builtin ? { kind: 'builtin', builtin, offline: true } : undefined;
}

async function chooseTarget(context: Context, service: string, profile: Profile | undefined, forHelp: boolean): Promise<Target> {
  const { debug, globals } = context;
  const ephemeral = globals.pluginBinaries.get(service);
  if (ephemeral) {
    debug.core(`plugin: ${ephemeral} (--plugin-binary, for this invocation only)`);
    return { kind: 'plugin', plugin: { name: service, path: ephemeral }, cacheable: false, offline: false };
  }
  const memory = new ServiceVersionMemory(context.configDir);
  if (forHelp) {
    const stored = await context.plugins.get(service);
    const remembered = profile ? await memory.get(profile.stackUrl, service) : undefined;
    const fromMemory = remembered ? targetOf(service, resolveService(service, remembered, stored, builtins), true) : undefined;
    if (fromMemory) {
      debug.core(`help: ${service} v${remembered}, as the stack last reported it (no GET /versions)`);
      return fromMemory;
    }
    if (!profile && !remembered) {
      const fallback = fallbackForHelp(service, stored);
      if (fallback) {
        debug.core('help: no profile is active; the installed version a run would prefer');
        return fallback;
      }
    }
  }
  if (!profile) throw noProfileError(service);
  debug.core(`stack: ${profile.stackUrl}`);
  const started = Date.now();
  let serviceVersion: string;
  try {
    serviceVersion = await detectServiceVersion(profile, service);
  } catch (error) {
    const fallback = forHelp ? fallbackForHelp(service, await context.plugins.get(service)) : undefined;
    if (!fallback) throw new CliError((error as Error).message, EXIT.failed);
    const shown = fallback.kind === 'plugin' ? `fctl-plugin-${service} ${versionLabel(fallback.plugin.version ?? 'dev')}` : `the built-in ${service} commands`;
    context.warn(`${(error as Error).message}
  Showing the help of ${shown}; the stack decides which version a command runs.`);
    return fallback;
  }
  debug.core(`stack runs ${service} v${serviceVersion} (GET /versions, ${formatDuration(Date.now() - started)})`);
  await memory.set(profile.stackUrl, service, serviceVersion);
  const resolution = resolveService(service, serviceVersion, await context.plugins.get(service), builtins);
  if (resolution.kind === 'plugin') {
    // Released versions only: a dev build is not in any registry.
    const notServed = resolution.version === 'dev' ? undefined : await refreshRegistryIfDue(context, service, serviceVersion);
    const deprecated = resolution.version === 'dev' ? undefined : (await context.plugins.get(service))?.versions[resolution.version]?.deprecated;
    if (deprecated) context.warn(deprecationWarning(service, resolution.version, deprecated));
    if (notServed && resolution.installed.source.startsWith('registry:')) context.warn(notServed);
    debug.core(`plugin: fctl-plugin-${service} ${versionLabel(resolution.version)} (compatibleWith ${resolution.installed.compatibleWith})`);
    return targetOf(service, resolution, false)!;
  }
  if (resolution.kind === 'builtin') {
    debug.core(`built-in ${service} commands (they cover ${service} ${resolution.builtin.covers})`);
    return targetOf(service, resolution, false)!;
  }
  const installed = await discover(context, service, serviceVersion, profile);
  return {
    kind: 'plugin',
    plugin: { name: service, version: installed.version, path: installed.installed.path, ...(installed.installed.issues ? { issues: installed.installed.issues } : {}) },
    cacheable: true,
    offline: false,
  };
}

/** RFC 0002 journeys 1, 3 and 6: find the plugin version in the registry, ask, install. */
async function discover(context: Context, service: string, serviceVersion: string, profile: Profile) {
  const stack = profile.stackId ? `stack "${profile.stackId}"` : `the stack at ${profile.stackUrl}`;
  const Service = capitalize(service);
  const { chooseRelease, fromRegistry, installRelease, openConfiguredRegistry, syncDeprecations } = await import('../discovery/index.js');
  const registry = await openConfiguredRegistry(context);
  if (!registry) {
    throw new CliError(
      `${stack} runs ${Service} v${serviceVersion}, which requires\n       the "${service}" plugin. No compatible version is installed,\n       and no plugin registry is configured to discover one.\n\n  Run: fctl plugin install ${service} --path <binary | source directory>`,
      EXIT.failed,
    );
  }
  const found = chooseRelease(registry, service, { serviceVersion });
  if (!isInteractive(context.io, context.globals.nonInteractive)) {
    throw new CliError(
      `${stack} runs ${Service} v${serviceVersion}, which requires\n       the "${service}" plugin. No compatible version is installed.\n\n  Run: fctl plugin install ${service}`,
      EXIT.failed,
    );
  }
  context.io.stderr.write(
    `\n  The "${service}" command requires a plugin that is not installed.\n\n  ${capitalize(stack)} runs ${Service} v${serviceVersion}.\n  Compatible plugin: fctl-plugin-${service} v${found.version}\n\n`,
  );
  if (!(await confirm(context, '  Install it now?', true))) {
    throw new CliError(`the "${service}" plugin was not installed.\n\n  Install it later: fctl plugin install ${service}`, EXIT.failed);
  }
  const outcome = await installRelease(context, fromRegistry(registry, found));
  await syncDeprecations(context, registry, service);
  context.io.stderr.write('Plugin installed.\n\n');
  return outcome;
}

interface PluginImplementation extends Implementation {
  protocolVersion: number;
}

async function startPlugin(context: Context, plugin: PluginToStart): Promise<PluginImplementation> {
  const { debug } = context;
  debug.core('spawning plugin process...');
  const process_ = await PluginProcess.start({
    plugin,
    coreVersion: context.version,
    handshakeTimeoutMs: context.handshakeTimeoutMs,
    debug: debug.core,
    onStderrLine: debug.plugin,
  });
  if (process_.manifest.name !== plugin.name) {
    await process_.close();
    throw new CliError(`${plugin.path} is the "${process_.manifest.name}" plugin, not "${plugin.name}"`, EXIT.failed);
  }
  return {
    manifest: process_.manifest,
    protocolVersion: process_.protocolVersion,
    label: `fctl-plugin-${plugin.name}`,
    run: (request, signal) => process_.execute(request, context.globals.timeoutMs, signal),
    close: () => process_.close(),
    failureFromAnswer: process_.failureFromAnswer.bind(process_),
  };
}

function builtinImplementation(builtin: BuiltinService): Implementation {
  const logger = { debug: () => {}, info: () => {} };
  return {
    manifest: builtin.plugin.manifest(1),
    label: `built-in ${builtin.service}`,
    run: async (request, signal) => {
      const outcome = await runExecute(builtin.plugin, request, signal, logger);
      return outcome.ok ? { status: 'ok', data: outcome.data } : { status: 'error', error: outcome.error };
    },
    close: async () => {},
  };
}

export const versionLabel = (version: string) => (version === 'dev' ? 'dev' : `v${version}`);

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

export { PluginFailure };
