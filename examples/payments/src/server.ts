// CLI: node dist/server.js --version 1.1.0 [--port 0] [--token T] [--host 127.0.0.1]
import { parseArgs } from 'node:util';
import { startPaymentsService } from './index.js';

const { values } = parseArgs({
  options: {
    version: { type: 'string', default: '1.1.0' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    token: { type: 'string' },
  },
});

try {
  const service = await startPaymentsService({ version: values.version!, host: values.host, port: Number(values.port), token: values.token });
  process.stdout.write(`payments service v${service.version} listening on ${service.url}\n`);
  const stop = () => void service.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} catch (error) {
  process.stderr.write(`payments service: ${(error as Error).message}\n`);
  process.exit(1);
}
