/**
 * gatehouse-call as a user runs it, as a child process against Gatehouse and its gateway: `login`
 * with the browser step played by an HTTP client (the authorize URL followed, the login and
 * consent forms filled as INTERFACE.md promises), then `token` and `call`; profiles in owner-only
 * files; --verbose with secrets masked; exit codes and messages that say what to fix. Mistakes in
 * arguments and files, and servers that do not answer, against scripted servers.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { testDatabases, tempDir } from '../helpers/databases.js';
import { FormClient, signIn } from '../helpers/forms.js';
import { json } from '../helpers/oauth.js';
import { ROOT } from '../helpers/server.js';
import { littleServer, type LittleServer } from './little-servers.js';
import { startStack, type Stack } from './stack.js';

const CLI = path.join(ROOT, 'client/src/cli/main.ts');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; `onStderr` sees each chunk as it comes (login prints the URL and then waits). */
function runCli(configDir: string, args: string[], onStderr?: (all: string) => void): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, GATEHOUSE_CALL_CONFIG_DIR: configDir, GATEHOUSE_CALL_PROFILE: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    onStderr?.(stderr);
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    }),
  );
}

const database = testDatabases()[0]!;

describe('gatehouse-call CLI against Gatehouse', () => {
  let stack: Stack;
  let configDir: string;
  let userId: string;
  let app: { id: string; secret: string };
  let machine: { id: string; secret: string };

  before(async () => {
    stack = await startStack(await database.create());
    // A directory that does not exist yet: the CLI creates it, owner-only.
    configDir = path.join(tempDir(), 'gatehouse-call');
    const user = await stack.admin('/users', json('POST', { username: 'carol', password: 'carol-password-1' }));
    assert.equal(user.status, 201, JSON.stringify(user.body));
    userId = user.body.id;
    app = await stack.createClient({ client_name: 'cli-app', token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], redirect_uris: ['http://127.0.0.1/callback'], scope: 'openid orders.read orders.write', refresh_token_limit: null });
    machine = await stack.createClient({ client_name: 'cli-machine', grant_types: ['client_credentials'], scope: 'orders.read' });
  });
  after(async () => {
    await stack?.close();
  });

  /** Runs `login`, playing the browser: the printed URL followed, carol's login and consent submitted, the redirect delivered. */
  async function loginAs(args: string[]): Promise<Run> {
    let driven: Promise<void> | undefined;
    const run = await runCli(configDir, args, (stderr) => {
      const url = /Open this URL to sign in: (\S+)/.exec(stderr)?.[1];
      if (!url || driven) return;
      driven = (async () => {
        const browser = new FormClient(`${stack.server.url}/`);
        const redirect = await signIn(browser, url, { username: 'carol', password: 'carol-password-1' });
        assert.match(redirect.toString(), /^http:\/\/127\.0\.0\.1:\d+\/callback\?code=/);
        assert.equal((await fetch(redirect)).status, 200);
      })();
    });
    await driven;
    return run;
  }

  test('login (browser step by an HTTP client), then token and call through the gateway', async () => {
    const login = await loginAs(['login', '--profile', 'shop', '--issuer', stack.server.url, '--client-id', app.id, '--scope', 'openid orders.read orders.write', '--no-browser']);
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stderr, /Signed in \(profile "shop", scope "[^"]*orders\.read[^"]*", with a refresh token\)/);

    // Owner-only files.
    if (process.platform !== 'win32') {
      assert.equal(fs.statSync(configDir).mode & 0o777, 0o700);
      assert.equal(fs.statSync(path.join(configDir, 'config.json')).mode & 0o777, 0o600);
      assert.equal(fs.statSync(path.join(configDir, 'tokens.json')).mode & 0o777, 0o600);
    }
    const config = JSON.parse(fs.readFileSync(path.join(configDir, 'config.json'), 'utf8'));
    assert.equal(config.profiles.shop.issuer, stack.server.url);
    assert.equal(config.profiles.shop.grant, 'authorization_code');

    const token = await runCli(configDir, ['token', '--profile', 'shop']);
    assert.equal(token.code, 0, token.stderr);
    const claims = decodeJwt(token.stdout.trim());
    assert.equal(claims.sub, userId);
    assert.equal(claims.client_id, app.id);

    const get = await runCli(configDir, ['call', 'GET', `${stack.gateway}/orders/7`, '--profile', 'shop']);
    assert.equal(get.code, 0, get.stderr);
    assert.deepEqual({ ...JSON.parse(get.stdout), agent: undefined }, { method: 'GET', url: '/orders/7', subject: userId, client: app.id, agent: undefined, body: '' });

    const post = await runCli(configDir, ['call', 'POST', `${stack.gateway}/orders/8`, '--profile', 'shop', '--json', '{"qty":2}', '-H', 'X-Trace: t-1', '-i']);
    assert.equal(post.code, 0, post.stderr);
    assert.match(post.stdout, /^HTTP 200 OK\n/);
    const hit = stack.hits.at(-1)!;
    assert.equal(hit.body, '{"qty":2}');
    assert.equal(hit.headers['content-type'], 'application/json');
    assert.equal(hit.headers['x-trace'], 't-1');

    // The access token expires: the stored refresh token renews it, with no new sign-in.
    const tokens = JSON.parse(fs.readFileSync(path.join(configDir, 'tokens.json'), 'utf8'));
    tokens.shop.set.expiresAt = Date.now() - 1000;
    fs.writeFileSync(path.join(configDir, 'tokens.json'), JSON.stringify(tokens));
    const renewed = await runCli(configDir, ['call', 'GET', `${stack.gateway}/orders/9`, '--profile', 'shop', '--verbose']);
    assert.equal(renewed.code, 0, renewed.stderr);
    assert.match(renewed.stderr, /token endpoint: POST .*\/oauth\/token/);
    assert.match(renewed.stderr, /"grant_type":"refresh_token"/);
    assert.ok(!renewed.stderr.includes(tokens.shop.set.refreshToken), 'the refresh token is masked');
    const after = JSON.parse(fs.readFileSync(path.join(configDir, 'tokens.json'), 'utf8'));
    assert.notEqual(after.shop.set.accessToken, tokens.shop.set.accessToken, 'the renewed token was saved');
    assert.ok(!renewed.stderr.includes(after.shop.set.accessToken), 'the access token is masked');
  });

  test('profiles: save, list, show with secrets masked; a client_credentials profile with --verbose', async () => {
    const saved = await runCli(configDir, ['profile', 'save', 'machine', '--token-url', `${stack.server.url}/oauth/token`, '--client-id', machine.id, '--client-secret', machine.secret, '--grant', 'client_credentials', '--scope', 'orders.read']);
    assert.equal(saved.code, 0, saved.stderr);
    const list = await runCli(configDir, ['profile', 'list']);
    assert.deepEqual(list.stdout.trim().split('\n').sort(), ['machine', 'shop']);
    const shown = await runCli(configDir, ['profile', 'show', 'machine']);
    assert.ok(!shown.stdout.includes(machine.secret));
    assert.equal(JSON.parse(shown.stdout).clientId, machine.id);

    // Generated ids and secrets are base64url and may start with "-": still the option's value.
    const dashed = await runCli(configDir, ['profile', 'save', 'dashed', '--token-url', `${stack.server.url}/oauth/token`, '--client-id', '-dash-id', '--client-secret', '-dash-secret']);
    assert.equal(dashed.code, 0, dashed.stderr);
    assert.equal(JSON.parse((await runCli(configDir, ['profile', 'show', 'dashed'])).stdout).clientId, '-dash-id');
    await runCli(configDir, ['profile', 'remove', 'dashed']);

    const token = await runCli(configDir, ['token', '--profile', 'machine', '--verbose']);
    assert.equal(token.code, 0, token.stderr);
    assert.match(token.stderr, /> authorization: Basic \S+/);
    assert.match(token.stderr, /< .*"access_token":"…[^"]{4}\(\d+ chars\)"/);
    assert.ok(!token.stderr.includes(machine.secret), 'no secret on stderr');
    assert.ok(!token.stderr.includes(token.stdout.trim()), 'the token itself only on stdout');
  });

  test('the webMethods PKCE flow (seed 002): a confidential client, Basic authentication, JSON token requests', async () => {
    assert.equal((await stack.admin('/settings', json('PATCH', { compat: { json_token_body: true } }))).status, 200);
    try {
      const wm = await stack.createClient({ client_name: 'wm-app', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], redirect_uris: ['http://127.0.0.1/callback'], scope: 'openid orders.read', refresh_token_limit: null });
      const login = await loginAs(['login', '-p', 'wm', '--issuer', stack.server.url, '--client-id', wm.id, '--client-secret', wm.secret, '--auth', 'basic', '--json-token-body', '--scope', 'openid orders.read', '--no-browser', '--verbose']);
      assert.equal(login.code, 0, login.stderr);
      assert.match(login.stderr, /> content-type: application\/json/);
      assert.match(login.stderr, /"grant_type":"authorization_code"/);
      assert.match(login.stderr, /"code_verifier":"\*\*\*\*"/, 'the verifier is masked');
      assert.ok(!login.stderr.includes(wm.secret));
      const get = await runCli(configDir, ['call', 'GET', `${stack.gateway}/orders/wm`, '-p', 'wm']);
      assert.equal(get.code, 0, get.stderr);
      assert.equal(JSON.parse(get.stdout).client, wm.id);
    } finally {
      await stack.admin('/settings', json('PATCH', { compat: { json_token_body: false } }));
    }
  });

  test('exit codes and messages say what to fix', async () => {
    const badSecret = await runCli(configDir, ['token', '--profile', 'bad', '--token-url', `${stack.server.url}/oauth/token`, '--client-id', machine.id, '--client-secret', 'wrong-secret']);
    assert.equal(badSecret.code, 3);
    assert.match(badSecret.stderr, /invalid_client/);
    assert.match(badSecret.stderr, /--client-secret/);

    const noIssuer = await runCli(configDir, ['token', '--profile', 'nowhere', '--client-id', 'x']);
    assert.equal(noIssuer.code, 2);
    assert.match(noIssuer.stderr, /--issuer|--token-url/);

    const notSignedIn = await runCli(configDir, ['token', '--profile', 'fresh', '--issuer', stack.server.url, '--client-id', app.id, '--grant', 'authorization_code']);
    assert.equal(notSignedIn.code, 4);
    assert.match(notSignedIn.stderr, /gatehouse-call login/);

    const forbidden = await runCli(configDir, ['call', 'DELETE', `${stack.gateway}/orders/1`, '--profile', 'machine']);
    assert.equal(forbidden.code, 1);
    assert.match(forbidden.stderr, /HTTP 403.*insufficient_scope.*--scope/);

    const refused = await runCli(configDir, ['call', 'GET', 'http://127.0.0.1:9/x', '--profile', 'machine', '--api-timeout', '5000']);
    assert.equal(refused.code, 5);
    assert.match(refused.stderr, /could not reach the API/);

    const usage = await runCli(configDir, ['call', 'GET']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /usage: gatehouse-call call METHOD URL/);
  });

  test('a cached token is reused only with the credentials that obtained it: a wrong secret or password is refused by the server', async () => {
    const tokenFile = path.join(configDir, 'tokens.json');
    const stored = () => JSON.parse(fs.readFileSync(tokenFile, 'utf8'));
    const machineFlags = (secret: string) => ['--profile', 'rotating', '--token-url', `${stack.server.url}/oauth/token`, '--client-id', machine.id, '--client-secret', secret, '--scope', 'orders.read'];
    const first = await runCli(configDir, ['token', ...machineFlags(machine.secret)]);
    assert.equal(first.code, 0, first.stderr);
    const cached = stored().rotating;
    assert.equal(cached.set.accessToken, first.stdout.trim());

    for (const args of [
      ['token', ...machineFlags('nope')],
      ['call', 'GET', `${stack.gateway}/orders/1`, ...machineFlags('nope')],
    ]) {
      const refused = await runCli(configDir, args);
      assert.equal(refused.code, 3, `${args[0]} with a wrong secret: ${refused.stdout}${refused.stderr}`);
      assert.match(refused.stderr, /invalid_client/);
    }
    assert.deepEqual(stored().rotating, cached, 'a failed run leaves the stored tokens as they were');
    const again = await runCli(configDir, ['token', ...machineFlags(machine.secret), '--verbose']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.trim(), first.stdout.trim(), 'the right secret still finds the cached token');
    assert.doesNotMatch(again.stderr, /token endpoint: POST/, 'without a token request');

    // The password grant: the password is a credential too.
    const web = await stack.createClient({ client_name: 'cli-password', grant_types: ['password'], scope: 'orders.read' });
    const passwordFlags = (password: string) => ['--profile', 'carol-pw', '--token-url', `${stack.server.url}/oauth/token`, '--client-id', web.id, '--client-secret', web.secret, '--grant', 'password', '--username', 'carol', '--password', password];
    assert.equal((await runCli(configDir, ['token', ...passwordFlags('carol-password-1')])).code, 0);
    const wrongPassword = await runCli(configDir, ['token', ...passwordFlags('not-carols-password')]);
    assert.equal(wrongPassword.code, 3, wrongPassword.stderr);
    assert.match(wrongPassword.stderr, /invalid_grant/);

    // Only fingerprints: no secret or password reaches the token file.
    const text = fs.readFileSync(tokenFile, 'utf8');
    for (const secret of [machine.secret, web.secret, 'nope', 'carol-password-1', 'not-carols-password']) assert.ok(!text.includes(secret), 'no secret in tokens.json');
  });
});

