// The plugin side of protocol v1 over stdin/stdout (docs/protocol.md).
import {
  decodeCoreMessage,
  encodeMessage,
  exceedsJsonDepth,
  HANDSHAKE_ENV,
  HANDSHAKE_VALUE,
  MAX_JSON_DEPTH,
  MAX_RESULT_BYTES,
  MiB,
  NOT_STARTED_BY_FCTL_EXIT_CODE,
  ProtocolViolation,
  readLines,
  SUPPORTED_PROTOCOL_VERSIONS,
  type CoreMessage,
  type Execute,
  type PluginMessage,
} from '@fctl-kit/protocol';
import { runExecute } from './execute.js';
import { keepFetchParserOnBaseline } from './fetch-parser-tiering.js';
import { pluginVersion, type Logger, type Plugin } from './plugin.js';
import { pluginTransport } from './transport.js';

const MAX_INCOMING_LINE = 64 * MiB;

function stderrLogger(writeLog: (text: string) => void, debug: boolean): Logger {
  return {
    debug: (message) => {
      if (debug) writeLog(`${message}\n`);
    },
    info: (message) => writeLog(`${message}\n`),
  };
}

/** Runs the plugin: answers fctl's messages until stdin closes. Never returns normally. */
export function serve(plugin: Plugin<unknown>): void {
  if (process.env[HANDSHAKE_ENV] !== HANDSHAKE_VALUE) {
    process.stderr.write(
      `This is fctl-plugin-${plugin.name} ${pluginVersion}, a plugin for fctl; it is not meant to be run directly.\n` +
        `Install it and use it through fctl:\n` +
        `  fctl plugin install ${plugin.name} --path <this file>\n` +
        `  fctl ${plugin.name} --help\n`,
    );
    process.exit(NOT_STARTED_BY_FCTL_EXIT_CODE);
  }
  // Ctrl-C reaches the plugin as a `cancel` message; the signal itself must not kill it first.
  process.on('SIGINT', () => {});
  keepFetchParserOnBaseline();

  const transport = pluginTransport();
  const send = transport.writeMessage;
  const write = (message: PluginMessage) => send(encodeMessage(message));
  const running = new Map<string, AbortController>();
  let protocolVersion: number | undefined;

  const fatal = (message: string): never => {
    write({ type: 'error', error: { kind: 'protocol', message } });
    process.exit(1);
  };

  const execute = async (request: Execute) => {
    const controller = new AbortController();
    running.set(request.id, controller);
    const outcome = await runExecute(plugin, request, controller.signal, stderrLogger(transport.writeLog, request.debug));
    running.delete(request.id);
    // The result message is level 1: its data may nest one level less than the limit.
    if (outcome.ok && exceedsJsonDepth(outcome.data, MAX_JSON_DEPTH - 1)) {
      write({
        type: 'error',
        id: request.id,
        error: { kind: 'internal', code: 'result_too_deep', message: `the result nests objects and arrays more than ${MAX_JSON_DEPTH - 1} levels deep, over the protocol limit` },
      });
    } else if (outcome.ok) {
      const line = encodeMessage({ type: 'result', id: request.id, data: outcome.data });
      if (Buffer.byteLength(line) > MAX_RESULT_BYTES) {
        write({
          type: 'error',
          id: request.id,
          error: { kind: 'internal', code: 'result_too_large', message: `the result is ${(Buffer.byteLength(line) / MiB).toFixed(1)} MiB, over the protocol limit of ${MAX_RESULT_BYTES / MiB} MiB` },
        });
      } else {
        send(line);
      }
    } else {
      if (outcome.stack) transport.writeLog(`${outcome.stack}\n`);
      write({ type: 'error', id: request.id, error: outcome.error });
    }
  };

  const handle = (message: CoreMessage) => {
    if (message.type === 'hello') {
      const common = message.protocolVersions.filter((v) => SUPPORTED_PROTOCOL_VERSIONS.includes(v));
      if (!common.length) {
        write({
          type: 'error',
          protocolVersions: [...SUPPORTED_PROTOCOL_VERSIONS],
          error: {
            kind: 'protocol',
            code: 'unsupported_protocol_version',
            message: `fctl offers protocol versions ${message.protocolVersions.join(', ')}; this plugin speaks ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}`,
          },
        });
        process.exit(1);
      }
      protocolVersion = Math.max(...common);
      write({ type: 'hello', protocolVersion, manifest: plugin.manifest(protocolVersion) });
      return;
    }
    if (protocolVersion === undefined) fatal(`expected "hello" first, got "${message.type}"`);
    if (message.type === 'execute') void execute(message);
    else running.get(message.id)?.abort(new Error(message.reason));
  };

  const input = transport.input();
  readLines(input, () => MAX_INCOMING_LINE, {
    line(line) {
      if (!line) return;
      try {
        handle(decodeCoreMessage(line));
      } catch (error) {
        fatal(error instanceof ProtocolViolation ? error.message : String(error));
      }
    },
    overflow: () => fatal(`a message from fctl exceeded ${MAX_INCOMING_LINE / MiB} MiB`),
  });
  // fctl closing stdin means: stop now. A plugin never outlives its core.
  input.on('end', () => {
    for (const controller of running.values()) controller.abort(new Error('fctl closed the connection'));
    process.exit(0);
  });
}
