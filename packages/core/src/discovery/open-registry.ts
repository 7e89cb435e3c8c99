// The configured registry, loaded for this command (undefined when none is configured).
import { EXIT } from '../host/failure.js';
import { UserError } from '../errors.js';
import type { Session } from '../session/session.js';
import { loadRegistry, type LoadedRegistry } from './registry-client.js';
import { configuredRegistry } from './registry-location.js';

export async function openConfiguredRegistry(session: Session): Promise<LoadedRegistry | undefined> {
  let location;
  try {
    location = await configuredRegistry(session.configDir, session.env);
  } catch (error) {
    throw new UserError(`the configured plugin registry is unusable: ${(error as Error).message}`, EXIT.failed);
  }
  if (!location) return undefined;
  session.report.debug(`registry: ${location.display}`);
  const loaded = await loadRegistry(session.configDir, location, session.report.debug).catch((error: Error) => {
    throw new UserError(error.message, EXIT.failed);
  });
  if (loaded.stale) session.report.warn(loaded.stale);
  return loaded;
}
