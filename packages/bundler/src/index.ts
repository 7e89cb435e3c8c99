export { bundlePlugin, esbuildOptions, type BundleOptions, type BundleResult } from './bundle.js';
export { watchPlugin, type DevBuild, type DevWatcher } from './dev-watch.js';
export { findPluginEntry, ENTRY_CANDIDATES } from './entry.js';
export { goBuildErrors, isGoBuildInput, watchGoPlugin, type GoDevOptions } from './go-dev-watch.js';
