// Built-in ledger commands for Ledger < 3.0.0 (API v2). Frozen: new features land in the plugin.
import { HttpRequestError, requestBuffered, type BufferedResponse } from '@fctl-kit/http';
import { CommandError, createPlugin, flag, type CommandContext } from '@fctl-kit/plugin-sdk';
import type { BuiltinService } from './index.js';

interface V2Transaction {
  txid: number;
  timestamp: string;
  reference: string;
  postings: Array<{ source: string; destination: string; amount: number; asset: string }>;
}

async function get<T>(context: CommandContext<{ ledger: string }>, path: string): Promise<T> {
  const url = new URL(`${context.auth.serviceUrl}/api/ledger/v2/${encodeURIComponent(context.flags.ledger)}/${path}`);
  let response: BufferedResponse;
  try {
    response = await requestBuffered(url, {
      headers: { accept: 'application/json' },
      ...(context.auth.accessToken ? { credentials: { headers: { authorization: `Bearer ${context.auth.accessToken}` } } } : {}),
      plainHttpOrigin: url.origin,
      insecureTls: context.auth.insecureSkipTlsVerify,
      maxBytes: 64 * 1024 * 1024,
      signal: context.signal,
    });
  } catch (error) {
    throw new CommandError('unavailable', `cannot reach the ledger at ${context.auth.serviceUrl}: ${error instanceof HttpRequestError ? error.reason : (error as Error).message}`);
  }
  let body: T & { errorMessage?: string; errorCode?: string };
  try {
    body = response.json();
  } catch {
    body = {} as typeof body;
  }
  if (response.status >= 200 && response.status < 300) return body;
  const kind = response.status === 404 ? 'not_found' : response.status === 401 || response.status === 403 ? 'auth' : 'service';
  throw new CommandError(kind, body.errorMessage ?? `the ledger answered HTTP ${response.status}`, body.errorCode);
}

const plugin = createPlugin({
  name: 'ledger',
  description: 'Ledger v1/v2 (built-in commands)',
  flags: { ledger: flag.string({ description: 'Ledger name', default: 'default' }) },
});

const transactions = plugin.group({ use: 'transactions', aliases: ['tx'], short: 'Read transactions' });
transactions.command({
  use: 'list',
  short: 'List transactions',
  display: {
    rowsPath: '$.cursor.data',
    columns: [
      { header: 'ID', jsonPath: '$.txid', format: 'number' },
      { header: 'TIMESTAMP', jsonPath: '$.timestamp', format: 'timestamp' },
      { header: 'REFERENCE', jsonPath: '$.reference' },
    ],
  },
  run: (context) => get(context, 'transactions'),
});
transactions.command({
  use: 'show',
  short: 'Show one transaction',
  args: { min: 1, max: 1, names: ['ID'] },
  display: {
    sections: [
      {
        title: 'Transaction',
        fields: [
          { label: 'ID', jsonPath: '$.txid', format: 'number' },
          { label: 'Timestamp', jsonPath: '$.timestamp', format: 'timestamp' },
          { label: 'Reference', jsonPath: '$.reference' },
        ],
      },
      {
        title: 'Postings',
        rowsPath: '$.postings',
        columns: [
          { header: 'SOURCE', jsonPath: '$.source' },
          { header: 'DESTINATION', jsonPath: '$.destination' },
          { header: 'AMOUNT', jsonPath: '$.amount', format: 'number' },
          { header: 'ASSET', jsonPath: '$.asset' },
        ],
      },
    ],
  },
  run: async (context) => (await get<{ data: V2Transaction }>(context, `transactions/${encodeURIComponent(context.args[0]!)}`)).data,
});

const accounts = plugin.group({ use: 'accounts', short: 'Read accounts' });
accounts.command({
  use: 'list',
  short: 'List accounts',
  display: { rowsPath: '$.cursor.data', columns: [{ header: 'ADDRESS', jsonPath: '$.address' }] },
  run: (context) => get(context, 'accounts'),
});

export const builtinLedger: BuiltinService = { service: 'ledger', covers: '<3.0.0', plugin: plugin as BuiltinService['plugin'] };
