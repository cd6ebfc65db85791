#!/usr/bin/env node
/**
 * gatehouse-call: call OAuth-protected APIs from a terminal.
 *   gatehouse-call login | token | call METHOD URL | profile save|list|show|remove
 * See README.md for the options and exit codes.
 */
import { parseArgs } from 'node:util';
import { ConfigStore, configDir } from './config-store.js';
import { call } from './commands/call.js';
import { login } from './commands/login.js';
import { profileCommand } from './commands/profile.js';
import { token } from './commands/token.js';
import { describeFailure, EXIT, UsageError } from './failure.js';
import type { Flags } from './profile.js';

const text = { type: 'string' } as const;
const flag = { type: 'boolean' } as const;
const OPTIONS = {
  profile: { ...text, short: 'p' },
  issuer: text,
  'token-url': text,
  'authorize-url': text,
  'client-id': text,
  'client-secret': text,
  auth: text,
  grant: text,
  username: text,
  password: text,
  'api-key': text,
  'auth-type': text,
  scope: text,
  scheme: text,
  'extra-header': { ...text, multiple: true },
  'json-token-body': flag,
  'refresh-margin': text,
  'token-timeout': text,
  'token-ca': text,
  'token-client-cert': text,
  'token-client-key': text,
  'token-insecure': flag,
  'token-proxy': text,
  'api-timeout': text,
  'api-ca': text,
  'api-client-cert': text,
  'api-client-key': text,
  'api-insecure': flag,
  'api-proxy': text,
  // login
  'no-browser': flag,
  port: text,
  timeout: text,
  // call
  data: { ...text, short: 'd' },
  json: text,
  header: { ...text, short: 'H', multiple: true },
  include: { ...flag, short: 'i' },
  verbose: { ...flag, short: 'v' },
  help: { ...flag, short: 'h' },
} as const;

/**
 * The word after an option that takes a value is that value, whatever it starts with: generated
 * client ids and secrets (base64url) may begin with "-", which parseArgs would otherwise refuse as
 * ambiguous. Attaching it (`--client-id=-abc`, `-p-abc`) says so.
 */
function valuesAttached(argv: string[]): string[] {
  const takesValue = new Set<string>();
  for (const [name, option] of Object.entries(OPTIONS)) {
    if (option.type !== 'string') continue;
    takesValue.add(`--${name}`);
    if ('short' in option) takesValue.add(`-${option.short}`);
  }
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = argv[i + 1];
    if (arg === '--') return [...out, ...argv.slice(i)];
    if (takesValue.has(arg) && value !== undefined && value.startsWith('-')) {
      out.push(arg.startsWith('--') ? `${arg}=${value}` : `${arg}${value}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

const USAGE = `usage: gatehouse-call <command> [options]

commands:
  login                     sign in (authorization code + PKCE, loopback redirect); saves the profile
  token                     print a valid access token
  call METHOD URL           send a request with the token (--data/-d BODY, --json BODY, -H "Name: value", -i)
  profile save|list|show|remove [NAME]

connection (stored by "profile save" and "login"; given on any command they override the profile):
  --profile/-p NAME (default: $GATEHOUSE_CALL_PROFILE or "default")
  --issuer URL | --token-url URL [--authorize-url URL]
  --client-id ID [--client-secret S] [--auth basic|post|none]
  --grant client_credentials|password|api_key|authorization_code [--username U --password P | --api-key K [--auth-type NAME]]
  --scope "a b" --scheme Bearer|OAuth --extra-header "GENEXUS-AGENT: SmartDevice Application" --json-token-body
  --refresh-margin SECONDS
  --token-timeout MS --token-ca FILE --token-client-cert FILE --token-client-key FILE --token-insecure --token-proxy URL
  --api-timeout MS   --api-ca FILE   --api-client-cert FILE   --api-client-key FILE   --api-insecure   --api-proxy URL
login: --no-browser (only print the URL) --port N (default: ephemeral) --timeout SECONDS
--verbose/-v shows the OAuth exchanges on stderr, secrets masked.
files: $GATEHOUSE_CALL_CONFIG_DIR (default ~/.config/gatehouse-call): config.json, tokens.json (owner-only)
exit codes: 0 ok, 1 API HTTP error, 2 usage/profile, 3 token endpoint refused, 4 login required, 5 network/TLS/timeout`;

async function main(argv: string[]): Promise<number> {
  const out = (chunk: string | Uint8Array) => process.stdout.write(chunk);
  const err = (line: string) => process.stderr.write(`${line}\n`);
  let parsed;
  try {
    parsed = parseArgs({ args: valuesAttached(argv), options: OPTIONS, allowPositionals: true });
  } catch (error) {
    err(`${(error as Error).message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const flags = parsed.values as Flags;
  const [command, ...rest] = parsed.positionals;
  if (flags.help || !command) {
    (flags.help ? out : err)(`${USAGE}\n`);
    return flags.help ? EXIT.ok : EXIT.usage;
  }
  const store = new ConfigStore(configDir(), (message) => err(`gatehouse-call: warning: ${message}`));
  try {
    switch (command) {
      case 'login':
        await login(store, flags, err);
        return EXIT.ok;
      case 'token':
        await token(store, flags, out);
        return EXIT.ok;
      case 'call':
        return await call(store, flags, rest, out, err);
      case 'profile':
        profileCommand(store, flags, rest, out);
        return EXIT.ok;
      default:
        throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
    }
  } catch (error) {
    const failure = describeFailure(error);
    err(`gatehouse-call: ${failure.message}`);
    return failure.code;
  }
}

process.exitCode = await main(process.argv.slice(2));
