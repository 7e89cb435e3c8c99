// The configured registry, loaded for this command (undefined when none is configured).
import { EXIT } from '../host/failure.js';
import { CliError, type Context } from '../cli/context.js';
import { loadRegistry, type LoadedRegistry } from './registry-client.js';
import { configuredRegistry } from './registry-location.js';

export async function openConfiguredRegistry(context: Context): Promise<LoadedRegistry | undefined> {
  let location;
  try {
    location = await configuredRegistry(context.configDir, context.io.env);
  } catch (error) {
    throw new CliError(`the configured plugin registry is unusable: ${(error as Error).message}`, EXIT.failed);
  }
  if (!location) return undefined;
  context.debug.core(`registry: ${location.display}`);
  const loaded = await loadRegistry(context.configDir, location, context.debug.core).catch((error: Error) => {
    throw new CliError(error.message, EXIT.failed);
  });
  if (loaded.stale) context.warn(loaded.stale);
  return loaded;
}
