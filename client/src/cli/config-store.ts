/**
 * The CLI's files: named profiles (config.json) and the tokens each profile holds (tokens.json),
 * in a directory only the owner can enter (0700), files only the owner can read (0600), because
 * both hold secrets. GATEHOUSE_CALL_CONFIG_DIR moves the directory (tests, several setups).
 *
 * A config.json that is not a JSON object stops every command until the user fixes it: it holds
 * settings nobody should lose by accident. A tokens.json that is not one is only a lost cache: it
 * is ignored, with a warning, and replaced by the next tokens obtained.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigurationError } from '../errors.js';
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
  private tokenFileIgnored = false;

  constructor(
    readonly dir: string,
    private readonly warn: (message: string) => void,
  ) {}

  get configFile(): string {
    return path.join(this.dir, 'config.json');
  }

  get tokenFile(): string {
    return path.join(this.dir, 'tokens.json');
  }

  profiles(): Record<string, Profile> {
    const config = this.read<{ profiles?: Record<string, Profile> }>(this.configFile, () => {
      throw new ConfigurationError(`${this.configFile} is not a JSON object; fix or delete it`);
    });
    return config.profiles ?? {};
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
    return this.read<Record<string, StoredTokens>>(this.tokenFile, () => {
      // Read several times a run (load, then save): one warning is enough.
      if (!this.tokenFileIgnored) this.warn(`${this.tokenFile} is not a JSON object; ignored (it only caches tokens; the next ones obtained replace it)`);
      this.tokenFileIgnored = true;
      return {};
    });
  }

  /** The file's object; {} when there is no file; `corrupt`'s answer when the file holds no JSON object. */
  private read<T extends object>(file: string, corrupt: () => T): T {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {} as T;
      throw new ConfigurationError(`cannot read ${file}: ${(error as Error).message}`);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      // Not the parser's message: it quotes the text around the mistake, which may be a secret.
      value = undefined;
    }
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as T) : corrupt();
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
