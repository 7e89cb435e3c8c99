// Commands built into fctl for service versions that predate plugins. They are written with the
// plugin SDK and run in-process, so they parse and render exactly like plugins.
import type { Plugin } from '@fctl-kit/plugin-sdk';
import { builtinLedger } from './ledger-v2.js';

export interface BuiltinService {
  service: string;
  /** Service versions these commands support (npm semver range). */
  covers: string;
  plugin: Plugin<unknown>;
}

export const builtins: readonly BuiltinService[] = [builtinLedger];
