export { checkRegistryDocument, isYamlText, parseRegistry, RegistryError, MAX_REGISTRY_BYTES, MAX_YAML_REGISTRY_BYTES, MAX_REGISTRY_DEPTH, REGISTRY_RULES_REVISION } from './load.js';
export { parseBoundedYaml, YamlDuplicateKeyError, YamlLimitError, type YamlLimits } from './bounded-yaml.js';
export { indexRegistry, resolveVersion, lookupVersion, type RegistryIndex, type Resolution, type ResolveOptions } from './resolve.js';
export { protocolSkip, speakableVersions, type ProtocolSkip, type SpeakableVersions, type SpeaksOptions } from './protocols.js';
export {
  DISTRIBUTIONS,
  PLUGIN_NAME_PATTERN,
  type Distribution,
  type RegistryDocument,
  type RegistryPlugin,
  type RegistryVersion,
  type RegistryCores,
  type RegistryCoreVersion,
  type RegistrySource,
  MAX_SOURCES,
  MAX_PROTOCOL_VERSION,
  MAX_PROTOCOL_VERSIONS,
} from './schema.js';
export { legacySource, sourcesOf, usesLegacySource } from './sources.js';
export { lintRegistry, duplicateServices, type Finding } from './lint.js';
export { addVersion, deprecateVersion, registerCoreRelease, registerRelease, retireVersions, type NewCoreVersion, type NewVersion, type PluginDistribution } from './edit.js';
export { releaseImpact, describeSpan, type ReleaseImpact, type ServiceSpan } from './range-overlap.js';
