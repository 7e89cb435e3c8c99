// The connections behind every request: undici's EnvHttpProxyAgent, which sends a request through
// HTTPS_PROXY / HTTP_PROXY (or their lowercase forms) unless NO_PROXY names its host, loopback
// included. One agent per proxy setting, connect timeout and TLS choice, so that an insecure
// request (a profile's insecure-TLS flag) never shares a connection with the others. undici is
// loaded on the first request only: most fctl commands send none.
import type { Dispatcher } from 'undici';
import { keepFirstParserOnBaseline } from './parser-tiering.js';

/** Empty when unset: undici then uses no proxy (it does not read process.env itself). */
export interface ProxySettings {
  httpProxy: string;
  httpsProxy: string;
  noProxy: string;
}

/** The proxy variables as undici reads them (lowercase first). */
export function proxySettings(env: NodeJS.ProcessEnv): ProxySettings {
  const pick = (name: string) => env[name.toLowerCase()] ?? env[name] ?? '';
  return { httpProxy: pick('HTTP_PROXY'), httpsProxy: pick('HTTPS_PROXY'), noProxy: pick('NO_PROXY') };
}

const agents = new Map<string, Promise<Dispatcher>>();

type Undici = typeof import('undici');
let undici: Promise<Undici> | undefined;

/** undici, loaded once; in a bundle its CommonJS exports sit under `default`. */
export function loadUndici(): Promise<Undici> {
  if (!undici) keepFirstParserOnBaseline();
  undici ??= import('undici').then((module) => ('request' in module ? module : (module as { default: Undici }).default));
  return undici;
}

export function dispatcherFor(proxies: ProxySettings, connectMs: number, insecureTls: boolean): Promise<Dispatcher> {
  const key = JSON.stringify([proxies, connectMs, insecureTls]);
  let agent = agents.get(key);
  if (!agent) {
    agent = loadUndici().then(({ EnvHttpProxyAgent }) => {
      const tls = { timeout: connectMs, ...(insecureTls ? { rejectUnauthorized: false } : {}) };
      // `connect` shapes direct connections; `requestTls` the tunnelled ones, `proxyTls` the one to the proxy.
      return new EnvHttpProxyAgent({ ...proxies, connect: tls, requestTls: tls, proxyTls: { timeout: connectMs } });
    });
    agents.set(key, agent);
  }
  return agent;
}
