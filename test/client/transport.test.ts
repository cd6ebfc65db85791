/**
 * Transport settings apply to their own side only (seed 000: separate timeouts and certificate
 * validation for the token service and the API): timeouts, trusted CAs, the client certificate
 * (mTLS), the proxy. Scripted servers over real HTTP(S), with a throw-away CA made by openssl.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { ConfigurationError, OAuthClient, RequestTimeoutError, TransportError } from '../../client/src/index.js';
import { createPki, type Pki } from './pki.js';
import { littleServer, type LittleServer } from './little-servers.js';

const token = { access_token: 'transport-token', token_type: 'Bearer', expires_in: 3600 };

describe('client transport settings, kept apart per side', () => {
  let pki: Pki;
  let slowToken: LittleServer;
  let fastToken: LittleServer;
  let slowApi: LittleServer;
  let fastApi: LittleServer;
  let tlsApi: LittleServer;
  let tlsToken: LittleServer;
  let mtlsApi: LittleServer;
  const clients: OAuthClient[] = [];
  const client = (options: Partial<ConstructorParameters<typeof OAuthClient>[0]> & ({ tokenUrl: string } | { issuer: string })) => {
    const made = new OAuthClient({ clientId: 'c', clientSecret: 's', grant: { type: 'client_credentials' }, ...options });
    clients.push(made);
    return made;
  };

  before(async () => {
    pki = createPki();
    slowToken = await littleServer(() => ({ body: token, delayMs: 2000 }));
    fastToken = await littleServer(() => ({ body: token }));
    slowApi = await littleServer(() => ({ body: 'slow answer', delayMs: 2000 }));
    fastApi = await littleServer(() => ({ body: 'fast answer' }));
    tlsApi = await littleServer(() => ({ body: 'tls answer' }), { cert: pki.serverCert, key: pki.serverKey });
    tlsToken = await littleServer(() => ({ body: token }), { cert: pki.serverCert, key: pki.serverKey });
    mtlsApi = await littleServer((r) => ({ body: `hello ${r.peer}` }), { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, requestCert: true, rejectUnauthorized: true });
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all([slowToken, fastToken, slowApi, fastApi, tlsApi, tlsToken, mtlsApi].map((s) => s?.close()));
  });

  test('a timeout a Node timer cannot hold (0, negative, over about 24 days) is refused when the client is made, not by firing at once', () => {
    for (const timeoutMs of [0, -1, 2 ** 31, Number.NaN]) {
      assert.throws(() => new OAuthClient({ clientId: 'c', clientSecret: 's', grant: { type: 'client_credentials' }, tokenUrl: `${fastToken.url}/token`, transport: { api: { timeoutMs } } }), ConfigurationError, String(timeoutMs));
    }
  });

  test('a slow token endpoint with a short token timeout fails as a token-endpoint timeout, whatever the API timeout', async () => {
    const short = client({ tokenUrl: `${slowToken.url}/token`, transport: { token: { timeoutMs: 300 }, api: { timeoutMs: 30_000 } } });
    await assert.rejects(short.fetch(`${fastApi.url}/x`), (error: unknown) => {
      assert.ok(error instanceof RequestTimeoutError, String(error));
      assert.equal(error.target, 'token endpoint');
      assert.equal(error.timeoutMs, 300);
      return true;
    });
    assert.equal(fastApi.received.length, 0, 'no API request without a token');
    // The same slow endpoint with a long token timeout, and a short API timeout for a fast API: fine.
    const patient = client({ tokenUrl: `${slowToken.url}/token`, transport: { token: { timeoutMs: 30_000 }, api: { timeoutMs: 1000 } } });
    assert.equal(await (await patient.fetch(`${fastApi.url}/x`)).text(), 'fast answer');
  });

  test('a slow API with a short API timeout fails as an API timeout; with a long one it answers', async () => {
    const short = client({ tokenUrl: `${fastToken.url}/token`, transport: { token: { timeoutMs: 30_000 }, api: { timeoutMs: 300 } } });
    await assert.rejects(short.fetch(`${slowApi.url}/x`), (error: unknown) => {
      assert.ok(error instanceof RequestTimeoutError, String(error));
      assert.equal(error.target, 'API');
      return true;
    });
    const patient = client({ tokenUrl: `${fastToken.url}/token`, transport: { token: { timeoutMs: 1000 }, api: { timeoutMs: 30_000 } } });
    assert.equal(await (await patient.fetch(`${slowApi.url}/x`)).text(), 'slow answer');
  });

  test('discovery that gets no answer fails as the token side does (TransportError, RequestTimeoutError), naming the metadata URL; only an answer without metadata is a ConfigurationError', async () => {
    const closed = await littleServer(() => ({}));
    await closed.close();
    await assert.rejects(client({ issuer: closed.url }).getToken(), (error: unknown) => {
      assert.ok(error instanceof TransportError, String(error));
      assert.equal(error.target, 'token endpoint', 'the token side’s settings (CA, proxy, timeout) carry discovery');
      assert.match(error.url, /\/\.well-known\//);
      assert.match(error.message, /^could not reach the issuer's metadata \(http:\/\/[^)]*\/\.well-known\/[^)]*\): .*nothing listens there/);
      return true;
    });
    await assert.rejects(client({ issuer: slowToken.url, transport: { token: { timeoutMs: 300 } } }).getToken(), (error: unknown) => {
      assert.ok(error instanceof RequestTimeoutError, String(error));
      assert.equal(error.target, 'token endpoint');
      assert.equal(error.timeoutMs, 300);
      assert.match(error.message, /^the issuer's metadata \(http:\/\/[^)]*\/\.well-known\/[^)]*\) did not answer within 300 ms/);
      return true;
    });
    assert.equal(slowToken.received.filter((r) => r.url.includes('/.well-known/')).length, 1, 'an issuer that does not answer is not asked a second time');
    await assert.rejects(client({ issuer: fastApi.url }).getToken(), (error: unknown) => error instanceof ConfigurationError && /no usable metadata for the issuer/.test(error.message));
  });

  test('a self-signed HTTPS API is accepted only with its CA configured for the API side', async () => {
    const untrusting = client({ tokenUrl: `${fastToken.url}/token` });
    await assert.rejects(untrusting.fetch(`${tlsApi.url}/x`), (error: unknown) => {
      assert.ok(error instanceof TransportError, String(error));
      assert.equal(error.target, 'API');
      assert.match(error.message, /certificate|CA/);
      return true;
    });
    const wrongSide = client({ tokenUrl: `${fastToken.url}/token`, transport: { token: { ca: pki.ca } } });
    await assert.rejects(wrongSide.fetch(`${tlsApi.url}/x`), TransportError, 'the token side’s CA does not extend to the API');
    const trusting = client({ tokenUrl: `${fastToken.url}/token`, transport: { api: { ca: pki.ca } } });
    assert.equal(await (await trusting.fetch(`${tlsApi.url}/x`)).text(), 'tls answer');
  });

  test('an HTTPS token endpoint needs the CA on the token side', async () => {
    const apiSideOnly = client({ tokenUrl: `${tlsToken.url}/token`, transport: { api: { ca: pki.ca } } });
    await assert.rejects(apiSideOnly.getToken(), (error: unknown) => error instanceof TransportError && error.target === 'token endpoint');
    const tokenSide = client({ tokenUrl: `${tlsToken.url}/token`, transport: { token: { ca: pki.ca } } });
    assert.equal((await tokenSide.getToken()).accessToken, 'transport-token');
  });

  test('mutual TLS: the API side presents its client certificate', async () => {
    const anonymous = client({ tokenUrl: `${fastToken.url}/token`, transport: { api: { ca: pki.ca } } });
    await assert.rejects(anonymous.fetch(`${mtlsApi.url}/x`), (error: unknown) => error instanceof TransportError && error.target === 'API');
    const identified = client({ tokenUrl: `${fastToken.url}/token`, transport: { api: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey } } });
    assert.equal(await (await identified.fetch(`${mtlsApi.url}/x`)).text(), 'hello gatehouse-client-test');
  });

  test('a proxy on the API side carries API traffic only', async () => {
    const tunnels: string[] = [];
    const proxy = http.createServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      tunnels.push(req.url!);
      const [host, port] = req.url!.split(':');
      const upstream = net.connect(Number(port), host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const proxied = client({ tokenUrl: `${fastToken.url}/token`, transport: { api: { proxy: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, ca: pki.ca } } });
      assert.equal(await (await proxied.fetch(`${tlsApi.url}/through-proxy`)).text(), 'tls answer');
      assert.deepEqual(tunnels, [new URL(tlsApi.url).host], 'one tunnel, to the API; the token request went direct');
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});
