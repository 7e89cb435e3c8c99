// Discovery and installation from a registry. The run path and the CLI load this module on demand
// (it pulls in the registry loader and the distribution backends), so that fctl's start-up does not
// pay for it.
export { chooseRelease } from './choose-release.js';
export { installRelease } from './install-release.js';
export { openConfiguredRegistry } from './open-registry.js';
export { fromDirectory, fromRegistry, syncDeprecations } from './sources.js';
export { readRegistryForInstalled } from './read-for-installed.js';
