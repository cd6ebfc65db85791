/**
 * The SDK against a foreign authorization server, panva's oidc-provider, run in this process:
 * discovery and client_credentials, authorization code + PKCE through the loopback sign-in with
 * its interactions automated (login and consent answered by the test's own interaction route, the
 * browser played by an HTTP client), refresh, and renewal after a 401. The protected API asks
 * oidc-provider's own token models whether a token is live.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';
import { createFetch, loopbackLogin, OAuthClient, OAuthError } from '../../client/src/index.js';
import { FormClient } from '../helpers/forms.js';
import { freePort } from '../helpers/server.js';
import { littleServer, type LittleServer } from './little-servers.js';

/** What this test uses of oidc-provider beyond bench/types/oidc-provider.d.ts (the package ships no types). */
interface KoaContext {
  path: string;
  req: IncomingMessage;
  res: ServerResponse;
  redirect(url: string): void;
}
interface TokenModel {
  accountId?: string;
  clientId: string;
  isExpired: boolean;
  destroy(): Promise<void>;
}
interface Interaction {
  prompt: { name: string; details: { missingOIDCScope?: string[]; missingOIDCClaims?: string[] } };
  session?: { accountId: string };
  params: Record<string, unknown>;
}
interface TestProvider {
  listen(port: number, host: string): Server;
  on(event: 'grant.success', listener: (ctx: { oidc: { params?: Record<string, unknown> } }) => void): void;
  use(middleware: (ctx: KoaContext, next: () => Promise<unknown>) => Promise<unknown>): void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
  interactionResult(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, options: { mergeWithLastSubmission: boolean }): Promise<string>;
  Grant: new (properties: { accountId: string; clientId: string }) => { addOIDCScope(scope: string): void; addOIDCClaims(claims: string[]): void; save(): Promise<string> };
  AccessToken: { find(token: string): Promise<TokenModel | undefined> };
  ClientCredentials: { find(token: string): Promise<TokenModel | undefined> };
}

