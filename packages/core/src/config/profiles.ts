// Profiles: a named stack URL plus credentials, stored in <config>/config.json (mode 0600).
import { join } from 'node:path';
import { readJsonFile, updateJsonFile } from './json-file.js';

export interface Profile {
  stackUrl: string;
  accessToken?: string;
  organizationId?: string;
  stackId?: string;
  insecureSkipTlsVerify?: boolean;
}

export interface ProfilesFile {
  currentProfile?: string;
  profiles: Record<string, Profile>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

function checkProfilesFile(value: unknown): ProfilesFile {
  const file = value as ProfilesFile;
  if (!file || typeof file !== 'object' || typeof file.profiles !== 'object' || file.profiles === null) {
    throw new Error('config.json has no "profiles" object; fix or remove it');
  }
  return file;
}

export class ProfileStore {
  constructor(private readonly configDir: string) {}

  get path(): string {
    return join(this.configDir, 'config.json');
  }

  read(): Promise<ProfilesFile> {
    return readJsonFile(this.path, { profiles: {} }, checkProfilesFile);
  }

  async add(name: string, profile: Profile, use: boolean): Promise<void> {
    if (!NAME.test(name)) throw new Error(`invalid profile name ${JSON.stringify(name)}: use letters, digits, ".", "_" and "-"`);
    const url = parseStackUrl(profile.stackUrl);
    await this.update((file) => {
      file.profiles[name] = { ...profile, stackUrl: url };
      if (use || !file.currentProfile) file.currentProfile = name;
    });
  }

  private update(change: (file: ProfilesFile) => void): Promise<ProfilesFile> {
    return updateJsonFile(this.path, { profiles: {} }, checkProfilesFile, change);
  }

  async use(name: string): Promise<void> {
    await this.update((file) => {
      if (!file.profiles[name]) throw new UnknownProfileError(name, Object.keys(file.profiles));
      file.currentProfile = name;
    });
  }

  async remove(name: string): Promise<void> {
    await this.update((file) => {
      if (!file.profiles[name]) throw new UnknownProfileError(name, Object.keys(file.profiles));
      delete file.profiles[name];
      if (file.currentProfile === name) delete file.currentProfile;
    });
  }

  /** The named profile, else the current one; undefined when none is active ("" means none). */
  async active(requested: string | undefined): Promise<{ name: string; profile: Profile } | undefined> {
    const file = await this.read();
    const name = requested ?? file.currentProfile;
    if (!name) return undefined;
    const profile = file.profiles[name];
    if (!profile) throw new UnknownProfileError(name, Object.keys(file.profiles));
    return { name, profile };
  }
}

export class UnknownProfileError extends Error {
  constructor(name: string, known: string[]) {
    super(`no profile named "${name}"${known.length ? ` (profiles: ${known.join(', ')})` : ' (no profiles yet: fctl profile add NAME --stack-url URL)'}`);
  }
}

function parseStackUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`invalid stack URL ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`stack URL must be http(s), got ${url.protocol}`);
  if (url.username || url.password) throw new Error('stack URL must not contain credentials; use --token-file');
  return url.toString().replace(/\/$/, '');
}