describe('gatehouse-call CLI: mistakes, broken files, absent servers (scripted servers)', () => {
  let tokens: LittleServer;
  let api: LittleServer;
  let configDir: string;
  const configFile = () => path.join(configDir, 'config.json');
  const tokenFile = () => path.join(configDir, 'tokens.json');
  const connection = () => ['--token-url', `${tokens.url}/token`, '--client-id', 'x', '--client-secret', 'client-secret-1'];
  const stackTrace = /\n\s+at /;

  before(async () => {
    tokens = await littleServer((r) =>
      r.url === '/odd' ? { status: 201, body: { access_token: 'SECRET-ACCESS-TOKEN-abcdefghijklmnop', refresh_token: 'SECRET-REFRESH-abcdefghij', token_type: 'Bearer' } } : { body: { access_token: `scripted-${Date.now()}`, token_type: 'Bearer', expires_in: 600 } },
    );
    api = await littleServer(() => ({ body: { ok: true } }));
  });
  beforeEach(() => {
    configDir = path.join(tempDir(), 'gatehouse-call');
  });
  after(async () => {
    await Promise.all([tokens?.close(), api?.close()]);
  });

  test('an issuer whose metadata cannot be fetched is a network failure (exit 5), not a bad profile', async () => {
    const closed = await littleServer(() => ({}));
    await closed.close();
    const run = await runCli(configDir, ['token', '-p', 'd1', '--issuer', closed.url, '--client-id', 'x', '--client-secret', 's']);
    assert.equal(run.code, 5, run.stderr);
    assert.match(run.stderr, /could not reach the issuer's metadata \(http:\/\/[^)]*\/\.well-known\//);
    assert.doesNotMatch(run.stderr, /no usable metadata|could not reach the token endpoint/);
  });

  test('a token endpoint answering tokens in an odd way: the message quotes the body with the tokens masked', async () => {
    const run = await runCli(configDir, ['token', '-p', 'd4', '--token-url', `${tokens.url}/odd`, '--client-id', 'x', '--client-secret', 's']);
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stderr, /HTTP 201 .*"access_token":"…mnop\(\d+ chars\)".*"token_type":"Bearer"/);
    assert.ok(!run.stderr.includes('SECRET-ACCESS-TOKEN') && !run.stderr.includes('SECRET-REFRESH'), run.stderr);
  });

  test('call GET|HEAD with a body is a usage error, before any token request', async () => {
    const before = tokens.received.length;
    for (const args of [['GET', '-d', 'a=1'], ['HEAD', '--json', '{}'], ['get', '--data', '@-']]) {
      const run = await runCli(configDir, ['call', args[0]!, `${api.url}/x`, ...args.slice(1), ...connection()]);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, /^gatehouse-call: a (GET|HEAD) request has no body: leave out --data and --json, or use POST, PUT or PATCH\n$/);
    }
    assert.equal(tokens.received.length, before);
  });

  test('a corrupt config.json is a usage error with its message; a corrupt tokens.json is ignored with a warning and rewritten', async () => {
    fs.mkdirSync(configDir, { recursive: true });
    for (const broken of ['{', '[]', 'null']) {
      fs.writeFileSync(configFile(), broken);
      for (const args of [['token', '-p', 'd6', ...connection()], ['profile', 'save', 'd6', ...connection()], ['profile', 'list']]) {
        const run = await runCli(configDir, args);
        assert.equal(run.code, 2, `${broken} / ${args[0]}: ${run.stderr}`);
        assert.match(run.stderr, /config\.json is not a JSON object/);
        assert.doesNotMatch(run.stderr, stackTrace);
      }
      assert.equal(fs.readFileSync(configFile(), 'utf8'), broken, 'left for the user to fix');
    }

    fs.rmSync(configFile());
    assert.equal((await runCli(configDir, ['profile', 'save', 'd6', ...connection()])).code, 0);
    const profiles = fs.readFileSync(configFile(), 'utf8');
    fs.writeFileSync(tokenFile(), '{"d6": ');
    const run = await runCli(configDir, ['token', '-p', 'd6']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^scripted-\d+\n$/);
    assert.match(run.stderr, /^gatehouse-call: warning: [^\n]*tokens\.json is not a JSON object[^\n]*ignored[^\n]*\n$/, 'one line');
    assert.equal(JSON.parse(fs.readFileSync(tokenFile(), 'utf8')).d6.set.accessToken, run.stdout.trim(), 'rewritten with the new token');
    assert.equal(fs.readFileSync(configFile(), 'utf8'), profiles, 'the profiles are untouched');
    const again = await runCli(configDir, ['token', '-p', 'd6']);
    assert.equal(again.stdout, run.stdout, 'the rewritten cache is used');
    assert.equal(again.stderr, '');
  });

  test('profile show masks proxy passwords and secret-looking extra headers (so does --verbose); an unknown profile is an error', async () => {
    const headers = ['X-Api-Key: HEADER-KEY-1', 'Authorization: Bearer HEADER-TOKEN-1', 'X-Auth-Token: HEADER-TOKEN-2', 'Cookie: sid=HEADER-COOKIE-1; theme=dark', 'X-Client-Secret: HEADER-SECRET-1', 'GENEXUS-AGENT: SmartDevice Application'].flatMap((line) => ['--extra-header', line]);
    const proxies = ['--api-proxy', 'http://u:PROXYPASS@127.0.0.1:3128', '--token-proxy', 'http://t:TOKENPROXYPASS@127.0.0.1:3129/'];
    const saved = await runCli(configDir, ['profile', 'save', 'd7', ...connection(), ...proxies, ...headers]);
    assert.equal(saved.code, 0, saved.stderr);
    const secrets = ['PROXYPASS', 'HEADER-KEY-1', 'HEADER-TOKEN-1', 'HEADER-TOKEN-2', 'HEADER-COOKIE-1', 'HEADER-SECRET-1', 'client-secret-1'];
    const shown = await runCli(configDir, ['profile', 'show', 'd7']);
    assert.equal(shown.code, 0, shown.stderr);
    for (const secret of secrets) assert.ok(!shown.stdout.includes(secret), `${secret} shown: ${shown.stdout}`);
    const profile = JSON.parse(shown.stdout);
    assert.equal(profile.api.proxy, 'http://u:****@127.0.0.1:3128');
    assert.equal(profile.token.proxy, 'http://t:****@127.0.0.1:3129/');
    assert.equal(profile.headers['GENEXUS-AGENT'], 'SmartDevice Application', 'other headers stay readable');
    assert.equal(profile.headers.Authorization, 'Bearer ****', 'the scheme stays readable');

    // --verbose: the same headers on a token request (without the proxies, which lead nowhere).
    const verbose = await runCli(configDir, ['token', '-p', 'd7-direct', ...connection(), ...headers, '--verbose']);
    assert.equal(verbose.code, 0, verbose.stderr);
    for (const secret of secrets) assert.ok(!verbose.stderr.includes(secret), `${secret} in --verbose: ${verbose.stderr}`);
    assert.match(verbose.stderr, /> x-api-key: \*\*\*\*\n/);
    assert.match(verbose.stderr, /> cookie: \*\*\*\*\n/);
    assert.match(verbose.stderr, /> genexus-agent: SmartDevice Application\n/);

    const unknown = await runCli(configDir, ['profile', 'show', 'nope']);
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stdout, '');
    assert.match(unknown.stderr, /there is no profile "nope" \(gatehouse-call profile list\)/);
  });

  test('login: every argument is checked before the profile is saved; a sign-in nobody completes says so (exit 4)', async () => {
    const loginFlags = (name: string) => ['login', '-p', name, ...connection(), '--authorize-url', `${tokens.url}/authorize`, '--no-browser'];
    // 9999999 s is beyond a Node timer (about 24 days): it would fire at once.
    for (const [flag, value] of [['--port', 'abc'], ['--port', '70000'], ['--timeout', 'abc'], ['--timeout', '0'], ['--timeout', '-5'], ['--timeout', '9999999']] as const) {
      const run = await runCli(configDir, [...loginFlags('newlogin'), flag, value]);
      assert.equal(run.code, 2, `${flag} ${value}: ${run.stderr}`);
      assert.match(run.stderr, new RegExp(`${flag} (must be|can be at most) .*\\(got "${value}"\\)`));
      assert.doesNotMatch(run.stderr, /Open this URL/);
    }
    const badPem = await runCli(configDir, [...loginFlags('newlogin'), '--token-ca', path.join(configDir, 'missing.pem')]);
    assert.equal(badPem.code, 2, badPem.stderr);
    assert.ok(!fs.existsSync(configFile()) || !('newlogin' in JSON.parse(fs.readFileSync(configFile(), 'utf8')).profiles), 'nothing saved');

    const before = tokens.received.length;
    const started = Date.now();
    const timedOut = await runCli(configDir, [...loginFlags('slowlogin'), '--timeout', '1']);
    assert.equal(timedOut.code, 4, timedOut.stderr);
    assert.ok(Date.now() - started < 30_000);
    assert.match(timedOut.stderr, /Open this URL to sign in: /);
    assert.match(timedOut.stderr, /gatehouse-call: nobody completed the sign-in within 1 s/);
    assert.doesNotMatch(timedOut.stderr, /token endpoint/);
    assert.equal(tokens.received.length, before, 'the token endpoint was never asked');
    assert.equal(JSON.parse(fs.readFileSync(configFile(), 'utf8')).profiles.slowlogin.grant, 'authorization_code', 'valid settings are kept for the next attempt');

    // The next attempt, with just -p: declined, as the redirect says (exit 3), which is no word of the token endpoint's either.
    let declined: Promise<Response> | undefined;
    const refused = await runCli(configDir, ['login', '-p', 'slowlogin', '--no-browser', '--timeout', '60'], (stderr) => {
      const url = /Open this URL to sign in: (\S+)/.exec(stderr)?.[1];
      if (!url || declined) return;
      const authorize = new URL(url);
      const back = new URL(authorize.searchParams.get('redirect_uri')!);
      back.search = new URLSearchParams({ state: authorize.searchParams.get('state')!, error: 'access_denied', error_description: 'the user said no' }).toString();
      declined = fetch(back);
    });
    assert.equal((await declined)?.status, 400);
    assert.equal(refused.code, 3, refused.stderr);
    assert.match(refused.stderr, /\ngatehouse-call: the sign-in failed: access_denied: the user said no\n {2}→ the sign-in or the consent was declined\n$/);
    assert.equal(tokens.received.length, before);
  });
});
