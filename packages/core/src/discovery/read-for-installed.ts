// Reading the registry for what is installed (a due refresh before a run, `fctl plugin registry
// refresh`): the deprecation marks of every installed version follow the registry, and the stack's
// service version is checked against what the registry still serves to this fctl (versions speaking
// no protocol it offers do not count: choose-release.ts).
import { UserError } from '../errors.js';
import type { Session } from '../session/session.js';
import { chooseRelease } from './choose-release.js';
import { loadRegistry } from './registry-client.js';
import type { RegistryLocation } from './registry-location.js';
import { recordRegistryRead } from './registry-refresh.js';
import { syncDeprecations } from './sources.js';

export interface ReadForInstalled {
  /** Set when the registry could not be reached and its cached copy was used. */
  stale?: string;
  /** Installed versions the registry deprecates, with its message. */
  deprecated: Array<{ name: string; version: string; message: string }>;
  /** Set when the registry no longer serves `serviceVersion` (what to tell the user). */
  notServed?: string;
}

export async function readRegistryForInstalled(
  session: Session,
  location: RegistryLocation,
  options: { once?: boolean; service?: string; serviceVersion?: string } = {},
): Promise<ReadForInstalled> {
  const registry = await loadRegistry(session.configDir, location, session.report.debug, { once: Boolean(options.once) });
  const installed = (await session.plugins.read()).plugins;
  for (const plugin of installed) await syncDeprecations(session, registry, plugin.name);
  // A cached copy used because the registry is unreachable is not news: the next run tries again.
  if (!registry.stale) await recordRegistryRead(session.configDir, location);
  const deprecated = (await session.plugins.read()).plugins.flatMap((plugin) =>
    Object.entries(plugin.versions).flatMap(([version, entry]) => (entry.deprecated ? [{ name: plugin.name, version, message: entry.deprecated }] : [])),
  );
  let notServed: string | undefined;
  const { service, serviceVersion } = options;
  if (service && serviceVersion && registry.index.plugins.has(service)) {
    try {
      chooseRelease(registry, service, { serviceVersion });
    } catch (error) {
      if (error instanceof UserError) notServed = `the installed "${service}" plugin keeps working, but the registry no longer serves this stack:\n         ${error.message}`;
    }
  }
  return { deprecated, ...(registry.stale ? { stale: registry.stale } : {}), ...(notServed ? { notServed } : {}) };
}
