/** What the server told this page about itself: the issuer it belongs to and the tenant's id. */
function meta(name: string): string {
  return document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? '';
}

// Served by Gatehouse, the meta tags are filled in; from a bare dev server, assume the page's own origin.
const issuer = meta('gatehouse-issuer') || location.origin;

export const config = {
  issuer,
  tenant: meta('gatehouse-tenant') || 'default',
  clientId: 'gatehouse-console',
  redirectUri: `${issuer}/console/`,
  api: `${issuer}/admin/api/v1`,
};

export const isDefaultTenant = (): boolean => config.tenant === 'default';
