import { describe, expect, it } from 'vitest';
import { configDirectory } from '../src/config/paths.js';

describe('configDirectory', () => {
  it('prefers FCTL_CONFIG_DIR', () => {
    expect(configDirectory({ FCTL_CONFIG_DIR: '/x/fctl', HOME: '/home/u' }, 'linux')).toBe('/x/fctl');
  });
  it('follows each platform otherwise', () => {
    expect(configDirectory({ HOME: '/home/u' }, 'linux')).toBe('/home/u/.config/fctl');
    expect(configDirectory({ HOME: '/home/u', XDG_CONFIG_HOME: '/cfg' }, 'linux')).toBe('/cfg/fctl');
    expect(configDirectory({ HOME: '/Users/u' }, 'darwin')).toBe('/Users/u/Library/Application Support/fctl');
    expect(configDirectory({ HOME: 'C:\\Users\\u', APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32')).toMatch(/Roaming.fctl$/);
  });
});
