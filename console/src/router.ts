/**
 * Routes live in the fragment (`#/clients`), so the one page at `/console/` serves them all and
 * the server never needs to know them.
 */
export interface Route {
  name: string;
  params: URLSearchParams;
}

export function currentRoute(): Route {
  const [name = '', query = ''] = location.hash.replace(/^#\/?/, '').split('?');
  return { name, params: new URLSearchParams(query) };
}

export const routeHash = (): string => location.hash || '#/clients';
