// The example ledger service: /versions, and the v2 or v3 API depending on its configured version.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleV2, V2_PREFIX } from './api-v2.js';
import { handleV3, V3_PREFIX } from './api-v3.js';
import { HttpError, sendJson } from './http.js';
import { LedgerStore } from './store.js';

export interface LedgerServiceOptions {
  /** Semver; major < 3 serves the v2 API, otherwise v3. */
  version: string;
  host?: string;
  port?: number;
  /** Persist here; without it the data lives in memory. */
  dataFile?: string;
  /** When set, every route but /versions requires `Authorization: Bearer <token>`. */
  token?: string;
}

export interface RunningLedgerService {
  url: string;
  version: string;
  close(): Promise<void>;
}

export async function startLedgerService(options: LedgerServiceOptions): Promise<RunningLedgerService> {
  const major = Number(/^(\d+)\.\d+\.\d+/.exec(options.version)?.[1]);
  if (Number.isNaN(major)) throw new Error(`invalid version ${JSON.stringify(options.version)}: expected semver like 3.2.0`);
  const store = new LedgerStore(options.dataFile);
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      if (url.pathname === '/versions') {
        sendJson(res, 200, { region: 'local', env: 'example', versions: [{ name: 'ledger', version: `v${options.version}`, health: true }] });
        return;
      }
      if (options.token && req.headers.authorization !== `Bearer ${options.token}`) {
        throw new HttpError(401, 'UNAUTHORIZED', 'missing or invalid bearer token');
      }
      if (major >= 3 && url.pathname.startsWith(V3_PREFIX)) {
        const { status, body } = await handleV3(store, req, url);
        sendJson(res, status, body);
      } else if (major < 3 && url.pathname.startsWith(V2_PREFIX)) {
        const { status, body } = handleV2(store, req, url);
        sendJson(res, status, body);
      } else {
        throw new HttpError(404, 'NOT_FOUND', `no route ${url.pathname} on ledger v${options.version}`);
      }
    } catch (error) {
      if (error instanceof HttpError) sendJson(res, error.status, { errorCode: error.errorCode, errorMessage: error.message });
      else sendJson(res, 500, { errorCode: 'INTERNAL', errorMessage: (error as Error).message });
    }
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
