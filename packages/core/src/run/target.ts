// Which implementation runs `fctl <service> ...`: the --plugin-binary file, else the resolution for
// the stack's service version (discovering and installing when nothing installed serves it); for a
// help request, what the stack last reported or the installed version a run would prefer.
import semver from 'semver';
import type { Manifest } from '@fctl-kit/protocol';
import { builtins, type BuiltinService } from '../builtins/index.js';
import type { Profile } from '../config/profiles.js';
import { deprecationWarning } from '../discovery/deprecation.js';
import { refreshRegistryIfDue } from '../discovery/registry-refresh.js';
import { UserError } from '../errors.js';
import { EXIT } from '../host/failure.js';
import { formatDuration } from '../host/plugin-process.js';
import { resolveService, type Resolution } from '../resolve/resolve.js';
import type { Session } from '../session/session.js';
import { detectServiceVersion } from '../stack/service-version.js';
import type { StoredPlugin } from '../store/plugin-store.js';
import { ServiceVersionMemory } from '../store/service-versions.js';
import { discover } from './discover.js';
import type { RunSession } from './run-session.js';
import type { PluginToStart } from './implementation.js';

/**
 * What runs a service's commands, not started yet. `offline`: chosen for a help request without asking
 * the stack (from its last answer, or because it cannot be asked); such a target never executes.
 */
export type Target =
  | { kind: 'plugin'; plugin: PluginToStart; cacheable: boolean; offline: boolean }
  | { kind: 'builtin'; builtin: BuiltinService; offline: boolean };

const versionLabel = (version: string) => (version === 'dev' ? 'dev' : `v${version}`);

export function noProfileError(service: string): UserError {
  return new UserError(
    `command "${service}" requires a plugin, but no profile is active\n       so the required version cannot be determined.\n\n  Configure a profile first: fctl profile add NAME --stack-url URL`,
    EXIT.failed,
  );
}

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

/**
 * The manifest completion uses for `service`: resolved as help is, but never asking the stack (the
 * last answer it gave, else the installed version a run prefers), and only from the manifest cache:
 * completion starts no process and sends no request. Undefined when the cache does not hold it.
 */
export async function cachedManifestFor(session: Session, service: string, profile: Profile | undefined): Promise<Manifest | undefined> {
  const stored = await session.plugins.get(service);
  const remembered = profile ? await new ServiceVersionMemory(session.configDir).get(profile.stackUrl, service) : undefined;
  const target = (remembered ? targetOf(service, resolveService(service, remembered, stored, builtins), true) : undefined) ?? fallbackForHelp(service, stored);
  if (!target) return undefined;
  if (target.kind === 'builtin') return target.builtin.plugin.manifest(1);
  const looked = await session.plugins.manifestCache().lookup(target.plugin.path);
  return looked?.cached?.manifest.name === service ? looked.cached.manifest : undefined;
}

export async function chooseTarget(session: RunSession, service: string, profile: Profile | undefined, forHelp: boolean): Promise<Target> {
  const { report, globals } = session;
  const ephemeral = globals.pluginBinaries.get(service);
  if (ephemeral) {
    report.debug(`plugin: ${ephemeral} (--plugin-binary, for this invocation only)`);
    return { kind: 'plugin', plugin: { name: service, path: ephemeral }, cacheable: false, offline: false };
  }
  const memory = new ServiceVersionMemory(session.configDir);
  if (forHelp) {
    const stored = await session.plugins.get(service);
    const remembered = profile ? await memory.get(profile.stackUrl, service) : undefined;
    const fromMemory = remembered ? targetOf(service, resolveService(service, remembered, stored, builtins), true) : undefined;
    if (fromMemory) {
      report.debug(`help: ${service} v${remembered}, as the stack last reported it (no GET /versions)`);
      return fromMemory;
    }
    if (!profile && !remembered) {
      const fallback = fallbackForHelp(service, stored);
      if (fallback) {
        report.debug('help: no profile is active; the installed version a run would prefer');
        return fallback;
      }
    }
  }
  if (!profile) throw noProfileError(service);
  report.debug(`stack: ${profile.stackUrl}`);
  const started = Date.now();
  let serviceVersion: string;
  try {
    serviceVersion = await detectServiceVersion(profile, service);
  } catch (error) {
    const fallback = forHelp ? fallbackForHelp(service, await session.plugins.get(service)) : undefined;
    if (!fallback) throw new UserError((error as Error).message, EXIT.failed);
    const shown = fallback.kind === 'plugin' ? `fctl-plugin-${service} ${versionLabel(fallback.plugin.version ?? 'dev')}` : `the built-in ${service} commands`;
    report.warn(`${(error as Error).message}
  Showing the help of ${shown}; the stack decides which version a command runs.`);
    return fallback;
  }
  report.debug(`stack runs ${service} v${serviceVersion} (GET /versions, ${formatDuration(Date.now() - started)})`);
  await memory.set(profile.stackUrl, service, serviceVersion);
  const resolution = resolveService(service, serviceVersion, await session.plugins.get(service), builtins);
  if (resolution.kind === 'plugin') {
    // Released versions only: a dev build is not in any registry.
    const notServed = resolution.version === 'dev' ? undefined : await refreshRegistryIfDue(session, service, serviceVersion);
    const deprecated = resolution.version === 'dev' ? undefined : (await session.plugins.get(service))?.versions[resolution.version]?.deprecated;
    if (deprecated) report.warn(deprecationWarning(service, resolution.version, deprecated));
    if (notServed && resolution.installed.source.startsWith('registry:')) report.warn(notServed);
    report.debug(`plugin: fctl-plugin-${service} ${versionLabel(resolution.version)} (compatibleWith ${resolution.installed.compatibleWith})`);
    return targetOf(service, resolution, false)!;
  }
  if (resolution.kind === 'builtin') {
    report.debug(`built-in ${service} commands (they cover ${service} ${resolution.builtin.covers})`);
    return targetOf(service, resolution, false)!;
  }
  const installed = await discover(session, service, serviceVersion, profile);
  return {
    kind: 'plugin',
    plugin: { name: service, version: installed.version, path: installed.installed.path, ...(installed.installed.issues ? { issues: installed.installed.issues } : {}) },
    cacheable: true,
    offline: false,
  };
}
