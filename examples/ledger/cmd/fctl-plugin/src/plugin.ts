// fctl-plugin-ledger: the ledger's commands for fctl. Its version is the ledger's own, injected at
// build time; it never appears in this code.
import { createPlugin, flag } from '@fctl-kit/plugin-sdk';
import { ledgerGet } from './client.js';

interface Posting {
  source: string;
  destination: string;
  amount: number;
  asset: string;
}
interface Transaction {
  id: number;
  timestamp: string;
  reference: string;
  postings: Posting[];
  metadata: Record<string, string>;
}
interface Account {
  address: string;
  balances: Record<string, number>;
}
interface Cursor<T> {
  cursor: { pageSize: number; hasMore: boolean; data: T[] };
}

export const plugin = createPlugin({
  name: 'ledger',
  description: 'Ledger v3: transactions and accounts',
  repository: 'https://github.com/acme/ledger',
  issues: 'https://github.com/acme/ledger/issues',
  compatibleWith: '>=3.0.0 <4.0.0',
  flags: { ledger: flag.string({ description: 'Ledger name', default: 'default' }) },
});

const transactions = plugin.group({ use: 'transactions', aliases: ['tx'], short: 'Read transactions' });

transactions.command({
  use: 'list',
  short: 'List transactions, newest first',
  examples: ['fctl ledger transactions list --page-size 5', 'fctl ledger tx list --reference ref-001'],
  flags: {
    'page-size': flag.int({ description: 'How many transactions to show', default: 15 }),
    reference: flag.string({ description: 'Only the transaction with this reference' }),
  },
  display: {
    rowsPath: '$.data',
    columns: [
      { header: 'ID', jsonPath: '$.id', format: 'number' },
      { header: 'TIMESTAMP', jsonPath: '$.timestamp', format: 'timestamp' },
      { header: 'REFERENCE', jsonPath: '$.reference' },
      { header: 'POSTINGS', jsonPath: '$.postingCount', format: 'number' },
    ],
  },
  async run({ flags, http, signal, log }) {
    const page = await ledgerGet<Cursor<Transaction>>({ http, signal, log }, flags.ledger, 'transactions', {
      pageSize: flags['page-size'],
      reference: flags.reference,
    });
    log.debug(`${page.cursor.data.length} transactions`);
    return { hasMore: page.cursor.hasMore, data: page.cursor.data.map((tx) => ({ ...tx, postingCount: tx.postings.length })) };
  },
});

transactions.command({
  use: 'show',
  short: 'Show one transaction and its postings',
  args: { min: 1, max: 1, names: ['ID'] },
  display: {
    sections: [
      {
        title: 'Transaction',
        fields: [
          { label: 'ID', jsonPath: '$.id', format: 'number' },
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
  async run({ flags, args, http, signal, log }) {
    const [id] = args;
    const { data } = await ledgerGet<{ data: Transaction }>({ http, signal, log }, flags.ledger, `transactions/${encodeURIComponent(id!)}`);
    return data;
  },
});

const accounts = plugin.group({ use: 'accounts', short: 'Read accounts and balances' });

accounts.command({
  use: 'list',
  short: 'List accounts with their balances',
  flags: {
    address: flag.string({ description: 'Only accounts whose address starts with this prefix' }),
    'page-size': flag.int({ description: 'How many accounts to show', default: 15 }),
  },
  display: {
    rowsPath: '$.data',
    columns: [
      { header: 'ADDRESS', jsonPath: '$.address' },
      { header: 'BALANCES', jsonPath: '$.balanceSummary' },
    ],
  },
  async run({ flags, http, signal, log }) {
    const page = await ledgerGet<Cursor<Account>>({ http, signal, log }, flags.ledger, 'accounts', {
      address: flags.address,
      pageSize: flags['page-size'],
    });
    const summary = (balances: Record<string, number>) =>
      Object.entries(balances)
        .map(([asset, amount]) => `${asset} ${amount}`)
        .join(', ');
    return { hasMore: page.cursor.hasMore, data: page.cursor.data.map((a) => ({ ...a, balanceSummary: summary(a.balances) })) };
  },
});
