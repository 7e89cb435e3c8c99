// The Go plugin build: the toolchain checked, then `go build` per target (concurrently, every
// setting that changes the bytes fixed: go-build-args.ts), the version rule checked on the binary
// this machine runs (its manifest, asked through the handshake, must carry the service version),
// darwin binaries signed again by the project's Mach-O signer (Go's own signature names the binary
// "a.out", and darwin/amd64 gets none), then the same release files as a TypeScript build.
import { execFile } from 'node:child_process';
import { availableParallelism, tmpdir } from 'node:os';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import pLimit from 'p-limit';
import { binaryFileName } from '@fctl-kit/artifacts';
import { goMainPackage, readManifest, type PluginConfig } from '@fctl-kit/plugin-config';
import { adhocSign } from '../macho/index.js';
import { hostTarget, TARGETS, targetInfo, type TargetInfo } from '../targets.js';
import { artifact, compressionSetting, timer, writeReleaseFiles, type Manifest } from '../release-files.js';
import type { BuildOptions, BuildSummary } from '../build-plugin.js';
import { GO_VERSION_VARIABLE, goBuildArgs, goBuildEnv } from './go-build-args.js';
import { goSourceFiles } from './go-sources.js';
import { goToolchain } from './toolchain.js';

export class GoBuildError extends Error {
  /** What go printed (the compiler's "file:line:col: message" lines), when go build itself failed. */
  output?: string;
}

/** Runs one go build; its output is in the error when it fails. */
function goBuild(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, target: string): Promise<void> {
  return new Promise((resolveBuild, reject) => {
    execFile(command, args, { cwd, env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolveBuild();
      const output = `${stdout}${stderr}`.trim();
      const failure = new GoBuildError(`go build for ${target} failed (in ${cwd}):\n${output || error.message}`);
      if (output) failure.output = output;
      reject(failure);
    });
  });
}

/**
 * One build for this machine only, with the host build's settings (the dev loop: `fctl-kit dev`).
 * go writes `output` itself; the caller makes it visible (a fresh name, renamed over the linked file).
 * Resolves with the source files the build read (go list, run beside the build), for the watcher.
 */
export async function buildGoForHost(options: { mainDir: string; output: string; version: string; command?: string }): Promise<{ inputs: string[] }> {
  const host = hostTarget();
  const command = options.command ?? 'go';
  const env = goBuildEnv(process.env, host);
  const args = goBuildArgs({ output: options.output, mainPackage: '.', version: options.version });
  const [inputs] = await Promise.all([goSourceFiles(command, options.mainDir, env), goBuild(command, args, options.mainDir, env, host.id)]);
  return { inputs };
}

/** The version rule: the manifest the built binary reports carries the service version (and the configured name). */
export function checkGoManifest(manifest: Pick<Manifest, 'name' | 'version'>, expected: { name: string; version: string }, binary: string): void {
  if (manifest.version !== expected.version) {
    throw new GoBuildError(
      `${binary} reports version ${manifest.version} in its manifest, not the service version ${expected.version}: the version is set at link time with -X ${GO_VERSION_VARIABLE}; the plugin must take its version from the SDK (plugin.Serve), never write it`,
    );
  }
  if (manifest.name !== expected.name) throw new GoBuildError(`${binary} reports the plugin name "${manifest.name}", and fctl-plugin.json names it "${expected.name}"`);
}

/** Builds the Go plugin of options.sourceDir; its fctl-plugin.json is `config`. */
export async function buildGoPlugin(options: BuildOptions, config: PluginConfig): Promise<BuildSummary> {
  const timed = timer(options.onProgress ?? (() => {}));
  const compression = compressionSetting(options.compression);
  const version = options.serviceVersion;
  const plugin = config.name;
  const targets = (options.targets ?? TARGETS.map((t) => t.id)).map(targetInfo);
  if (!targets.length) throw new GoBuildError('no targets to build');
  const host = hostTarget();
  const sourceDir = resolve(options.sourceDir);
  const mainPackage = goMainPackage(config);
  const mainDir = resolve(sourceDir, mainPackage);
  const toolchain = await timed({ step: 'toolchain' }, () => goToolchain(mainDir));
  const outDir = options.outDir;
  await mkdir(outDir, { recursive: true });
  const workDir = await mkdtemp(join(tmpdir(), 'fctl-kit-go-build-'));
  try {
    const limit = pLimit(options.concurrency ?? Math.max(1, availableParallelism()));
    // The host binary answers the handshake; it is built even when the host is not a target.
    const wanted: TargetInfo[] = targets.some((t) => t.id === host.id) ? targets : [...targets, host];
    const built = new Map(
      await Promise.all(
        wanted.map((target) =>
          limit(() =>
            timed({ step: 'target', target: target.id }, async () => {
              const staging = join(workDir, binaryFileName(plugin, target));
              // Relative to the main package's directory, where go runs: no absolute path reaches go.
              await goBuild(toolchain.command, goBuildArgs({ output: staging, mainPackage: '.', version }), mainDir, goBuildEnv(process.env, target), target.id);
              return [target.id, staging] as const;
            }),
          ),
        ),
      ),
    );
    const hostBinary = built.get(host.id)!;
    const manifest = await readManifest(hostBinary).catch((error: Error) => {
      throw new GoBuildError(`the built ${host.id} binary did not answer the handshake: ${error.message}`);
    });
    checkGoManifest(manifest, { name: plugin, version }, `the ${host.id} binary`);

    const binaries = await Promise.all(
      targets.map(async (target) => {
        const name = binaryFileName(plugin, target);
        const staging = built.get(target.id)!;
        if (target.format === 'macho') await writeFile(staging, adhocSign(await readFile(staging), name));
        await chmod(staging, 0o755);
        await rename(staging, join(outDir, name)).catch(() => copyFile(staging, join(outDir, name)));
        return { target: target.id, ...(await artifact(outDir, name)) };
      }),
    );
    const files = await writeReleaseFiles({ sourceDir, outDir, plugin, version, manifest, binaries, compression, concurrency: options.concurrency, limit, signingKey: options.signingKey, timed });
    return { plugin, version, language: 'go', go: toolchain.version, outDir, ...files };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
