// One `go build` of a Go plugin for one target: the arguments and the environment, each setting
// there for reproducible, self-contained binaries (docs/build.md, "Go plugins").
import type { TargetInfo } from '../targets.js';

/** The Go SDK's version variable: the manifest's version, set at link time (sdk/go/plugin/version.go). */
export const GO_VERSION_VARIABLE = 'github.com/fctl-plugin-kit/fctl-plugin-kit/sdk/go/plugin.version';

export interface GoBuildInput {
  /** The binary to write. */
  output: string;
  /** The main package, as go names it: a directory relative to the working directory ("." or "./cmd/x"). */
  mainPackage: string;
  version: string;
  versionVariable?: string;
}

/**
 * -trimpath: no build directory in the binary; -buildvcs=false: no commit or dirty flag from git;
 * -s -w: no symbol table or DWARF; -buildid=: no build ID (it hashes the inputs' paths in part).
 */
export function goBuildArgs(input: GoBuildInput): string[] {
  const ldflags = ['-s', '-w', '-buildid=', '-X', `${input.versionVariable ?? GO_VERSION_VARIABLE}=${input.version}`].join(' ');
  return ['build', '-trimpath', '-buildvcs=false', '-ldflags', ldflags, '-o', input.output, input.mainPackage];
}

/**
 * The environment of a build for `target`: the caller's (PATH, HOME, GOCACHE, GOMODCACHE: the module
 * cache stays shared) with everything that changes the bytes fixed. No cgo (static binaries,
 * cross-compiled without a C toolchain); go.mod and go.sum used as they are, never updated; the
 * installed Go only; no go.work from a parent directory; the baseline instruction sets.
 */
export function goBuildEnv(base: NodeJS.ProcessEnv, target: Pick<TargetInfo, 'os' | 'arch'>): NodeJS.ProcessEnv {
  return {
    ...base,
    CGO_ENABLED: '0',
    GOOS: target.os,
    GOARCH: target.arch,
    GOFLAGS: '-mod=readonly',
    GOTOOLCHAIN: 'local',
    GOWORK: 'off',
    GOAMD64: 'v1',
    GOARM64: 'v8.0',
    GOEXPERIMENT: '',
  };
}
