// Registry credentials from a Docker config.json ($DOCKER_CONFIG/config.json, else
// ~/.docker/config.json): "auth" (base64 user:password) or username/password. Never printed.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface BasicCredentials {
  username: string;
  password: string;
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string }>;
}

export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG ?? join(env.HOME ?? homedir(), '.docker'), 'config.json');
}

export function credentialsFor(host: string, env: NodeJS.ProcessEnv = process.env): BasicCredentials | undefined {
  let config: DockerConfig;
  try {
    config = JSON.parse(readFileSync(dockerConfigPath(env), 'utf8')) as DockerConfig;
  } catch {
    return undefined;
  }
  const entry = config.auths?.[host] ?? config.auths?.[`https://${host}`] ?? config.auths?.[`http://${host}`];
  if (!entry) return undefined;
  if (entry.username && entry.password) return { username: entry.username, password: entry.password };
  if (!entry.auth) return undefined;
  const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 ? { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) } : undefined;
}
