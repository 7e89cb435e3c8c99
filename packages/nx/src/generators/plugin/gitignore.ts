// Lines the generator adds to the repository's .gitignore (created if missing): each once, however
// often the generator runs, and nothing else in the file changes.
import type { Tree } from '../../devkit.js';

export function ignoreInGit(tree: Tree, entries: string[], comment: string): void {
  const current = tree.exists('.gitignore') ? tree.read('.gitignore', 'utf-8')! : '';
  const present = new Set(current.split(/\r?\n/).map((line) => line.trim().replace(/^\//, '').replace(/\/$/, '')));
  const missing = entries.filter((entry) => !present.has(entry.replace(/^\//, '').replace(/\/$/, '')));
  if (!missing.length) return;
  const separator = current === '' ? '' : current.endsWith('\n') ? '\n' : '\n\n';
  tree.write('.gitignore', `${current}${separator}# ${comment}\n${missing.map((entry) => `/${entry.replace(/^\//, '')}`).join('\n')}\n`);
}
