// The guard first: it must be in place before any other module can print.
import './transport.js';
export { flag, type FlagDef, type FlagDefs, type FlagValues } from './flags.js';
export { createPlugin, Group, Plugin, pluginVersion, type CommandContext, type Logger, type PluginOptions } from './plugin.js';
export { CommandError } from './errors.js';
export { serve } from './serve.js';
export type { AuthContext, Display, OutputFormat } from '@fctl-kit/protocol';
export { runExecute, type ExecuteRequest, type Outcome } from './execute.js';
export { HttpRequestError, type HttpClient, type HttpInit } from './http.js';
