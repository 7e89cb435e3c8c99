export { initGenerator } from './generators/init/generator.js';
export { pluginGenerator, PluginGeneratorError, type PluginOptions } from './generators/plugin/generator.js';
