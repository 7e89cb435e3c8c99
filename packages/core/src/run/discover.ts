// RFC 0002 journeys 1, 3 and 6: no installed version serves the stack, so find the plugin version in
// the registry, ask the user (through the reporter), install it.
import type { Profile } from '../config/profiles.js';
import { UserError } from '../errors.js';
import { EXIT } from '../host/failure.js';
import type { InstallOutcome } from '../discovery/install-release.js';
import type { Session } from '../session/session.js';

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

export async function discover(session: Session, service: string, serviceVersion: string, profile: Profile): Promise<InstallOutcome> {
  const stack = profile.stackId ? `stack "${profile.stackId}"` : `the stack at ${profile.stackUrl}`;
  const Service = capitalize(service);
  // Loaded only now: the registry loader and the distribution backends are not worth loading for a run of an installed plugin.
  const { chooseRelease, fromRegistry, installRelease, openConfiguredRegistry, syncDeprecations } = await import('../discovery/index.js');
  const registry = await openConfiguredRegistry(session);
  if (!registry) {
    throw new UserError(
      `${stack} runs ${Service} v${serviceVersion}, which requires\n       the "${service}" plugin. No compatible version is installed,\n       and no plugin registry is configured to discover one.\n\n  Run: fctl plugin install ${service} --path <binary | source directory>`,
      EXIT.failed,
    );
  }
  const found = chooseRelease(registry, service, { serviceVersion }, session.report);
  if (!session.report.interactive) {
    throw new UserError(
      `${stack} runs ${Service} v${serviceVersion}, which requires\n       the "${service}" plugin. No compatible version is installed.\n\n  Run: fctl plugin install ${service}`,
      EXIT.failed,
    );
  }
  session.report.status(
    `\n  The "${service}" command requires a plugin that is not installed.\n\n  ${capitalize(stack)} runs ${Service} v${serviceVersion}.\n  Compatible plugin: fctl-plugin-${service} v${found.version}\n\n`,
  );
  if (!(await session.report.confirm('  Install it now?', true))) {
    throw new UserError(`the "${service}" plugin was not installed.\n\n  Install it later: fctl plugin install ${service}`, EXIT.failed);
  }
  const outcome = await installRelease(session, fromRegistry(registry, found));
  await syncDeprecations(session, registry, service);
  session.report.status('Plugin installed.\n\n');
  return outcome;
}
