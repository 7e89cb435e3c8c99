// A plugin's fetch (Node's own undici) parses HTTP with llhttp compiled to WebAssembly. Node 20's V8
// (11.x) starts optimizing the hot parse function on a background thread within the first
// response, and a process cannot exit before that compile is over: fctl waited 70-100 ms more for
// every plugin that had sent a request (docs/benchmarks.md, start-up section). The parser is
// compiled when the first connection opens; while that happens, a tiering budget no short process
// exhausts keeps it on the baseline code (fast enough for headers). The budget is back to V8's
// default once a connection is up, so the plugin's own WebAssembly is optimized as usual. V8 12
// (Node 22, the runtime of built plugin binaries) does not need this. The host's HTTP layer does the
// same for its undici (packages/http/src/parser-tiering.ts). Two copies on purpose
// (docs/architecture.md): the SDK depends only on @fctl-kit/protocol, importing @fctl-kit/http would
// make every plugin install undici and p-retry, and V8 tuning has no place in the wire contract.
// fetch-parser-tiering.test.ts runs both copies on the same environments so they stay alike.
import diagnostics from 'node:diagnostics_channel';
import v8 from 'node:v8';

/** V8 11's default --wasm-tiering-budget (`node --v8-options`). */
export const V8_11_TIERING_BUDGET = 1_800_000;
export const SHORT_PROCESS_TIERING_BUDGET = 2_000_000_000;
/** undici publishes it once a connection's parser exists. */
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

/**
 * Called once when the plugin starts serving, before any handler fetches; does nothing on a V8
 * other than 11 or when the user chose WebAssembly tiering flags.
 */
export function keepFetchParserOnBaseline(environment: TieringEnvironment = processEnvironment()): void {
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
