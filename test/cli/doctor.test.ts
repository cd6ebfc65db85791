/**
 * `gatehouse doctor` run as the real command (a child process, from source through tsx) against a
 * store that a running server filled through its admin API: a tenant configured with every risk
 * the doctor knows, and a clean one. Each finding's fix is then applied as printed, through the
 * admin API, and the doctor must agree that the risk is gone.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { testDatabases } from '../helpers/databases.js';
import { ADMIN_ID, ADMIN_SECRET, ROOT, startServer, type TestServer } from '../helpers/server.js';
import { basic, bearer, clientCredentialsToken, form, json, request } from '../helpers/oauth.js';
import type { Finding } from '../../src/doctor/finding.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function gatehouse(env: Record<string, string>, args: string[]): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/main.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

async function doctorJson(env: Record<string, string>, args: string[]): Promise<{ code: number | null; report: { tenants: string[]; failed: boolean; counts: Record<string, number>; findings: Finding[] } }> {
  const run = await gatehouse(env, ['doctor', '--json', ...args]);
  assert.equal(run.stderr.replace(/^npm warn.*\n/gm, ''), '', 'nothing on stderr');
  return { code: run.code, report: JSON.parse(run.stdout) };
}

const RISKY_CHECKS = [
  'client.implicit',
  'client.password',
  'client.pkce',
  'client.token-never-expires',
  'client.live-never-expiring-tokens',
  'client.refresh-unlimited',
  'client.api-key-never-expires',
  'client.http-redirect-uri',
  'client.http-post-logout-redirect-uri',
  'settings.pkce',
  'settings.insecure-redirect-uris',
  'settings.refresh-grace',
  'settings.compat.query_refresh',
  'settings.compat.gam',
  'settings.compat.oauth_scheme',
  'settings.compat.json_token_body',
  'settings.lockout',
];

for (const database of testDatabases()) {
  describe(`gatehouse doctor on ${database.name}`, () => {
    let server: TestServer;
    let admin: string;
    let risky: string;
    const ids: Record<string, string> = {};

    const api = (tenant: string) => `${server.url}/t/${tenant}/admin/api/v1`;
    const createClient = async (tenant: string, name: string, metadata: Record<string, unknown>) => {
      const created = await request(`${api(tenant)}/clients`, json('POST', { client_name: name, ...metadata }, bearer(admin)));
      assert.equal(created.status, 201, JSON.stringify(created.body));
      ids[name] = created.body.client_id;
      return created.body as { client_id: string; client_secret?: string };
    };

    before(async () => {
      server = await startServer(await database.create());
      admin = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
      for (const id of ['risky', 'clean']) {
        const created = await request(`${server.url}/admin/api/v1/tenants`, json('POST', { id, name: id }, bearer(admin)));
        assert.equal(created.status, 201, JSON.stringify(created.body));
      }
      risky = api('risky');
      const settings = await request(
        `${risky}/settings`,
        json(
          'PATCH',
          {
            require_pkce: false,
            allow_insecure_redirect_uris: true,
            refresh_token_grace_s: 30,
            compat: { oauth_scheme: true, json_token_body: true, query_refresh: true, gam: true },
            lockout: { max_failures: 1000, wait_increment_s: 0 },
          },
          bearer(admin),
        ),
      );
      assert.equal(settings.status, 200, JSON.stringify(settings.body));
      if ('rate_limits' in settings.body) {
        const limits = await request(`${risky}/settings`, json('PATCH', { rate_limits: { login_per_account_per_min: 0 } }, bearer(admin)));
        assert.equal(limits.status, 200, JSON.stringify(limits.body));
        RISKY_CHECKS.push('settings.rate-limits');
      }
      await createClient('risky', 'spa', { token_endpoint_auth_method: 'none', grant_types: ['implicit'], response_types: ['token'], redirect_uris: ['http://app.example.com/cb'], post_logout_redirect_uris: ['http://app.example.com/bye', 'https://app.example.com/later'] });
      await createClient('risky', 'legacy', { grant_types: ['password', 'refresh_token'], access_token_lifetime: null, refresh_token_limit: null });
      await createClient('risky', 'web', { grant_types: ['authorization_code'], redirect_uris: ['https://web.example.com/cb'], require_pkce: false });
      await createClient('risky', 'keys', { grant_types: ['client_credentials'], api_key_enabled: true, api_key_timeout_hours: 0 });
      const machine = await createClient('risky', 'machine', { grant_types: ['client_credentials'], access_token_lifetime: null });
      const token = await request(`${server.url}/t/risky/oauth/token`, form({ grant_type: 'client_credentials' }, { authorization: basic(machine.client_id, machine.client_secret!) }));
      assert.equal(token.status, 200, JSON.stringify(token.body));
      ids.machineJti = JSON.parse(Buffer.from(token.body.access_token.split('.')[1], 'base64url').toString()).jti;
      await createClient('clean', 'service', { grant_types: ['client_credentials'] });
    });
    after(() => server.close());

    test('a risky tenant: every risk found, with its client, its RFC section and the admin API fix; exit 3', async () => {
      const { code, report } = await doctorJson(server.env, ['--tenant', 'risky']);
      assert.equal(code, 3);
      assert.equal(report.failed, true);
      assert.deepEqual(report.tenants, ['risky']);
      const checks = new Set(report.findings.map((f) => f.check));
      for (const check of RISKY_CHECKS) assert.ok(checks.has(check), `${check} reported`);
      assert.equal(checks.has('deployment.http-issuer'), false, 'a loopback http issuer is fine');
      const find = (check: string, client?: string) => report.findings.find((f) => f.check === check && (!client || f.target === `client ${ids[client]}`));
      assert.deepEqual(find('client.implicit', 'spa'), {
        severity: 'high',
        check: 'client.implicit',
        tenant: 'risky',
        target: `client ${ids.spa}`,
        reference: 'RFC 9700 §2.1.2',
        problem: find('client.implicit', 'spa')!.problem,
        fix: `PATCH ${risky}/clients/${ids.spa} {"grant_types":["authorization_code"],"response_types":["code"]}`,
      });
      assert.equal(find('client.password', 'legacy')!.reference, 'RFC 9700 §2.4');
      assert.equal(find('client.pkce', 'web')!.fix, `PATCH ${risky}/clients/${ids.web} {"require_pkce":true}`);
      assert.equal(find('client.token-never-expires', 'legacy')!.severity, 'high');
      assert.match(find('client.live-never-expiring-tokens', 'machine')!.problem, /^1 live access token/);
      assert.equal(find('client.refresh-unlimited', 'legacy')!.reference, 'RFC 9700 §4.14.2');
      assert.equal(find('client.http-redirect-uri', 'spa')!.fix, `PATCH ${risky}/clients/${ids.spa} {"redirect_uris":["https://app.example.com/cb"]}`);
      assert.equal(find('client.http-post-logout-redirect-uri', 'spa')!.fix, `PATCH ${risky}/clients/${ids.spa} {"post_logout_redirect_uris":["https://app.example.com/bye","https://app.example.com/later"]}`);
      assert.equal(find('settings.compat.query_refresh')!.fix, `PATCH ${risky}/settings {"compat":{"query_refresh":false}}`);
      // Most severe first.
      const order = report.findings.map((f) => ['high', 'medium', 'low'].indexOf(f.severity));
      assert.deepEqual(order, [...order].sort((a, b) => a - b));
    });

    test('the text report names the tenant, severity, client, section and fix', async () => {
      const run = await gatehouse(server.env, ['doctor', '--tenant', 'risky']);
      assert.equal(run.code, 3);
      assert.match(run.stdout, /^gatehouse doctor: 1 tenant\(s\) checked \(risky\)/);
      assert.match(run.stdout, /\ntenant risky\n/);
      assert.ok(run.stdout.includes(`HIGH   client ${ids.legacy}: the resource owner password credentials grant is enabled`), run.stdout);
      assert.ok(run.stdout.includes(`[RFC 9700 §2.4; client.password]`));
      assert.ok(run.stdout.includes(`fix: PATCH ${risky}/clients/${ids.legacy} `));
      assert.match(run.stdout, /FAILED: findings at or above "high"\n?$/);
    });

    test('a clean tenant exits 0; its low findings fail only --fail-on low', async () => {
      const clean = await doctorJson(server.env, ['--tenant', 'clean']);
      assert.equal(clean.code, 0, JSON.stringify(clean.report.findings));
      assert.equal(clean.report.counts.high, 0);
      assert.equal(clean.report.counts.medium, 0);
      // The tenant's admin client has a secret without expiry, and the tenant still allows implicit and password.
      assert.deepEqual(clean.report.findings.map((f) => f.check).sort(), ['client.admin-secret-never-expires', 'settings.allowed-grants']);
      assert.equal((await gatehouse(server.env, ['doctor', '--tenant', 'clean', '--fail-on', 'medium'])).code, 0);
      const strict = await gatehouse(server.env, ['doctor', '--tenant', 'clean', '--fail-on', 'low']);
      assert.equal(strict.code, 3);
      assert.match(strict.stdout, /FAILED: findings at or above "low"/);
    });

    test('without --tenant every tenant is checked; an http issuer off loopback is a deployment finding', async () => {
      const all = await doctorJson(server.env, []);
      assert.deepEqual(all.report.tenants, ['clean', 'default', 'risky']);
      const bootstrap = all.report.findings.find((f) => f.tenant === 'default' && f.check === 'client.admin-secret-never-expires');
      assert.match(bootstrap!.fix, /GATEHOUSE_ADMIN_CLIENT_SECRET/);
      const exposed = await doctorJson({ ...server.env, GATEHOUSE_ISSUER: 'http://auth.example.com' }, ['--tenant', 'clean']);
      assert.equal(exposed.code, 3);
      const finding = exposed.report.findings.find((f) => f.check === 'deployment.http-issuer');
      assert.equal(finding?.severity, 'high');
      assert.equal(finding?.tenant, '*');
      assert.ok(exposed.report.findings.some((f) => f.fix.includes('POST http://auth.example.com/t/clean/admin/api/v1/clients/')), 'fixes name the configured issuer');
    });

    test('usage errors exit 2: an unknown tenant, a bad threshold', async () => {
      const unknown = await gatehouse(server.env, ['doctor', '--tenant', 'nope']);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /--tenant: no tenant "nope"/);
      const bad = await gatehouse(server.env, ['doctor', '--fail-on', 'critical']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--fail-on: must be high, medium or low/);
    });

    test('applying the printed fixes through the admin API clears every finding but the secret reminder', async () => {
      const { report } = await doctorJson(server.env, ['--tenant', 'risky']);
      for (const finding of report.findings) {
        const live = /^GET \S+, then DELETE (\S+)\/\{id\}/.exec(finding.fix);
        if (live) {
          const revoked = await request(`${live[1]}/${ids.machineJti}`, { method: 'DELETE', headers: bearer(admin) });
          assert.equal(revoked.status, 204, JSON.stringify(revoked.body));
          continue;
        }
        const patch = /^PATCH (\S+) (.+)$/.exec(finding.fix);
        if (!patch) continue;
        const applied = await request(patch[1]!, json('PATCH', JSON.parse(patch[2]!), bearer(admin)));
        assert.equal(applied.status, 200, `${finding.fix}: ${JSON.stringify(applied.body)}`);
      }
      const after = await doctorJson(server.env, ['--tenant', 'risky', '--fail-on', 'low']);
      assert.deepEqual(after.report.findings.map((f) => f.check), ['client.admin-secret-never-expires']);
      assert.equal((await gatehouse(server.env, ['doctor', '--tenant', 'risky', '--fail-on', 'medium'])).code, 0);
    });
  });
}
