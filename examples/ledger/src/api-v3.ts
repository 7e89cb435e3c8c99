// Ledger API v3 (service versions >= 3.0.0): cursors, metadata, transaction creation.
import type { IncomingMessage } from 'node:http';
import { accountsOf, ConflictError, ValidationError } from './model.js';
import { HttpError, pageSize, readJsonBody } from './http.js';
import type { LedgerStore } from './store.js';

export const V3_PREFIX = '/api/ledger/v3/';

export async function handleV3(store: LedgerStore, req: IncomingMessage, url: URL): Promise<{ status: number; body: unknown }> {
  const [ledger, resource, id, ...rest] = url.pathname.slice(V3_PREFIX.length).split('/').map(decodeURIComponent);
  const transactions = ledger ? store.transactions(ledger) : undefined;
  if (!ledger || rest.length) throw new HttpError(404, 'NOT_FOUND', `no route ${url.pathname}`);

  if (resource === 'transactions' && id === undefined && req.method === 'POST') {
    try {
      return { status: 201, body: { data: store.create(ledger, await readJsonBody(req)) } };
    } catch (error) {
      if (error instanceof ValidationError) throw new HttpError(400, 'VALIDATION', error.message);
      if (error instanceof ConflictError) throw new HttpError(409, 'CONFLICT', error.message);
      throw error;
    }
  }
  if (req.method !== 'GET') throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed here`);
  if (!transactions) throw new HttpError(404, 'NOT_FOUND', `ledger ${ledger} not found`);

  if (resource === 'transactions' && id === undefined) {
    const reference = url.searchParams.get('reference');
    const size = pageSize(url);
    const matching = [...transactions].reverse().filter((tx) => reference === null || tx.reference === reference);
    return { status: 200, body: { cursor: { pageSize: size, hasMore: matching.length > size, data: matching.slice(0, size) } } };
  }
  if (resource === 'transactions') {
    const transaction = transactions.find((tx) => String(tx.id) === id);
    if (!transaction) throw new HttpError(404, 'NOT_FOUND', `transaction ${id} not found in ledger ${ledger}`);
    return { status: 200, body: { data: transaction } };
  }
  if (resource === 'accounts' && id === undefined) {
    const prefix = url.searchParams.get('address') ?? '';
    const size = pageSize(url);
    const matching = accountsOf(transactions).filter((account) => account.address.startsWith(prefix));
    return { status: 200, body: { cursor: { pageSize: size, hasMore: matching.length > size, data: matching.slice(0, size) } } };
  }
  throw new HttpError(404, 'NOT_FOUND', `no route ${url.pathname}`);
}
