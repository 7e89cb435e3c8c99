// The host's run path for `fctl <service> ...`, below any front end: choose the target (resolve,
// discover, install), take its manifest from the cache or a started process, have the front end
// parse the command line against it, start what runs it, execute, have the front end render.
import type { Profile } from '../config/profiles.js';
import { EXIT } from '../host/failure.js';
import { sameManifest } from '../store/manifest-cache.js';
import { execute, type RenderData } from './execute.js';
import type { RunSession } from './run-session.js';
import { builtinImplementation, startPlugin, type PluginImplementation } from './implementation.js';
import type { ParseCommandLine } from './invocation.js';
import { chooseTarget, type Target } from './target.js';

export interface ServiceRun {
  service: string;
  profile: Profile | undefined;
  /**
   * The command line looks like a help request: the target may come from what the stack last
   * reported and the manifest from the cache. (The parse decides; a run never relies on this.)
   */
  forHelp: boolean;
  parse: ParseCommandLine;
  render: RenderData;
}

export async function runService(session: RunSession, run: ServiceRun): Promise<number> {
  const { service, profile } = run;
  const outcome = await runTarget(session, run, await chooseTarget(session, service, profile, run.forHelp));
  if (outcome !== 'resolve-online') return outcome;
  // The words looked like a help request but select a command: a run resolves with the stack's answer.
  const online = await runTarget(session, run, await chooseTarget(session, service, profile, false));
  return online === 'resolve-online' ? EXIT.failed : online; // (an online target never asks again)
}

async function runTarget(session: RunSession, run: ServiceRun, target: Target): Promise<number | 'resolve-online'> {
  const { report } = session;
  const { service, profile, parse, render } = run;
  if (target.kind === 'builtin') {
    const implementation = builtinImplementation(target.builtin);
    const invocation = await parse(implementation.manifest);
    if (!invocation) return EXIT.ok; // help was shown
    if (target.offline) return 'resolve-online';
    return execute(session, service, implementation, invocation, profile, render);
  }
  // The manifest of the file about to be started, when the cache holds it: the command line is parsed
  // (help shown, usage errors reported) without a plugin process.
  const cache = target.cacheable ? session.plugins.manifestCache(report.debug) : undefined;
  const looked = cache ? await cache.lookup(target.plugin.path) : undefined;
  const cached = looked?.cached?.manifest.name === target.plugin.name ? looked.cached : undefined;
  if (cached) report.debug(`manifest: from the cache (sha256 ${cached.sha256.slice(0, 12)}, protocol v${cached.protocolVersion}): no plugin process to parse the command line`);
  let started: PluginImplementation | undefined;
  try {
    let manifest = cached?.manifest;
    if (!manifest) {
      started = await startPlugin(session, target.plugin);
      manifest = started.manifest;
      if (cache && looked) await cache.remember(looked.file, started.protocolVersion, manifest);
    }
    let invocation = await parse(manifest);
    if (!invocation) return EXIT.ok; // help was shown
    if (target.offline) return 'resolve-online';
    if (!started) {
      started = await startPlugin(session, target.plugin);
      if (!sameManifest(started.manifest, manifest)) {
        report.debug('manifest: the plugin reports another manifest than the cached one: cache refreshed, command line parsed again');
        if (cache && looked) await cache.remember(looked.file, started.protocolVersion, started.manifest);
        invocation = await parse(started.manifest);
        if (!invocation) return EXIT.ok;
      }
    }
    return await execute(session, service, started, invocation, profile, render);
  } finally {
    await started?.close();
  }
}
