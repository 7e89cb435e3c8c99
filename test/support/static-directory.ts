// Serves a directory over http on 127.0.0.1, as a static host would serve a released `site/`
// (GET and HEAD; nothing outside the directory).
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve, sep } from 'node:path';

export interface StaticDirectory {
  /** http://127.0.0.1:PORT */
  url: string;
  stop(): Promise<void>;
}

export async function serveDirectory(root: string, port = 0): Promise<StaticDirectory> {
  const base = resolve(root);
  const server = createServer((request, response) => {
    const path = resolve(base, `.${decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)}`);
    const size = (path === base || path.startsWith(base + sep)) && (request.method === 'GET' || request.method === 'HEAD') ? fileSize(path) : undefined;
    if (size === undefined) return void response.writeHead(404).end();
    response.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream' });
    if (request.method === 'HEAD') return void response.end();
    createReadStream(path).pipe(response);
  });
  await new Promise<void>((done, fail) => server.once('error', fail).listen(port, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise((done) => (server.closeAllConnections(), server.close(() => done()))),
  };
}

function fileSize(path: string): number | undefined {
  try {
    const stat = statSync(path);
    return stat.isFile() ? stat.size : undefined;
  } catch {
    return undefined;
  }
}
