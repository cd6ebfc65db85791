/**
 * The CLI's files: named profiles (config.json) and the tokens each profile holds (tokens.json),
 * in a directory only the owner can enter (0700), files only the owner can read (0600), because
 * both hold secrets. GATEHOUSE_CALL_CONFIG_DIR moves the directory (tests, several setups).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TokenSet } from '../token-set.js';
import type { Profile } from './profile.js';

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GATEHOUSE_CALL_CONFIG_DIR) return env.GATEHOUSE_CALL_CONFIG_DIR;
  if (process.platform === 'win32' && env.APPDATA) return path.join(env.APPDATA, 'gatehouse-call');
  return path.join(env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'gatehouse-call');
}

export interface StoredTokens {
  /** The cache key the set belongs to; a profile whose settings or credentials changed does not reuse it. */
  key: string;
  set: TokenSet;
}

export class ConfigStore {
  constructor(readonly dir: string) {}

  get configFile(): string {
    return path.join(this.dir, 'config.json');
  }

  get tokenFile(): string {
    return path.join(this.dir, 'tokens.json');
  }

  profiles(): Record<string, Profile> {
    return this.read<{ profiles?: Record<string, Profile> }>(this.configFile).profiles ?? {};
  }

  saveProfile(name: string, profile: Profile): void {
    const profiles = this.profiles();
    profiles[name] = profile;
    this.write(this.configFile, { profiles });
  }

  removeProfile(name: string): boolean {
    const profiles = this.profiles();
    if (!(name in profiles)) return false;
    delete profiles[name];
    this.write(this.configFile, { profiles });
    const tokens = this.allTokens();
    delete tokens[name];
    this.write(this.tokenFile, tokens);
    return true;
  }

  tokens(name: string): StoredTokens | undefined {
    return this.allTokens()[name];
  }

  saveTokens(name: string, stored: StoredTokens | undefined): void {
    const tokens = this.allTokens();
    if (stored) tokens[name] = stored;
    else delete tokens[name];
    this.write(this.tokenFile, tokens);
  }

  private allTokens(): Record<string, StoredTokens> {
    return this.read<Record<string, StoredTokens>>(this.tokenFile);
  }

  private read<T extends object>(file: string): T {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {} as T;
      throw error;
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new Error(`${file} is not valid JSON; fix or delete it`);
    }
  }

  /** Written to a private temporary file and renamed over, so a reader never sees half a file. */
  private write(file: string, value: unknown): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(this.dir, 0o700);
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
    fs.chmodSync(temporary, 0o600);
    fs.renameSync(temporary, file);
  }
}
