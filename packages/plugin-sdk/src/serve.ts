// The plugin side of protocols v1 and v2 over stdin/stdout (docs/protocol.md).
import {
  decodeCoreMessage,
  decodeCoreMessageFor,
  encodeMessage,
  exceedsJsonDepth,
  HANDSHAKE_ENV,
  HANDSHAKE_VALUE,
  MAX_CORE_LINE_BYTES,
  MAX_JSON_DEPTH,
  MAX_RESULT_BYTES,
  MiB,
  NOT_STARTED_BY_FCTL_EXIT_CODE,
  pickProtocolVersion,
  ProtocolViolation,
  readLines,
  type CoreMessage,
  type CoreMessageV2,
  type Execute,
  type ExecuteV2,
  type PluginMessage,
  type PluginMessageV2,
} from '@fctl-kit/protocol';
import { runExecute } from './execute.js';
import { HttpBroker } from './http.js';
import { keepFetchParserOnBaseline } from './fetch-parser-tiering.js';
import { pluginVersion, type Logger, type Plugin } from './plugin.js';
import { pluginTransport } from './transport.js';

/** The longest line read from fctl, in both versions (an http.response body fits, section 3.11). */
const MAX_INCOMING_LINE = MAX_CORE_LINE_BYTES;

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
  const write = (message: PluginMessage | PluginMessageV2) => send(encodeMessage(message));
  const running = new Map<string, AbortController>();
  let protocolVersion: 1 | 2 | undefined;
  // v2: set by the one `session` message, before any execute.
  let broker: HttpBroker | undefined;

  const fatal = (message: string, code?: string): never => {
    write({ type: 'error', error: { kind: 'protocol', message, ...(code ? { code } : {}) } });
    process.exit(1);
  };

  const execute = async (request: Execute | ExecuteV2) => {
    const controller = new AbortController();
    running.set(request.id, controller);
    const http = broker?.client(request.id, request.auth.serviceUrl, controller.signal);
    const outcome = await runExecute(plugin, request, controller.signal, stderrLogger(transport.writeLog, request.debug), http);
    running.delete(request.id);
    // fctl aborts this execute's requests still in flight once it is answered; the SDK stops waiting for them.
    broker?.executeFinished(request.id);
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

  const handle = (message: CoreMessage | CoreMessageV2) => {
    if (message.type === 'hello') {
      if (protocolVersion !== undefined) fatal('fctl sent "hello" twice');
      const picked = pickProtocolVersion(message.protocolVersions, plugin.protocolVersions);
      if (picked !== 1 && picked !== 2) {
        write({
          type: 'error',
          protocolVersions: [...plugin.protocolVersions],
          error: {
            kind: 'protocol',
            code: 'unsupported_protocol_version',
            message: `fctl offers protocol versions ${message.protocolVersions.join(', ')}; this plugin speaks ${plugin.protocolVersions.join(', ')}`,
          },
        });
        process.exit(1);
      }
      protocolVersion = picked;
      if (picked === 2) write({ type: 'hello', protocolVersion: 2, manifest: plugin.manifest(2), capabilities: {} });
      else write({ type: 'hello', protocolVersion: 1, manifest: plugin.manifest(1) });
      return;
    }
    if (protocolVersion === undefined) fatal(`expected "hello" first, got "${message.type}"`);
    switch (message.type) {
      case 'session': {
        if (broker) fatal('fctl sent "session" twice; protocol v2 has exactly one', 'repeated_session');
        // The decoder checked these three; other keys of capabilities (and of http) are ignored.
        const limits = message.capabilities.http as { maxInFlight: number; maxRequestBodyBytes: number; maxResponseBodyBytes: number };
        broker = new HttpBroker(
          (request) => write(request),
          { maxInFlight: limits.maxInFlight, maxRequestBodyBytes: limits.maxRequestBodyBytes, maxResponseBodyBytes: limits.maxResponseBodyBytes },
          (line) => transport.writeLog(`${line}\n`),
        );
        return;
      }
      case 'execute':
        if (protocolVersion === 2 && !broker) fatal('fctl sent "execute" before "session"; protocol v2 sends "session" first', 'no_session');
        void execute(message);
        return;
      case 'http.response':
      case 'http.error':
        // v2 only (the v1 decoder refuses these types), and after session: an execute came first.
        if (!broker) fatal(`fctl sent "${message.type}" before "session"`, 'no_session');
        broker!.deliver(message);
        return;
      case 'cancel':
        running.get(message.id)?.abort(new Error(message.reason));
        return;
    }
  };

  const input = transport.input();
  readLines(input, () => MAX_INCOMING_LINE, {
    line(line) {
      if (!line) return;
      try {
        // Before hello no version is in force: the hello exchange is the same in every version.
        handle(protocolVersion === undefined ? decodeCoreMessage(line) : decodeCoreMessageFor(protocolVersion, line));
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
