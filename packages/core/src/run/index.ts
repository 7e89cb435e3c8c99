// The host's run path below the CLI (see docs/architecture.md, "The run path").
export { runService, type ServiceRun } from './run-service.js';
export { cachedManifestFor } from './target.js';
export type { RenderData } from './execute.js';
export type { RunSettings, RunSession } from './run-session.js';
export type { Invocation, ParseCommandLine } from './invocation.js';
