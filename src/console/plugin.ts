/**
 * Serves the web console at `{issuer}/console/` for every tenant (the root for the default
 * tenant, `/t/{id}/console/` for the others). The page is told its issuer by a meta tag filled
 * in here, so one build serves every tenant and any public base URL. Strict CSP: the console's
 * own files and its own origin's API, nothing inline, nothing from elsewhere.
 */
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Gatehouse } from '../gatehouse.js';
import type { TenantContext } from '../core/tenants.js';
import { resolveTenant } from '../tenancy/resolve-tenant.js';
import { escapeHtml, sendPage } from '../ui/html.js';
import { CONSOLE_DIST, loadAssets, type Asset } from './assets.js';

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export interface ConsoleOptions {
  gh: Gatehouse;
  /** The built console; console/dist unless a test points elsewhere. */
  dir?: string;
}

export async function consolePlugin(app: FastifyInstance, { gh, dir = CONSOLE_DIST }: ConsoleOptions): Promise<void> {
  // Read on first use rather than at start, so a console built after the server started is found.
  let assets: Map<string, Asset> | undefined;
  const built = () => (assets ??= loadAssets(dir));
  const routes = async (mount: FastifyInstance) => {
    resolveTenant(mount, gh.tenants);
    // Relative, so it stays right behind a reverse proxy that adds a path prefix.
    mount.get('/console', async (_request, reply) => reply.redirect('console/', 302));
    mount.get<{ Params: { '*': string } }>('/console/*', async (request, reply) => {
      const files = built();
      if (!files) {
        return sendPage(reply, 503, 'Console not built', '<h1>The console is not built</h1><p>Build it with <code>npm run build</code> (the install command, <code>npm ci</code>, does this), then reload this page.</p>');
      }
      const file = request.params['*'];
      const asset = file === 'index.html' ? undefined : files.get(file);
      if (asset) return sendAsset(reply, asset);
      // A missing script or stylesheet must not answer with the page: the browser would run HTML as code.
      if (path.extname(file)) return sendPage(reply, 404, 'Not found', '<h1>Not found</h1><p>The console has no such file.</p>');
      return sendIndex(reply, files.get('index.html')!, request.tenant, file.split('/').length - 1);
    });
  };
  await app.register(routes);
  await app.register(routes, { prefix: '/t/:tenant' });
}

function sendAsset(reply: FastifyReply, asset: Asset): FastifyReply {
  return reply
    .header('content-type', asset.contentType)
    .header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
    .send(asset.body);
}

/**
 * The single page, for `/console/` and, as the SPA fallback, any deeper path without an
 * extension; there the relative asset URLs are given the `../` that reach the console's root.
 */
function sendIndex(reply: FastifyReply, index: Asset, tenant: TenantContext, depth: number): FastifyReply {
  const html = index.body
    .toString('utf8')
    .replace('<meta name="gatehouse-issuer" content="">', `<meta name="gatehouse-issuer" content="${escapeHtml(tenant.issuer)}">`)
    .replace('<meta name="gatehouse-tenant" content="">', `<meta name="gatehouse-tenant" content="${escapeHtml(tenant.tenant.id)}">`)
    .replaceAll('"./assets/', `"${'../'.repeat(depth) || './'}assets/`);
  return reply.header('content-type', index.contentType).header('cache-control', 'no-store').header('content-security-policy', CSP).send(html);
}
