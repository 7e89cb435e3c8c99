// Servers on 127.0.0.1 for the layer's tests: a scripted HTTP(S) server that records every request
// (method, path, headers, body), and a TCP server that accepts connections and never answers.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface TestServer {
  url: string;
  port: number;
  seen: Seen[];
  stop(): Promise<void>;
}

type Handler = (request: IncomingMessage, response: ServerResponse, seen: Seen) => void;

async function listen(server: Server | ReturnType<typeof createTcpServer>, sockets: Set<Socket>): Promise<number> {
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const stopper = (server: { close(callback: () => void): unknown }, sockets: Set<Socket>) => () =>
  new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy();
    server.close(() => resolve());
  });

/** Every request is recorded (its body read whole) before `handler` answers it. */
export async function startServer(handler: Handler, tls?: { cert: Buffer; key: Buffer }): Promise<TestServer> {
  const seen: Seen[] = [];
  const sockets = new Set<Socket>();
  const onRequest = (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = { method: request.method ?? '', path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks) };
      seen.push(entry);
      handler(request, response, entry);
    });
  };
  const server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, onRequest) : createHttpServer(onRequest);
  const port = await listen(server, sockets);
  return { url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`, port, seen, stop: stopper(server, sockets) };
}

/** Accepts TCP connections, reads what comes, never writes: no TLS handshake, no HTTP answer. */
export async function startSilentServer(): Promise<{ port: number; connections: () => number; bytesReceived: () => number; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  let bytes = 0;
  const server = createTcpServer((socket) => {
    connections++;
    socket.on('data', (chunk) => (bytes += chunk.length));
    socket.on('error', () => {});
  });
  const port = await listen(server, sockets);
  return { port, connections: () => connections, bytesReceived: () => bytes, stop: stopper(server, sockets) };
}

/** A TCP server that accepts connections and never reads from them (a stalled upload). */
export async function startDeafServer(): Promise<{ port: number; connections: () => number; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createTcpServer({ pauseOnConnect: true }, (socket) => {
    connections++;
    socket.on('error', () => {});
  });
  const port = await listen(server, sockets);
  return { port, connections: () => connections, stop: stopper(server, sockets) };
}
