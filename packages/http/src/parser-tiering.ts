// undici parses HTTP with llhttp compiled to WebAssembly. Node 20's V8 (11.x) starts optimizing the
// hot parse function on a background thread within the first response, and a process cannot exit
// before that compile is over: 70-250 ms added to every short fctl run that sent a request
// (docs/benchmarks.md, start-up section). The parser is compiled when the first connection opens;
// while that happens, a tiering budget no short process exhausts keeps it on the baseline code
// (fast enough for headers). The budget is back to V8's default once a connection is up, so
// WebAssembly compiled later (the xz decoder) is optimized as usual. V8 12 (Node 22) starts with a
// larger budget and does not need this.
// Twin of packages/plugin-sdk/src/fetch-parser-tiering.ts, on purpose (docs/architecture.md): the two
// packages share no dependency, and one copy would make every plugin install this package's undici
// and p-retry, or put V8 tuning into @fctl-kit/protocol (the wire contract). The SDK's test
// (fetch-parser-tiering.test.ts) runs both on the same environments so they stay alike.
import diagnostics from 'node:diagnostics_channel';
import v8 from 'node:v8';

/** V8 11's default --wasm-tiering-budget (`node --v8-options`). */
export const V8_11_TIERING_BUDGET = 1_800_000;
export const SHORT_PROCESS_TIERING_BUDGET = 2_000_000_000;
/** undici publishes it once a connection's parser exists (after connectH1). */
const CONNECTED = 'undici:client:connected';

export interface TieringEnvironment {
  v8Version: string;
  execArgv: readonly string[];
  nodeOptions: string | undefined;
  setFlags: (flags: string) => void;
}

const processEnvironment = (): TieringEnvironment => ({
  v8Version: process.versions.v8,
  execArgv: process.execArgv,
  nodeOptions: process.env.NODE_OPTIONS,
  setFlags: (flags) => v8.setFlagsFromString(flags),
});

let applied = false;

/**
 * Called before undici compiles its parser (the first request of the process); does nothing on a
 * V8 other than 11, when the user chose WebAssembly tiering flags, or a second time.
 */
export function keepFirstParserOnBaseline(environment: TieringEnvironment = processEnvironment()): void {
  if (applied) return;
  applied = true;
  if (!environment.v8Version.startsWith('11.')) return;
  const userFlags = [...environment.execArgv, environment.nodeOptions ?? ''].join(' ');
  if (/wasm-tiering-budget|liftoff|wasm-dynamic-tiering/.test(userFlags)) return;
  environment.setFlags(`--wasm-tiering-budget=${SHORT_PROCESS_TIERING_BUDGET}`);
  const restore = () => {
    diagnostics.unsubscribe(CONNECTED, restore);
    environment.setFlags(`--wasm-tiering-budget=${V8_11_TIERING_BUDGET}`);
  };
  diagnostics.subscribe(CONNECTED, restore);
}

/** For tests: forget that the process already applied it. */
export function resetParserTieringForTests(): void {
  applied = false;
}
