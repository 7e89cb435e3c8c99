export { run, type RunOptions } from './cli/run.js';
export { PluginProcess, type ExecuteOutcome, type ExecuteRequest, type StartOptions } from './host/plugin-process.js';
export { PluginFailure, formatFailure, EXIT, type FailureDetails, type PluginIdentity } from './host/failure.js';
export { pluginEnvironment } from './host/environment.js';
export { PluginStore, type InstalledVersion, type PluginsFile } from './store/plugin-store.js';
export { ProfileStore, type Profile } from './config/profiles.js';
export { configDirectory } from './config/paths.js';
export { resolveService, compatibleVersions, type Resolution } from './resolve/resolve.js';
export { detectServiceVersion, fetchStackVersions } from './stack/service-version.js';
