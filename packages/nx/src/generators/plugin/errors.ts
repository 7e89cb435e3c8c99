export class PluginGeneratorError extends Error {}
