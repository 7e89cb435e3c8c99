// Ledger API v2 (service versions < 3.0.0): the older shape (txid, no metadata, read-only here).
import type { IncomingMessage } from 'node:http';
import { accountsOf } from './model.js';
import { HttpError } from './http.js';
import type { LedgerStore } from './store.js';

export const V2_PREFIX = '/api/ledger/v2/';

export function handleV2(store: LedgerStore, req: IncomingMessage, url: URL): { status: number; body: unknown } {
  const [ledger, resource, id, ...rest] = url.pathname.slice(V2_PREFIX.length).split('/').map(decodeURIComponent);
  if (req.method !== 'GET') throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed here`);
  const transactions = ledger ? store.transactions(ledger) : undefined;
  if (!ledger || rest.length) throw new HttpError(404, 'NOT_FOUND', `no route ${url.pathname}`);
  if (!transactions) throw new HttpError(404, 'NOT_FOUND', `ledger ${ledger} not found`);
  const v2 = (tx: (typeof transactions)[number]) => ({ txid: tx.id, timestamp: tx.timestamp, reference: tx.reference, postings: tx.postings });

  if (resource === 'transactions' && id === undefined) return { status: 200, body: { cursor: { data: [...transactions].reverse().map(v2) } } };
  if (resource === 'transactions') {
    const transaction = transactions.find((tx) => String(tx.id) === id);
    if (!transaction) throw new HttpError(404, 'NOT_FOUND', `transaction ${id} not found in ledger ${ledger}`);
    return { status: 200, body: { data: v2(transaction) } };
  }
  if (resource === 'accounts' && id === undefined) {
    return { status: 200, body: { cursor: { data: accountsOf(transactions).map(({ address }) => ({ address })) } } };
  }
  throw new HttpError(404, 'NOT_FOUND', `no route ${url.pathname}`);
}
