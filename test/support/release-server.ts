// A static file server on 127.0.0.1 for release files (PUT stores a file), with scripted faults: each request to a
// path takes the next behaviour queued for it (then serves normally). It counts requests per path.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export type Behaviour =
  | { kind: 'status'; status: number; headers?: Record<string, string> }
  | { kind: 'reset-mid-body' }
  | { kind: 'truncate' }
  | { kind: 'stall'; afterBytes?: number }
  | { kind: 'slow'; bytesPerTick: number; tickMs: number };

export interface ReleaseServer {
  url: string;
  files: Map<string, Buffer>;
  faults: Map<string, Behaviour[]>;
  requests: Map<string, number>;
  stop(): Promise<void>;
}

/** `tls`: serve https with this certificate (see tls-cert.ts) instead of http. */
export async function startReleaseServer(files: Map<string, Buffer> = new Map(), options: { tls?: { cert: Buffer; key: Buffer } } = {}): Promise<ReleaseServer> {
  const faults = new Map<string, Behaviour[]>();
  const requests = new Map<string, number>();
  const sockets = new Set<import('node:net').Socket>();
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    requests.set(path, (requests.get(path) ?? 0) + 1);
    if (request.method === 'PUT') {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        files.set(path, Buffer.concat(chunks));
        response.writeHead(201).end();
      });
      return;
    }
    const body = files.get(path);
    const behaviour = faults.get(path)?.shift();
    if (behaviour?.kind === 'status') {
      response.writeHead(behaviour.status, behaviour.headers).end(`status ${behaviour.status}`);
      return;
    }
    if (!body) {
      response.writeHead(404).end('not found');
      return;
    }
    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`;
    if (!behaviour && request.headers['if-none-match'] === etag) {
      response.writeHead(304, { etag }).end();
      return;
    }
    response.writeHead(200, { 'content-length': String(body.length), 'content-type': 'application/octet-stream', etag });
    const half = Math.floor(body.length / 2);
    switch (behaviour?.kind) {
      case 'reset-mid-body':
        response.write(body.subarray(0, half), () => request.socket.destroy());
        return;
      case 'truncate':
        response.write(body.subarray(0, half), () => request.socket.end());
        return;
      case 'stall':
        response.write(body.subarray(0, behaviour.afterBytes ?? half));
        return; // never ends; the client must give up
      case 'slow': {
        let offset = 0;
        const tick = () => {
          if (response.destroyed) return;
          const next = Math.min(body.length, offset + behaviour.bytesPerTick);
          response.write(body.subarray(offset, next));
          offset = next;
          if (offset >= body.length) response.end();
          else setTimeout(tick, behaviour.tickMs);
        };
        tick();
        return;
      }
      default:
        response.end(body);
    }
  };
  const server: Server = options.tls ? createTlsServer({ cert: options.tls.cert, key: options.tls.key }, handle) : createServer(handle);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    files,
    faults,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
