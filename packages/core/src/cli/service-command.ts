// `fctl <service> ...`: resolve the implementation for the stack's service version, build its
// command tree from the manifest, parse, execute (in a plugin process or in-process), render.
import type { Command } from 'commander';
import { checkArgCount, findCommand, FlagValueError, resolveFlagValues, terminalText, type AuthContext, type Manifest } from '@fctl-kit/protocol';
import { runExecute } from '@fctl-kit/plugin-sdk';
import { builtins, type BuiltinService } from '../builtins/index.js';
import type { Profile } from '../config/profiles.js';
import { formatDuration, PluginProcess, type ExecuteOutcome, type ExecuteRequest } from '../host/plugin-process.js';
import { EXIT, PluginFailure } from '../host/failure.js';
import { render, shouldUseColor } from '../render/index.js';
import { resolveService } from '../resolve/resolve.js';
import { detectServiceVersion } from '../stack/service-version.js';
import { buildServiceCommand, type Invocation } from './manifest-commands.js';
import { confirm } from './prompt.js';
import { isInteractive } from './io.js';
import { deprecationWarning } from '../discovery/deprecation.js';
import { refreshRegistryIfDue } from '../discovery/registry-refresh.js';
import { CliError, type Context } from './context.js';

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
    const latest = Object.values(plugin.versions)[0];
    known.set(plugin.name, latest?.description !== undefined ? terminalText(latest.description) : `${plugin.name} plugin`);
  }
  for (const name of context.globals.pluginBinaries.keys()) known.set(name, `${name} (from --plugin-binary)`);
  return known;
}

export async function runService(context: Context, service: string, program: Command, argv: string[]): Promise<number> {
  const { debug, globals } = context;
  const profile = await context.activeProfile();
  const implementation = await chooseImplementation(context, service, profile?.profile);
  try {
    let invocation: Invocation | undefined;
    // Help and usage errors of a plugin's commands are made of its manifest's texts.
    const safe = (text: string) => terminalText(text, { multiline: true });
    const output = { writeOut: (text: string) => context.io.stdout.write(safe(text)), writeErr: (text: string) => context.io.stderr.write(safe(text)) };
    program.addCommand(buildServiceCommand(implementation.manifest, implementation.manifest.description, output, (selected) => (invocation = selected)));
    await program.parseAsync(argv, { from: 'user' });
    if (!invocation) return EXIT.ok; // help was shown
    return await execute(context, implementation, invocation, profile?.profile);
  } finally {
    await implementation.close();
  }

  async function execute(context: Context, impl: Implementation, invocation: Invocation, profile: Profile | undefined): Promise<number> {
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
}

function noProfileError(service: string): CliError {
  return new CliError(
    `command "${service}" requires a plugin, but no profile is active\n       so the required version cannot be determined.\n\n  Configure a profile first: fctl profile add NAME --stack-url URL`,
    EXIT.failed,
  );
}

async function chooseImplementation(context: Context, service: string, profile: Profile | undefined): Promise<Implementation> {
  const { debug, globals } = context;
  const ephemeral = globals.pluginBinaries.get(service);
  if (ephemeral) {
    debug.core(`plugin: ${ephemeral} (--plugin-binary, for this invocation only)`);
    return startPlugin(context, { name: service, path: ephemeral });
  }
  if (!profile) throw noProfileError(service);
  debug.core(`stack: ${profile.stackUrl}`);
  const started = Date.now();
  const serviceVersion = await detectServiceVersion(profile, service).catch((error: Error) => {
    throw new CliError(error.message, EXIT.failed);
  });
  debug.core(`stack runs ${service} v${serviceVersion} (GET /versions, ${formatDuration(Date.now() - started)})`);
  const resolution = resolveService(service, serviceVersion, await context.plugins.get(service), builtins);
  if (resolution.kind === 'plugin') {
    // Released versions only: a dev build is not in any registry.
    const notServed = resolution.version === 'dev' ? undefined : await refreshRegistryIfDue(context, service, serviceVersion);
    const deprecated = resolution.version === 'dev' ? undefined : (await context.plugins.get(service))?.versions[resolution.version]?.deprecated;
    if (deprecated) context.warn(deprecationWarning(service, resolution.version, deprecated));
    if (notServed && resolution.installed.source.startsWith('registry:')) context.warn(notServed);
    debug.core(`plugin: fctl-plugin-${service} ${versionLabel(resolution.version)} (compatibleWith ${resolution.installed.compatibleWith})`);
    return startPlugin(context, {
      name: service,
      version: resolution.version,
      issues: resolution.installed.issues,
      path: resolution.installed.path,
    });
  }
  if (resolution.kind === 'builtin') {
    debug.core(`built-in ${service} commands (they cover ${service} ${resolution.builtin.covers})`);
    return builtinImplementation(resolution.builtin);
  }
  const installed = await discover(context, service, serviceVersion, profile);
  return startPlugin(context, { name: service, version: installed.version, issues: installed.installed.issues, path: installed.installed.path });
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

async function startPlugin(context: Context, plugin: { name: string; path: string; version?: string; issues?: string }): Promise<Implementation> {
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
