// The ledger's data: transactions made of postings; account balances follow from them.
export interface Posting {
  source: string;
  destination: string;
  amount: number;
  asset: string;
}

export interface Transaction {
  id: number;
  timestamp: string;
  reference: string;
  postings: Posting[];
  metadata: Record<string, string>;
}

export interface LedgerData {
  ledgers: Record<string, Transaction[]>;
}

export interface Account {
  address: string;
  balances: Record<string, number>;
}

export class ValidationError extends Error {}
export class ConflictError extends Error {}

const ADDRESS = /^[a-z0-9_]+(:[a-z0-9_]+)*$/i;
const ASSET = /^[A-Z][A-Z0-9]{0,16}(\/\d{1,6})?$/;

export function validatePostings(value: unknown): Posting[] {
  if (!Array.isArray(value) || value.length === 0) throw new ValidationError('postings must be a non-empty list');
  return value.map((posting, index) => {
    const { source, destination, amount, asset } = (posting ?? {}) as Record<string, unknown>;
    if (typeof source !== 'string' || !ADDRESS.test(source)) throw new ValidationError(`postings[${index}].source is not an account address`);
    if (typeof destination !== 'string' || !ADDRESS.test(destination)) throw new ValidationError(`postings[${index}].destination is not an account address`);
    if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0) throw new ValidationError(`postings[${index}].amount must be a positive integer`);
    if (typeof asset !== 'string' || !ASSET.test(asset)) throw new ValidationError(`postings[${index}].asset is not an asset like USD/2`);
    return { source, destination, amount, asset };
  });
}

export function accountsOf(transactions: Transaction[]): Account[] {
  const balances = new Map<string, Record<string, number>>();
  const move = (address: string, asset: string, delta: number) => {
    const account = balances.get(address) ?? {};
    account[asset] = (account[asset] ?? 0) + delta;
    balances.set(address, account);
  };
  for (const transaction of transactions) {
    for (const posting of transaction.postings) {
      move(posting.source, posting.asset, -posting.amount);
      move(posting.destination, posting.asset, posting.amount);
    }
  }
  return [...balances.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([address, b]) => ({ address, balances: b }));
}

/** Deterministic sample data for a new data file. */
export function seed(): LedgerData {
  const at = (minutes: number) => new Date(Date.UTC(2026, 4, 14, 9, 0) + minutes * 60_000).toISOString();
  const tx = (id: number, minutes: number, reference: string, postings: Posting[]): Transaction => ({ id, timestamp: at(minutes), reference, postings, metadata: {} });
  return {
    ledgers: {
      default: [
        tx(1, 0, 'init', [{ source: 'world', destination: 'bank', amount: 100000, asset: 'USD/2' }]),
        tx(2, 30, 'ref-001', [
          { source: 'bank', destination: 'users:001', amount: 2500, asset: 'USD/2' },
          { source: 'bank', destination: 'fees', amount: 25, asset: 'USD/2' },
        ]),
        tx(3, 45, '', [{ source: 'users:001', destination: 'merchants:042', amount: 1200, asset: 'USD/2' }]),
        tx(4, 60, 'ref-002', [{ source: 'world', destination: 'users:002', amount: 50, asset: 'EUR/2' }]),
      ],
    },
  };
}
