// fctl profile add|use|show|list|remove
import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import type { Display } from '@fctl-kit/protocol';
import { EXIT } from '../host/failure.js';
import { configureCommand } from './commander-setup.js';
import { UserError } from '../errors.js';
import type { Context } from './context.js';
import { printData } from './print.js';

const LIST_DISPLAY: Display = {
  columns: [
    { header: 'NAME', jsonPath: '$.name' },
    { header: 'STACK URL', jsonPath: '$.stackUrl' },
    { header: 'CURRENT', jsonPath: '$.current', format: 'boolean' },
  ],
};

const SHOW_DISPLAY: Display = {
  sections: [
    {
      title: 'Profile',
      fields: [
        { label: 'Name', jsonPath: '$.name' },
        { label: 'Stack URL', jsonPath: '$.stackUrl' },
        { label: 'Organization', jsonPath: '$.organizationId' },
        { label: 'Stack', jsonPath: '$.stackId' },
        { label: 'Access token', jsonPath: '$.accessToken' },
        { label: 'Skip TLS verification', jsonPath: '$.insecureSkipTlsVerify', format: 'boolean' },
        { label: 'Current', jsonPath: '$.current', format: 'boolean' },
      ],
    },
  ],
};

async function readToken(options: { tokenFile?: string; tokenStdin?: boolean }, context: Context): Promise<string | undefined> {
  if (options.tokenFile && options.tokenStdin) throw new UserError('use --token-file or --token-stdin, not both', EXIT.usage);
  let token: string | undefined;
  if (options.tokenFile) token = await readFile(options.tokenFile, 'utf8');
  if (options.tokenStdin) {
    const chunks: Buffer[] = [];
    for await (const chunk of context.io.stdin) chunks.push(Buffer.from(chunk as Buffer));
    token = Buffer.concat(chunks).toString('utf8');
  }
  token = token?.trim();
  if (token === '') throw new UserError('the access token is empty', EXIT.usage);
  return token;
}

export function profileCommands(context: Context): Command {
  const profile = configureCommand(new Command('profile')).description('Manage profiles (a stack URL plus credentials)');

  profile.addCommand(
    configureCommand(new Command('add'))
      .description('Create or replace a profile')
      .argument('<name>')
      .requiredOption('--stack-url <url>', 'Base URL of the stack')
      .option('--token-file <path>', 'Read the access token from this file')
      .option('--token-stdin', 'Read the access token from standard input')
      .option('--organization <id>', 'Organization id')
      .option('--stack <id>', 'Stack id')
      .addOption(new Option('--insecure-skip-tls-verify', 'Do not verify the stack TLS certificate'))
      .option('--use', 'Make it the current profile')
      .action(async (name: string, options) => {
        const accessToken = await readToken(options, context);
        await context.profiles.add(
          name,
          {
            stackUrl: options.stackUrl,
            ...(accessToken ? { accessToken } : {}),
            ...(options.organization ? { organizationId: options.organization } : {}),
            ...(options.stack ? { stackId: options.stack } : {}),
            ...(options.insecureSkipTlsVerify ? { insecureSkipTlsVerify: true } : {}),
          },
          Boolean(options.use),
        );
        context.io.stderr.write(`Profile "${name}" saved.\n`);
      }),
  );

  profile.addCommand(
    configureCommand(new Command('use'))
      .description('Make a profile the current one')
      .argument('<name>')
      .action(async (name: string) => {
        await context.profiles.use(name);
        context.io.stdout.write(`Switched to profile "${name}".\n`);
      }),
  );

  profile.addCommand(
    configureCommand(new Command('show'))
      .description('Show a profile (the current one by default); tokens are never printed')
      .argument('[name]')
      .action(async (name: string | undefined) => {
        const file = await context.profiles.read();
        const active = await context.profiles.active(name ?? context.globals.profile);
        if (!active) throw new UserError('no profile is active: fctl profile add NAME --stack-url URL', EXIT.failed);
        const { accessToken, ...rest } = active.profile;
        await printData(context, { name: active.name, ...rest, accessToken: accessToken ? '(set)' : '(none)', current: file.currentProfile === active.name }, SHOW_DISPLAY);
      }),
  );

  profile.addCommand(
    configureCommand(new Command('list'))
      .description('List profiles')
      .action(async () => {
        const file = await context.profiles.read();
        const rows = Object.entries(file.profiles).map(([name, p]) => ({ name, stackUrl: p.stackUrl, current: name === file.currentProfile }));
        await printData(context, rows, LIST_DISPLAY);
      }),
  );

  profile.addCommand(
    configureCommand(new Command('remove'))
      .description('Delete a profile')
      .argument('<name>')
      .action(async (name: string) => {
        await context.profiles.remove(name);
        context.io.stderr.write(`Profile "${name}" removed.\n`);
      }),
  );
  return profile;
}