describe('client SDK against oidc-provider', () => {
  let provider: TestProvider;
  let issuer: string;
  let listener: Server;
  let api: LittleServer;
  const grants: string[] = [];

  before(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    provider = new Provider(issuer, {
      clients: [
        { client_id: 'machine', client_secret: 'machine-secret-0123456789', grant_types: ['client_credentials'], response_types: [], redirect_uris: [] },
        // A native app (RFC 8252): public, PKCE, loopback redirect on any port.
        { client_id: 'cli', application_type: 'native', token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], redirect_uris: ['http://127.0.0.1/callback'] },
      ],
      jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] },
      clientDefaults: { id_token_signed_response_alg: 'ES256' },
      cookies: { keys: ['oidc-provider-test-cookie-key'] },
      // Explicit lifetimes and store keep oidc-provider from warning about its defaults on every run.
      ttl: { AccessToken: 600, ClientCredentials: 600, IdToken: 600, RefreshToken: 86_400, Interaction: 600, Session: 86_400, Grant: 86_400 },
      adapter: (model: string) => new MemoryAdapter(model),
      features: { clientCredentials: { enabled: true }, devInteractions: { enabled: false } },
      issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) => client.grantTypeAllowed('refresh_token'),
      findAccount: async (_ctx: unknown, sub: string) => ({ accountId: sub, claims: async () => ({ sub }) }),
    }) as unknown as TestProvider;
    provider.on('grant.success', (ctx) => grants.push(String(ctx.oidc.params?.grant_type)));
    // The interaction pages, answered at once: "alice" signs in and consents to what was asked.
    provider.use(async (ctx, next) => {
      if (!ctx.path.startsWith('/interaction/')) return next();
      const details = await provider.interactionDetails(ctx.req, ctx.res);
      if (details.prompt.name === 'login') {
        ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, { login: { accountId: 'alice' } }, { mergeWithLastSubmission: false }));
        return undefined;
      }
      const grant = new provider.Grant({ accountId: details.session!.accountId, clientId: details.params.client_id as string });
      const missing = details.prompt.details;
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true }));
      return undefined;
    });
    listener = provider.listen(port, '127.0.0.1');
    // The API: a token is good while oidc-provider still holds it.
    api = await littleServer(async (r) => {
      const token = /^Bearer (.+)$/.exec(r.headers.authorization ?? '')?.[1] ?? '';
      const found = token ? ((await provider.AccessToken.find(token)) ?? (await provider.ClientCredentials.find(token))) : undefined;
      return found && !found.isExpired ? { body: { who: found.accountId ?? found.clientId } } : { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } };
    });
  });
  after(async () => {
    await api?.close();
    listener?.closeAllConnections();
    await new Promise((resolve) => listener?.close(resolve));
  });
  const callApi = (client: OAuthClient, path: string) => client.fetch(`${api.url}${path}`);

  test('client_credentials by discovery; the token is cached; a wrong secret is an OAuthError', async () => {
    grants.length = 0;
    const call = createFetch({ issuer, clientId: 'machine', clientSecret: 'machine-secret-0123456789', grant: { type: 'client_credentials' } });
    try {
      for (let i = 0; i < 3; i++) {
        const response = await callApi(call.client, `/m${i}`);
        assert.equal(response.status, 200);
        assert.deepEqual(await response.json(), { who: 'machine' });
      }
      assert.deepEqual(grants, ['client_credentials'], 'one token request for three calls');
    } finally {
      await call.client.close();
    }
    const wrong = new OAuthClient({ issuer, clientId: 'machine', clientSecret: 'wrong', grant: { type: 'client_credentials' } });
    try {
      await assert.rejects(wrong.getToken(), (error: unknown) => error instanceof OAuthError && error.error === 'invalid_client' && error.status === 401);
    } finally {
      await wrong.close();
    }
  });

  test('authorization code + PKCE on a loopback redirect, then refresh and renewal after a 401', async () => {
    grants.length = 0;
    const client = new OAuthClient({ issuer, clientId: 'cli', grant: { type: 'authorization_code' }, scope: 'openid' });
    try {
      const browser = new FormClient(`${issuer}/`);
      let authorizeUrl = '';
      let loopbackPage: Promise<Response> | undefined;
      const tokens = await loopbackLogin(client, {
        timeoutMs: 60_000,
        open: async (url) => {
          authorizeUrl = url;
          // The browser's part: follow the server's redirects (through the interactions) to the loopback listener.
          const landed = await browser.go(url);
          assert.match(landed.url, /^http:\/\/127\.0\.0\.1:\d+\/callback\?/, `the flow ended on ${landed.url}`);
          loopbackPage = fetch(landed.url);
        },
      });
      const page = await loopbackPage!;
      assert.equal(page.status, 200);
      assert.match(await page.text(), /Signed in/);
      const sent = new URL(authorizeUrl).searchParams;
      assert.equal(sent.get('code_challenge_method'), 'S256');
      assert.ok(sent.get('code_challenge') && sent.get('state'));
      assert.ok(tokens.refreshToken, 'a refresh token was issued');
      assert.ok(tokens.idToken);
      assert.deepEqual(grants, ['authorization_code']);

      const response = await callApi(client, '/me');
      assert.deepEqual(await response.json(), { who: 'alice' });

      // Renewal ahead of expiry uses the refresh token.
      await client.restore({ ...(await client.snapshot())!, expiresAt: Date.now() - 1 });
      assert.equal((await callApi(client, '/me')).status, 200);
      assert.deepEqual(grants, ['authorization_code', 'refresh_token']);

      // The server forgets the access token: the API's 401 leads to one refresh and one retry.
      const current = (await client.getToken()).accessToken;
      await (await provider.AccessToken.find(current))!.destroy();
      const final = await callApi(client, '/me');
      assert.equal(final.status, 200);
      assert.deepEqual(grants, ['authorization_code', 'refresh_token', 'refresh_token']);
    } finally {
      await client.close();
    }
  });
});
