// A reverse proxy on 127.0.0.1 in front of a server the test does not control (docker-registry,
// moto): it forwards each request unchanged (the Host header too, so SigV4 signatures and the
// registry's upload URLs stay valid) and records "METHOD /path" of each. Stopping it leaves a
// closed port: the way a mirror that went away looks to a client.
import { createServer, request as forward } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordingProxy {
  /** 127.0.0.1:PORT */
  host: string;
  /** "GET /path?query", in arrival order. */
  requests: string[];
  stop(): Promise<void>;
}

export async function startRecordingProxy(target: { host: string; port: number }): Promise<RecordingProxy> {
  const requests: string[] = [];
  const server = createServer((incoming, outgoing) => {
    requests.push(`${incoming.method} ${incoming.url}`);
    const upstream = forward({ host: target.host, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    upstream.on('error', () => outgoing.destroy());
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let stopped: Promise<void> | undefined;
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    stop() {
      stopped ??= new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return stopped;
    },
  };
}
