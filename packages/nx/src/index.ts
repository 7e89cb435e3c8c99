export { createNodes, createNodesV2, targetsFor, type FctlPluginNxOptions } from './plugin.js';
