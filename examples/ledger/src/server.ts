// CLI: node dist/server.js --version 3.2.0 [--port 0] [--data FILE] [--token T] [--host 127.0.0.1]
import { parseArgs } from 'node:util';
import { startLedgerService } from './index.js';

const { values } = parseArgs({
  options: {
    version: { type: 'string', default: '3.2.0' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    data: { type: 'string' },
    token: { type: 'string' },
  },
});

try {
  const service = await startLedgerService({ version: values.version!, host: values.host, port: Number(values.port), dataFile: values.data, token: values.token });
  process.stdout.write(`ledger service v${service.version} listening on ${service.url}\n`);
  const stop = () => void service.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} catch (error) {
  process.stderr.write(`ledger service: ${(error as Error).message}\n`);
  process.exit(1);
}
