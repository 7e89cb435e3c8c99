// The example payments service: /versions, and /api/payments/v1 (payments, listed newest first and
// shown one at a time). In memory; the data is the same at every start.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Payment {
  id: string;
  createdAt: string;
  amount: number;
  asset: string;
  status: 'pending' | 'succeeded' | 'failed';
  reference: string;
}

export const SAMPLE_PAYMENTS: readonly Payment[] = [
  { id: 'pay_003', createdAt: '2026-05-14T10:00:00Z', amount: 2500, asset: 'EUR', status: 'pending', reference: 'order-1003' },
  { id: 'pay_002', createdAt: '2026-05-14T09:30:00Z', amount: 990, asset: 'USD', status: 'failed', reference: 'order-1002' },
  { id: 'pay_001', createdAt: '2026-05-14T09:00:00Z', amount: 12000, asset: 'USD', status: 'succeeded', reference: 'order-1001' },
];

export const API_PREFIX = '/api/payments/v1/';

export interface PaymentsServiceOptions {
  /** Semver, reported by /versions. */
  version: string;
  host?: string;
  port?: number;
  /** When set, every route but /versions requires `Authorization: Bearer <token>`. */
  token?: string;
}

export interface RunningPaymentsService {
  url: string;
  version: string;
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function route(url: URL, method: string): { status: number; body: unknown } {
  if (method !== 'GET') return { status: 405, body: { errorCode: 'METHOD_NOT_ALLOWED', errorMessage: `${method} is not allowed here` } };
  const [resource, id, ...rest] = url.pathname.slice(API_PREFIX.length).split('/').map(decodeURIComponent);
  if (resource !== 'payments' || rest.length) return { status: 404, body: { errorCode: 'NOT_FOUND', errorMessage: `no route ${url.pathname}` } };
  if (id === undefined || id === '') {
    const status = url.searchParams.get('status');
    return { status: 200, body: { cursor: { data: SAMPLE_PAYMENTS.filter((payment) => !status || payment.status === status) } } };
  }
  const payment = SAMPLE_PAYMENTS.find((candidate) => candidate.id === id);
  return payment ? { status: 200, body: { data: payment } } : { status: 404, body: { errorCode: 'NOT_FOUND', errorMessage: `payment ${id} not found` } };
}

export async function startPaymentsService(options: PaymentsServiceOptions): Promise<RunningPaymentsService> {
  if (!/^\d+\.\d+\.\d+/.test(options.version)) throw new Error(`invalid version ${JSON.stringify(options.version)}: expected semver like 1.1.0`);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/versions') {
      sendJson(res, 200, { region: 'local', env: 'example', versions: [{ name: 'payments', version: `v${options.version}`, health: true }] });
      return;
    }
    if (options.token && req.headers.authorization !== `Bearer ${options.token}`) {
      sendJson(res, 401, { errorCode: 'UNAUTHORIZED', errorMessage: 'missing or invalid bearer token' });
      return;
    }
    if (!url.pathname.startsWith(API_PREFIX)) {
      sendJson(res, 404, { errorCode: 'NOT_FOUND', errorMessage: `no route ${url.pathname}` });
      return;
    }
    const { status, body } = route(url, req.method ?? 'GET');
    sendJson(res, status, body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}`,
    version: options.version,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
