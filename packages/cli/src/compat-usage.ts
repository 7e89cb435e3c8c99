// The compat commands' usage errors: a flag or an input the user got wrong exits 2 with the
// message, commander's own refusals (a missing required option, an unknown flag) included.
import { CommanderError } from 'commander';
import { terminalText } from '@fctl-kit/protocol';

/** A flag the user got wrong: exit 2 with the message. */
export class UsageError extends Error {}

/** commander's own refusals (a missing --registry, an unknown flag) exit 2 too, as usage errors. */
export const usageExit = (error: CommanderError) => {
  throw error.exitCode === 0 ? error : new CommanderError(2, error.code, error.message);
};

export async function usage<T>(action: () => Promise<T>): Promise<T | undefined> {
  try {
    return await action();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`Error: ${terminalText(error.message, { multiline: true })}\n`);
    process.exitCode = 2;
    return undefined;
  }
}

