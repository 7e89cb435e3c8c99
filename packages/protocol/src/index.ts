export * from './constants.js';
export * from './schema.js';
export * from './json-path.js';
export * from './validate.js';
export * from './manifest.js';
export * from './lines.js';
export * from './flag-values.js';
