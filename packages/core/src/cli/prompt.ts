// Yes/no questions on the terminal; never asked when fctl is not interactive.
import { createInterface } from 'node:readline/promises';
import { EXIT } from '../host/failure.js';
import { CliError, type Context } from './context.js';
import { isInteractive } from './io.js';

export async function confirm(context: Context, question: string, defaultYes = false): Promise<boolean> {
  if (!isInteractive(context.io, context.globals.nonInteractive)) {
    throw new CliError(`this command asks "${question}" and fctl is not interactive: pass --yes to confirm`, EXIT.failed);
  }
  const readline = createInterface({ input: context.io.stdin, output: context.io.stderr });
  try {
    const answer = (await readline.question(`${question} ${defaultYes ? '[Y/n]' : '[y/N]'} `)).trim().toLowerCase();
    return answer === '' ? defaultYes : answer === 'y' || answer === 'yes';
  } finally {
    readline.close();
  }
}
