export { bundlePlugin, type BundleOptions, type BundleResult } from './bundle.js';
export { findPluginEntry, ENTRY_CANDIDATES } from './entry.js';
