// The ledger's state, persisted to one JSON file (written atomically: temp file then rename).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { ConflictError, seed, validatePostings, type LedgerData, type Transaction } from './model.js';

export class LedgerStore {
  private data: LedgerData;

  constructor(private readonly file: string | undefined) {
    this.data = file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as LedgerData) : seed();
    this.save();
  }

  transactions(ledger: string): Transaction[] | undefined {
    return this.data.ledgers[ledger];
  }

  create(ledger: string, input: Record<string, unknown>): Transaction {
    const postings = validatePostings(input.postings);
    const reference = typeof input.reference === 'string' ? input.reference : '';
    const metadata = (input.metadata && typeof input.metadata === 'object' ? input.metadata : {}) as Record<string, string>;
    const list = (this.data.ledgers[ledger] ??= []);
    if (reference && list.some((tx) => tx.reference === reference)) throw new ConflictError(`reference ${reference} already used`);
    const transaction: Transaction = { id: list.length + 1, timestamp: new Date().toISOString(), reference, postings, metadata };
    list.push(transaction);
    this.save();
    return transaction;
  }

  private save(): void {
    if (!this.file) return;
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.data, null, 2));
    renameSync(temporary, this.file);
  }
}
