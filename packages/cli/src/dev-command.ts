// `fctl-kit dev <plugin-dir>`: the development loop. Watches the plugin's sources, rebuilds the
// bundle on every save, and links it into fctl once (`fctl plugin install <name> --link <file>`),
// so the next `fctl <name> ...` runs the new code. The link is removed when the loop ends, so a
// forgotten development build never shadows released versions (--keep-link keeps it).
// A Go plugin ("language": "go") is rebuilt the same way with `go build` for this machine only (the
// host build's settings, version "dev"), its whole module watched (docs/build.md, "The dev loop").
import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { goMainPackage, pluginLanguage, readPluginConfig, type PluginConfig } from '@fctl-kit/plugin-config';
import { buildGoForHost, goToolchain } from '@fctl-kit/binaries';
import { watchGoPlugin, watchPlugin, type DevBuild, type DevWatcher } from '@fctl-kit/bundler';
import { terminalText } from '@fctl-kit/protocol';

const FCTL = process.platform === 'win32' ? 'fctl.cmd' : 'fctl';

async function executable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(() => true, () => false);
}

/** fctl as the product repository has it (node_modules/.bin, nearest first), else on PATH. */
export async function findFctl(from: string): Promise<string | undefined> {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', '.bin', FCTL);
    if (await executable(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    if (await executable(join(dir, FCTL))) return join(dir, FCTL);
  }
  return undefined;
}

/**
 * Runs fctl in its own process group: a Ctrl-C on the terminal reaches only this loop, which then
 * lets a link in progress finish and removes it, instead of a half-interrupted fctl.
 */
async function fctl(command: string, args: string[]): Promise<{ ok: boolean; output: string }> {
  return new Promise((done) => {
    const child = spawn(command, args, { env: process.env, stdio: ['ignore', 'ignore', 'pipe'], detached: process.platform !== 'win32' });
    let output = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));
    child.on('error', (error) => done({ ok: false, output: error.message }));
    child.on('close', (code, signal) => done({ ok: code === 0, output: output || (code === 0 ? '' : `${command} exited with ${signal ?? code}`) }));
  });
}

function time(): string {
  return new Date().toTimeString().slice(0, 8);
}

function report(build: DevBuild): void {
  const took = `${build.durationMs.toFixed(0)} ms`;
  const cause = build.changed.length ? ` (${build.changed.join(', ')})` : '';
  if (build.ok) process.stdout.write(`[${time()}] built${cause} in ${took}\n`);
  else process.stdout.write(`[${time()}] build failed${cause}; fctl keeps running the previous build:\n${build.errors.map((e) => `  ${terminalText(e, { multiline: true })}`).join('\n')}\n`);
}

/** The development build's file: a bundle for TypeScript, an executable for Go. */
function defaultOutFile(pluginDir: string, config: PluginConfig): string {
  const suffix = pluginLanguage(config) === 'go' ? (process.platform === 'win32' ? '.exe' : '') : '.cjs';
  return join(pluginDir, 'dist', 'dev', `fctl-plugin-${config.name}${suffix}`);
}

async function watch(pluginDir: string, config: PluginConfig, outFile: string, onBuild: (build: DevBuild) => void): Promise<DevWatcher> {
  if (pluginLanguage(config) !== 'go') return watchPlugin({ sourceDir: pluginDir, outFile }, onBuild);
  const mainDir = resolve(pluginDir, goMainPackage(config));
  const toolchain = await goToolchain(mainDir);
  const build = (output: string) => buildGoForHost({ mainDir, output, version: 'dev', command: toolchain.command });
  return watchGoPlugin({ moduleDir: dirname(toolchain.goMod), outFile, build }, onBuild);
}

export function addDevCommand(program: Command): void {
  program
    .command('dev')
    .description('Rebuild the plugin on every save and make the next fctl run use it (a development build, version "dev")')
    .argument('<plugin-dir>', 'The plugin directory, e.g. cmd/fctl-plugin')
    .option('--out <file>', 'Where the development bundle is written (default: <plugin-dir>/dist/dev/fctl-plugin-<name>.cjs, for Go <plugin-dir>/dist/dev/fctl-plugin-<name>)')
    .option('--fctl <path>', 'The fctl to link the build into (default: node_modules/.bin/fctl, then PATH)')
    .option('--no-link', 'Only rebuild; do not link the build into fctl')
    .option('--keep-link', 'Leave the build linked when the loop ends')
    .action(async (dir: string, options: { out?: string; fctl?: string; link: boolean; keepLink?: boolean }) => {
      // Listening before anything is linked: a Ctrl-C while building or linking stops the loop once
      // the link is known, and the link is removed; none is left behind.
      let stopping = false;
      const stopped = new Promise<void>((done) => {
        const stop = () => {
          stopping = true;
          done();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      const pluginDir = resolve(dir);
      const config = await readPluginConfig(pluginDir);
      const { name } = config;
      const outFile = resolve(options.out ?? defaultOutFile(pluginDir, config));
      let firstOk = false;
      const watcher = await watch(pluginDir, config, outFile, (build) => {
        firstOk ||= build.ok;
        report(build);
      });
      let linkedWith: string | undefined;
      if (options.link && !stopping) {
        const command = options.fctl ? resolve(options.fctl) : await findFctl(process.cwd());
        const manual = `fctl plugin install ${name} --link ${outFile}`;
        if (!command) process.stderr.write(`fctl was not found (node_modules/.bin, PATH): link the build yourself:\n  ${manual}\n`);
        else if (!firstOk) process.stderr.write(`Not linked: the first build failed. Once it builds, link it:\n  ${manual}\n`);
        else {
          const linked = await fctl(command, ['plugin', 'install', name, '--link', outFile]);
          if (linked.ok) linkedWith = command;
          process.stderr.write(linked.ok ? `fctl ${name} now runs ${outFile}\n` : `Linking into fctl failed:\n${linked.output}\n  Link it yourself: ${manual}\n`);
        }
      }
      if (!stopping) process.stderr.write(`Watching ${pluginDir} (Ctrl-C to stop)\n`);
      await stopped;
      await watcher.close();
      if (linkedWith && !options.keepLink) {
        const removed = await fctl(linkedWith, ['plugin', 'remove', name, '--version', 'dev']);
        process.stderr.write(removed.ok ? `Unlinked: fctl ${name} runs installed releases again.\n` : `Unlinking failed: ${removed.output}\n`);
      }
    });
}
