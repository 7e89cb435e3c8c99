// fctl-plugin-payments: the payments service's commands for fctl. It speaks protocol v2 only: every
// request goes through fctl's broker, so this plugin never holds a token, and an fctl that speaks
// only v1 cannot run it (the registry records [2]; such an fctl skips it and says why). Its version
// is the service's, injected at build time.
import { CommandError, HttpRequestError, createPlugin, flag, type HttpClient } from '@fctl-kit/plugin-sdk';

interface Payment {
  id: string;
  createdAt: string;
  amount: number;
  asset: string;
  status: string;
  reference: string;
}

export const plugin = createPlugin({
  name: 'payments',
  description: 'Payments: list and show payments',
  repository: 'https://github.com/acme/payments',
  issues: 'https://github.com/acme/payments/issues',
  compatibleWith: '>=1.0.0 <2.0.0',
  protocolVersions: [2],
});

async function paymentsGet<T>(http: HttpClient, signal: AbortSignal, path: string): Promise<T> {
  let response: Response;
  try {
    response = await http.fetch(`/api/payments/v1/${path}`, { headers: { accept: 'application/json' }, signal });
  } catch (error) {
    if (!signal.aborted && HttpRequestError.is(error) && (error.kind === 'unavailable' || error.kind === 'timeout')) {
      throw new CommandError('unavailable', `cannot reach the payments service: ${error.message}`, error.code);
    }
    throw error;
  }
  const body = (await response.json().catch(() => ({}))) as T & { errorCode?: string; errorMessage?: string };
  if (!response.ok) {
    const message = body.errorMessage ?? `the payments service answered HTTP ${response.status}`;
    throw new CommandError(response.status === 404 ? 'not_found' : response.status === 401 || response.status === 403 ? 'auth' : 'service', message, body.errorCode);
  }
  return body;
}

plugin.command({
  use: 'list',
  short: 'List payments, newest first',
  examples: ['fctl payments list', 'fctl payments list --status failed'],
  flags: { status: flag.string({ description: 'Only payments in this status', enum: ['pending', 'succeeded', 'failed'] }) },
  display: {
    rowsPath: '$.data',
    columns: [
      { header: 'ID', jsonPath: '$.id' },
      { header: 'CREATED', jsonPath: '$.createdAt', format: 'timestamp' },
      { header: 'AMOUNT', jsonPath: '$.amount', format: 'number' },
      { header: 'ASSET', jsonPath: '$.asset' },
      { header: 'STATUS', jsonPath: '$.status' },
    ],
  },
  async run({ flags, http, signal }) {
    const query = flags.status ? `?status=${encodeURIComponent(flags.status)}` : '';
    const page = await paymentsGet<{ cursor: { data: Payment[] } }>(http, signal, `payments${query}`);
    return { data: page.cursor.data };
  },
});

plugin.command({
  use: 'show',
  short: 'Show one payment',
  args: { min: 1, max: 1, names: ['ID'] },
  display: {
    sections: [
      {
        title: 'Payment',
        fields: [
          { label: 'ID', jsonPath: '$.id' },
          { label: 'Created', jsonPath: '$.createdAt', format: 'timestamp' },
          { label: 'Amount', jsonPath: '$.amount', format: 'number' },
          { label: 'Asset', jsonPath: '$.asset' },
          { label: 'Status', jsonPath: '$.status' },
          { label: 'Reference', jsonPath: '$.reference' },
        ],
      },
    ],
  },
  async run({ args, http, signal }) {
    const { data } = await paymentsGet<{ data: Payment }>(http, signal, `payments/${encodeURIComponent(args[0]!)}`);
    return data;
  },
});
