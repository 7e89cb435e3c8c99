export { readManifest, readProtocolVersions } from './read-manifest.js';
export { goMainPackage, parsePluginConfig, pluginLanguage, readPluginConfig, serviceVersion, releaseTag, repositoryRoot, PLUGIN_CONFIG, VERSION_SOURCES, VersionError, type PluginConfig, type ServiceVersion, type ServiceVersionOptions, type VersionSource, type GoSettings, type PluginLanguage } from './plugin-config.js';
export { nearestReleaseTag, refuseSnapshot, snapshotRequested, snapshotVersion, SnapshotError, SNAPSHOT_ENV, SNAPSHOT_FALLBACK_VERSION, tagVersion } from './snapshot.js';

/** fctl's own command names, which no plugin may take; re-exported so the generators need no second copy. */
export { RESERVED_COMMAND_NAMES } from '@fctl-kit/protocol';
