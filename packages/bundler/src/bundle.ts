// Bundles a plugin's sources into one CommonJS file with the version injected.
import { build, type BuildOptions } from 'esbuild';
import { mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { findPluginEntry } from './entry.js';

export interface BundleOptions {
  sourceDir: string;
  outFile: string;
  /** The service version, injected as the plugin's version ("dev" for development builds). */
  version: string;
  minify?: boolean;
  /** Node major the bundle must run on. */
  nodeTarget?: string;
}

export interface BundleResult {
  outFile: string;
  sourceMap: string;
  entry: string;
}

/**
 * Inside this toolkit's own repository the SDK is bundled from its TypeScript sources (the
 * "@fctl-kit/source" export condition); an installed SDK has only dist/, so the condition is used
 * only where the SDK the plugin resolves ships its sources.
 */
function sdkHasSources(sourceDir: string): boolean {
  for (let dir = sourceDir; ; dir = dirname(dir)) {
    const sdk = join(dir, 'node_modules', '@fctl-kit', 'plugin-sdk');
    if (existsSync(join(sdk, 'package.json'))) return existsSync(join(sdk, 'src', 'index.ts'));
    if (dirname(dir) === dir) return false;
  }
}

/** The esbuild settings of a plugin bundle: one build for releases, an incremental context for `fctl-kit dev`. */
export function esbuildOptions(options: BundleOptions): BuildOptions & { outfile: string; entryPoints: string[] } {
  const sourceDir = resolve(options.sourceDir);
  return {
    entryPoints: [findPluginEntry(sourceDir)],
    outfile: resolve(options.outFile),
    absWorkingDir: sourceDir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: options.nodeTarget ?? 'node20',
    minify: options.minify ?? false,
    sourcemap: 'linked',
    sourceRoot: '',
    conditions: sdkHasSources(sourceDir) ? ['@fctl-kit/source'] : [],
    // ESM dependencies (the installed SDK's dist among them) may use import.meta.url, e.g. for
    // createRequire; in a CommonJS bundle it is the bundle's own file URL, as it would be in ESM.
    banner: { js: 'var __fctlImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
    define: { __FCTL_PLUGIN_VERSION__: JSON.stringify(options.version), 'import.meta.url': '__fctlImportMetaUrl' },
    legalComments: 'none',
    logLevel: 'silent',
    metafile: false,
  };
}

export async function bundlePlugin(options: BundleOptions): Promise<BundleResult> {
  const settings = esbuildOptions(options);
  const sourceDir = settings.absWorkingDir!;
  await mkdir(dirname(settings.outfile), { recursive: true });
  const result = await build(settings).catch((error: Error) => {
    throw new Error(`building the plugin in ${sourceDir} failed:\n${error.message}`);
  });
  if (result.errors.length) throw new Error(`building the plugin in ${sourceDir} failed`);
  return { outFile: settings.outfile, sourceMap: `${settings.outfile}.map`, entry: settings.entryPoints[0]! };
}
