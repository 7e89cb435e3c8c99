// What runs a service's commands once chosen: a plugin process, or the built-in commands in-process.
import type { Manifest } from '@fctl-kit/protocol';
import { runExecute } from '@fctl-kit/plugin-sdk';
import type { BuiltinService } from '../builtins/index.js';
import { UserError } from '../errors.js';
import { EXIT } from '../host/failure.js';
import { PluginProcess, type ExecuteOutcome, type ExecuteRequest } from '../host/plugin-process.js';
import type { RunSession } from './run-session.js';

export interface Implementation {
  manifest: Manifest;
  label: string;
  run(request: ExecuteRequest, signal: AbortSignal): Promise<ExecuteOutcome>;
  close(): Promise<void>;
  failureFromAnswer?: PluginProcess['failureFromAnswer'];
}

export interface PluginImplementation extends Implementation {
  protocolVersion: number;
}

/** A plugin file to start for `name` (an installed version, or a --plugin-binary file). */
export interface PluginToStart {
  name: string;
  path: string;
  version?: string;
  issues?: string;
}

export async function startPlugin(session: RunSession, plugin: PluginToStart): Promise<PluginImplementation> {
  const { report } = session;
  report.debug('spawning plugin process...');
  const process_ = await PluginProcess.start({
    plugin,
    coreVersion: session.version,
    handshakeTimeoutMs: session.handshakeTimeoutMs,
    debug: report.debug,
    onStderrLine: report.pluginStderr,
  });
  if (process_.manifest.name !== plugin.name) {
    await process_.close();
    throw new UserError(`${plugin.path} is the "${process_.manifest.name}" plugin, not "${plugin.name}"`, EXIT.failed);
  }
  return {
    manifest: process_.manifest,
    protocolVersion: process_.protocolVersion,
    label: `fctl-plugin-${plugin.name}`,
    run: (request, signal) => process_.execute(request, session.globals.timeoutMs, signal),
    close: () => process_.close(),
    failureFromAnswer: process_.failureFromAnswer.bind(process_),
  };
}

export function builtinImplementation(builtin: BuiltinService): Implementation {
  const logger = { debug: () => {}, info: () => {} };
  return {
    manifest: builtin.plugin.manifest(1),
    label: `built-in ${builtin.service}`,
    run: async (request, signal) => {
      const outcome = await runExecute(builtin.plugin, request, signal, logger);
      return outcome.ok ? { status: 'ok', data: outcome.data } : { status: 'error', error: outcome.error };
    },
    close: async () => {},
  };
}
