/**
 * A sign-in for programs on the user's machine (RFC 8252): a one-shot HTTP listener on a loopback
 * port chosen by the system receives the authorization redirect, and the code is exchanged with
 * PKCE. Opening the browser is the caller's business (the CLI opens it or prints the URL; tests
 * drive the pages with an HTTP client).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LoginRequiredError } from './errors.js';
import type { OAuthClient } from './oauth-client.js';
import type { TokenSet } from './token-set.js';

export interface LoopbackLoginOptions {
  /** Called with the authorization URL once the listener is up. */
  open: (url: string) => void | Promise<void>;
  /** 0 (default) = an ephemeral port; the server must accept any port for loopback redirects (RFC 8252 §7.3). */
  port?: number;
  /** Path of the redirect URI. Default `/callback`; the client's registered redirect URI must have it. */
  path?: string;
  /** How long to wait for the user; then a LoginRequiredError. Default 5 minutes. */
  timeoutMs?: number;
  extraParams?: Record<string, string>;
}

const PAGE = (message: string) => `<!doctype html><meta charset="utf-8"><title>gatehouse-call</title><p>${message}</p>`;

export async function loopbackLogin(client: OAuthClient, options: LoopbackLoginOptions): Promise<TokenSet> {
  const path = options.path ?? '/callback';
  const timeoutMs = options.timeoutMs ?? 300_000;
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  try {
    const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
    const pending = await client.startLogin(redirectUri, options.extraParams);
    const redirect = new Promise<{ url: URL; res: http.ServerResponse }>((resolve, reject) => {
      // No server refused anything (that would be an OAuthError): the user simply is still not signed in.
      const timer = setTimeout(() => reject(new LoginRequiredError(`nobody completed the sign-in within ${timeoutMs / 1000} s`)), timeoutMs);
      server.on('request', (req, res) => {
        const url = new URL(req.url ?? '/', redirectUri);
        // Browsers also ask for /favicon.ico and the like; only the redirect (with its state) counts.
        if (url.pathname !== path || !url.searchParams.has('state')) {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
          return;
        }
        clearTimeout(timer);
        resolve({ url, res });
      });
    });
    await options.open(pending.url);
    const { url, res } = await redirect;
    try {
      const tokens = await client.finishLogin(pending, url);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE('Signed in. You can close this window and return to the terminal.'));
      return tokens;
    } catch (error) {
      res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE('The sign-in failed; the terminal says why.'));
      throw error;
    }
  } finally {
    server.closeAllConnections();
    server.close();
  }
}
