// One command on a started implementation: flag values and arguments checked, deprecations and the
// command's confirmation, the auth context built from the profile, execute (v2's requests go through
// the broker, inside the plugin process), and the answer turned into an exit code, its data rendered
// by the front end while the plugin process is still open.
import { checkArgCount, findCommand, FlagValueError, resolveFlagValues, terminalText, type AuthContext, type Display } from '@fctl-kit/protocol';
import type { Profile } from '../config/profiles.js';
import { UserError } from '../errors.js';
import { EXIT } from '../host/failure.js';
import type { RunSession } from './run-session.js';
import type { Implementation } from './implementation.js';
import type { Invocation } from './invocation.js';
import { noProfileError } from './target.js';

/** Shows a successful command's data (the front end's renderer), with the command's display schema. */
export type RenderData = (data: unknown, display: Display | undefined) => Promise<void>;

/** Runs one invocation; the exit code (errors are thrown: UserError, PluginFailure). */
export async function execute(session: RunSession, service: string, impl: Implementation, invocation: Invocation, profile: Profile | undefined, render: RenderData): Promise<number> {
  const { report, globals } = session;
  const found = findCommand(impl.manifest, invocation.path)!;
  let flags;
  try {
    checkArgCount(invocation.args, invocation.spec.args);
    flags = resolveFlagValues(found.flags, invocation.given);
  } catch (error) {
    if (error instanceof FlagValueError) throw new UserError(`${[service, ...invocation.path].join(' ')}: ${terminalText(error.message)}`, EXIT.usage);
    throw error;
  }
  if (invocation.spec.deprecated) report.warn(`command "${[service, ...invocation.path].join(' ')}" is deprecated: ${terminalText(invocation.spec.deprecated)}`);
  for (const message of invocation.deprecatedFlags) report.warn(`flag ${terminalText(message)}`);
  if (!profile) throw noProfileError(service);
  if (invocation.spec.confirm && !globals.yes) {
    const accepted = await report.confirm(terminalText(invocation.spec.confirm));
    if (!accepted) {
      report.status('Aborted.\n');
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
  const outcome = await impl.run({ command: invocation.path, args: invocation.args, flags, output: globals.output, debug: globals.debug, auth }, session.interrupted);
  if (outcome.status === 'cancelled') {
    report.status('Cancelled.\n');
    return EXIT.interrupted;
  }
  if (outcome.status === 'error') {
    const { kind, code } = outcome.error;
    const message = terminalText(outcome.error.message, { multiline: true });
    if (kind === 'internal' && impl.failureFromAnswer) throw impl.failureFromAnswer('internal', message);
    const suffix = code ? ` (${terminalText(code)})` : '';
    throw new UserError(`${message}${suffix}`, kind === 'usage' ? EXIT.usage : kind === 'cancelled' ? EXIT.interrupted : EXIT.failed);
  }
  await render(outcome.data, invocation.spec.display);
  return EXIT.ok;
}
