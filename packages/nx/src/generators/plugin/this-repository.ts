// This repository on GitHub (owner/name): what the workflow's own token can write to. From the
// --repository option, else the "origin" remote in .git/config; undefined when neither says.
import type { Tree } from '../../devkit.js';
import { PluginGeneratorError } from './errors.js';

const OWNER_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;

export function originRepository(gitConfig: string): string | undefined {
  const origin = /^\[remote "origin"\]([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(gitConfig)?.[1] ?? '';
  const url = /^\s*url\s*=\s*(\S+)/m.exec(origin)?.[1];
  const match = url ? /github\.com[:/]([^/\s]+\/[^/\s]+?)(?:\.git)?\/?$/.exec(url) : null;
  return match && OWNER_NAME.test(match[1]!) ? match[1] : undefined;
}

export function thisRepository(tree: Tree, option: string | undefined): string | undefined {
  if (option !== undefined) {
    if (!OWNER_NAME.test(option)) throw new PluginGeneratorError(`--repository must be owner/name; got ${JSON.stringify(option)}`);
    return option;
  }
  const config = tree.exists('.git/config') ? tree.read('.git/config', 'utf-8') : null;
  return config ? originRepository(config) : undefined;
}
