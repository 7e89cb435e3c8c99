// Where fctl keeps its configuration and plugins.
import { homedir } from 'node:os';
import { join } from 'node:path';

/** FCTL_CONFIG_DIR, else the platform's configuration directory. */
export function configDirectory(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.FCTL_CONFIG_DIR) return env.FCTL_CONFIG_DIR;
  const home = env.HOME ?? homedir();
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'fctl');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'fctl');
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'fctl');
}
