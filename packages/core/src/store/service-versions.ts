// The service versions each stack reported the last time fctl asked (GET /versions before running a
// plugin command), in <config>/cache/service-versions.json. Only help and completion read it: they
// resolve the implementation a run would use without a network round trip, as of the stack's last
// answer. A run always asks the stack again and updates it. Local state that may be damaged: a read
// is bounded and checked, anything wrong is no memory; a write is atomic and best effort (a
// read-only directory, or another fctl writing at once, costs at most a remembered answer).
import { join } from 'node:path';
import { readFileBounded, writeFileAtomic } from '@fctl-kit/files';

const FORMAT = 1;
const MAX_BYTES = 256 * 1024;
/** Stacks kept, the most recently asked first. */
const MAX_STACKS = 64;
const MAX_SERVICES = 64;
const SERVICE = /^[a-z0-9][a-z0-9-]{0,62}$/;
const VERSION = /^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]{1,200})?$/;

interface StackEntry {
  url: string;
  services: Record<string, string>;
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

export class ServiceVersionMemory {
  constructor(private readonly configDir: string) {}

  get path(): string {
    return join(this.configDir, 'cache', 'service-versions.json');
  }

  private async entries(): Promise<StackEntry[]> {
    const text = await readFileBounded(this.path, MAX_BYTES);
    if (text === undefined) return [];
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return [];
    }
    if (!isObject(value) || value.format !== FORMAT || !Array.isArray(value.stacks)) return [];
    const entries: StackEntry[] = [];
    for (const stack of value.stacks.slice(0, MAX_STACKS)) {
      if (!isObject(stack) || typeof stack.url !== 'string' || stack.url.length > 4096 || !isObject(stack.services)) continue;
      const services: Record<string, string> = {};
      for (const [name, version] of Object.entries(stack.services).slice(0, MAX_SERVICES)) {
        if (SERVICE.test(name) && typeof version === 'string' && VERSION.test(version)) services[name] = version;
      }
      entries.push({ url: stack.url, services });
    }
    return entries;
  }

  /** The version of `service` the stack at `stackUrl` last reported, if fctl remembers one. */
  async get(stackUrl: string, service: string): Promise<string | undefined> {
    const entry = (await this.entries()).find((stack) => stack.url === stackUrl);
    return entry && Object.hasOwn(entry.services, service) ? entry.services[service] : undefined;
  }

  /** Remembers what the stack just reported; never fails. */
  async set(stackUrl: string, service: string, version: string): Promise<void> {
    if (!SERVICE.test(service) || !VERSION.test(version)) return;
    try {
      const entries = await this.entries();
      const existing = entries.find((stack) => stack.url === stackUrl);
      if (existing?.services[service] === version && entries[0] === existing) return;
      const services = { ...existing?.services, [service]: version };
      const stacks = [{ url: stackUrl, services }, ...entries.filter((stack) => stack !== existing)].slice(0, MAX_STACKS);
      await writeFileAtomic(this.path, `${JSON.stringify({ format: FORMAT, stacks })}\n`);
    } catch {
      // A memory that cannot be written only costs help a round trip to the stack.
    }
  }
}
