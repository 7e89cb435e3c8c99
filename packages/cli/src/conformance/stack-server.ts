// The stack a v1 plugin talks to directly during the checks: a loopback server that answers every
// request with a service error, or holds it (for cancel), and records what it received.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type StackMode = 'error' | 'hold';

export class StackServer {
  mode: StackMode = 'error';
  readonly received: { method: string; url: string; authorization?: string }[] = [];
  private readonly held = new Set<ServerResponse>();
  private readonly server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    this.received.push({ method: request.method ?? '', url: request.url ?? '', ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}) });
    request.resume();
    if (this.mode === 'hold') {
      this.held.add(response);
      response.on('close', () => this.held.delete(response));
      return;
    }
    response.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify(SERVICE_ERROR));
  });

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    for (const response of this.held) response.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** What the service answers: a Formance-style error body. */
export const SERVICE_ERROR = { errorCode: 'INTERNAL', errorMessage: 'conformance check: the service is failing on purpose' };
