// A Go plugin lives in the product's module (a go.mod at the repository root): the generator adds
// the Go SDK's requirement to that go.mod, and a local replace when asked (this repository's tests
// build against its own sdk/go; a product requires a released SDK version and has no replace).
import { devkit, type Tree } from '../../devkit.js';
import { KIT_VERSION } from '../init/generator.js';
import { PluginGeneratorError } from './errors.js';

export const GO_SDK_MODULE = 'github.com/fctl-plugin-kit/fctl-plugin-kit/sdk/go';
/** The SDK is released with the kit, at the kit's version (its module tag sdk/go/vX.Y.Z). */
export const GO_SDK_VERSION = `v${KIT_VERSION}`;

export interface GoSdk {
  module: string;
  version: string;
  /** A local directory replacing the module, from the repository root. */
  replace?: string;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** go.mod's module path; an error when the repository root has no go.mod. */
export function goModulePath(tree: Tree): string {
  const text = tree.read('go.mod', 'utf-8');
  if (text === null) throw new PluginGeneratorError('--language go scaffolds into the product\'s Go module: this repository has no go.mod at its root (go mod init <module path>)');
  const module = /^module\s+(\S+)/m.exec(text)?.[1];
  if (!module) throw new PluginGeneratorError('go.mod has no module line');
  return module;
}

/** Adds the SDK's require (and the replace, if asked) to go.mod, unless it has them already. */
export function requireGoSdk(tree: Tree, sdk: GoSdk): void {
  if (!/^v\d+\.\d+\.\d+/.test(sdk.version)) throw new PluginGeneratorError(`--goSdkVersion ${JSON.stringify(sdk.version)} is not a Go module version (vX.Y.Z)`);
  let text = tree.read('go.mod', 'utf-8')!;
  const required = new RegExp(`^\\s*(require\\s+)?${escape(sdk.module)}\\s+v\\S+`, 'm');
  if (!required.test(text)) text = `${text.replace(/\n*$/, '\n')}\nrequire ${sdk.module} ${sdk.version}\n`;
  if (sdk.replace !== undefined && !new RegExp(`^\\s*(replace\\s+)?${escape(sdk.module)}\\s+=>`, 'm').test(text)) {
    text = `${text.replace(/\n*$/, '\n')}\n// The fctl plugin builds against a local copy of the Go SDK (the plugin generator's goSdkReplace option).\nreplace ${sdk.module} => ${devkit.normalizePath(sdk.replace)}\n`;
  }
  tree.write('go.mod', text);
}
