// `fctl plugin install NAME --path <source directory>` builds the plugin with @fctl-kit/bundler
// (esbuild). fctl does not depend on it, so that installing fctl installs no build toolchain: it
// is an optional peer, loaded only for a source directory, found beside fctl (a global install, or
// the same node_modules), and its absence is said plainly with what to do instead.
import { UserError } from '../errors.js';
import { EXIT } from '../host/failure.js';

type Bundler = typeof import('@fctl-kit/bundler');

export const BUNDLER_PACKAGE = '@fctl-kit/bundler';

const bundlerMissing = (name: string, directory: string): string =>
  `${directory} is a source directory: installing it builds the plugin, which needs ${BUNDLER_PACKAGE}, and it is not installed (fctl does not carry a build toolchain).\n\n` +
  `  Install it beside fctl:  npm install -g ${BUNDLER_PACKAGE}   (or into the project that has @fctl-kit/core)\n` +
  `  Or build with fctl-kit:  fctl-kit bundle ${directory} --out ${name}.cjs, then fctl plugin install ${name} --path ${name}.cjs`;

const isMissing = (error: unknown, name: string): boolean => {
  const { code, message } = error as NodeJS.ErrnoException;
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String(message).includes(`'${name}'`);
};

/** @fctl-kit/bundler, or a UserError saying how to get it, for installing plugin `name` from `directory`. */
export async function loadBundler(name: string, directory: string): Promise<Bundler> {
  try {
    return await import('@fctl-kit/bundler');
  } catch (error) {
    if (isMissing(error, BUNDLER_PACKAGE)) throw new UserError(bundlerMissing(name, directory), EXIT.failed);
    throw new UserError(`${BUNDLER_PACKAGE} is installed but cannot be loaded: ${(error as Error).message}`, EXIT.failed);
  }
}
