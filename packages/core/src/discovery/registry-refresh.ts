// Installed plugins run without reading the registry, so a deprecation or retirement published after
// an install would reach its users only when they happened to install again. Running an installed
// plugin therefore re-reads the registry once the refresh interval (FCTL_REGISTRY_REFRESH, else
// "registryRefresh" in config.json, default 24h; "0" every run, "never" not at all) has passed since
// the last read, records the deprecation marks of installed versions, and says when the registry no
// longer serves the stack. A refresh that fails (registry down) changes nothing: the run goes on, the
// failure shows under --debug only. This module stays light: discovery is loaded only when due.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import ms from 'ms';
import { readJsonFile, writeJsonAtomic } from '../config/json-file.js';
import { UserError } from '../errors.js';
import type { Session } from '../session/session.js';
import { EXIT } from '../host/failure.js';
import { configuredRegistry, type RegistryLocation } from './registry-location.js';

export const DEFAULT_REFRESH_MS = 24 * 60 * 60 * 1000;

interface Checked {
  /** Registry location (display form) -> when it was last read, ISO 8601. */
  checkedAt: Record<string, string>;
}

const checkedFile = (configDir: string) => join(configDir, 'cache', 'registry-checked.json');
const asChecked = (value: unknown): Checked => {
  const checkedAt = (value as Partial<Checked> | null)?.checkedAt;
  return { checkedAt: checkedAt && typeof checkedAt === 'object' ? { ...checkedAt } : {} };
};

/** A state file is a few hundred bytes; a larger one was hand-edited or damaged and is read as empty (and rewritten). */
const MAX_CHECKED_BYTES = 64 * 1024;

/** The refresh state; anything unreadable, unparsable or oversized counts as no read recorded (so a refresh is due). */
async function readChecked(configDir: string): Promise<Checked> {
  const file = checkedFile(configDir);
  try {
    if ((await stat(file)).size > MAX_CHECKED_BYTES) return { checkedAt: {} };
    return await readJsonFile(file, { checkedAt: {} }, asChecked);
  } catch {
    return { checkedAt: {} };
  }
}

/** Milliseconds between reads of the registry (Infinity: never), from a duration like 24h, 30m, 0 or never. */
export function parseRefreshInterval(text: string, where: string): number {
  const value = text.trim();
  if (value === 'never') return Infinity;
  if (value === '0') return 0;
  const parsed = /^\d+(\.\d+)?(s|m|h|d)$/.test(value) ? ms(value as ms.StringValue) : undefined;
  if (parsed === undefined || !(parsed >= 0)) throw new UserError(`${where} takes a duration like 24h, 30m or 7d, or 0 (every run) or never; got "${text}"`, EXIT.usage);
  return parsed;
}

export async function refreshInterval(configDir: string, env: NodeJS.ProcessEnv): Promise<number> {
  if (env.FCTL_REGISTRY_REFRESH !== undefined && env.FCTL_REGISTRY_REFRESH !== '') return parseRefreshInterval(env.FCTL_REGISTRY_REFRESH, 'FCTL_REGISTRY_REFRESH');
  const config = await readJsonFile<{ registryRefresh?: unknown }>(join(configDir, 'config.json'), {}, (value) => (value && typeof value === 'object' ? value : {}));
  if (typeof config.registryRefresh === 'string') return parseRefreshInterval(config.registryRefresh, 'registryRefresh in config.json');
  return DEFAULT_REFRESH_MS;
}

export async function recordRegistryRead(configDir: string, location: RegistryLocation, now = new Date()): Promise<void> {
  const checked = await readChecked(configDir);
  checked.checkedAt[location.display] = now.toISOString();
  await writeJsonAtomic(checkedFile(configDir), checked);
}

/** The configured registry when its last read is older than the refresh interval; else undefined. */
async function dueRegistry(session: Session): Promise<RegistryLocation | undefined> {
  const location = await configuredRegistry(session.configDir, session.env);
  if (!location) return undefined;
  const interval = await refreshInterval(session.configDir, session.env);
  if (interval === Infinity) return undefined;
  const checked = await readChecked(session.configDir);
  const last = Date.parse(checked.checkedAt[location.display] ?? '');
  // A time in the future (a clock set back) counts as due: a refresh is cheap, a stuck one is not.
  if (Number.isFinite(last) && Date.now() - last < interval && last <= Date.now()) return undefined;
  return location;
}

/**
 * Before an installed plugin runs: re-reads the registry when due and updates the deprecation marks
 * of installed versions. Returns a warning when the registry no longer serves the stack's version.
 */
export async function refreshRegistryIfDue(session: Session, service: string, serviceVersion: string): Promise<string | undefined> {
  try {
    const location = await dueRegistry(session);
    if (!location) return undefined;
    const { readRegistryForInstalled } = await import('./index.js');
    const read = await readRegistryForInstalled(session, location, { once: true, service, serviceVersion });
    if (read.stale) session.report.debug(`registry: refresh: ${read.stale}`);
    return read.notServed;
  } catch (error) {
    if (error instanceof UserError && error.exitCode === EXIT.usage) {
      session.report.warn(`${error.message}; the registry is not refreshed`);
      return undefined;
    }
    session.report.debug(`registry: refresh failed, keeping what is installed and cached (${(error as Error).message})`);
    return undefined;
  }
}
