export { readManifest } from './read-manifest.js';
export { parsePluginConfig, readPluginConfig, serviceVersion, releaseTag, repositoryRoot, PLUGIN_CONFIG, VERSION_SOURCES, VersionError, type PluginConfig, type VersionSource } from './plugin-config.js';
