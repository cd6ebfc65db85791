// Floor target: the cheapest plausible "token endpoint" — fastify parses the
// same form body and jose signs an RFC 9068-shaped ES256 JWT with a key
// imported once at startup. No client authentication, no storage, no
// validation beyond grant_type. Launched as its own process by
// bench/lib/peer-process.ts.
//
// Env: PORT (required).
import { randomUUID } from 'node:crypto';

import formbody from '@fastify/formbody';
import Fastify from 'fastify';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

import { LOOPBACK } from '../lib/ports.js';

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) throw new Error('PORT must be set to a port number');

const issuer = `http://${LOOPBACK}:${port}`;
const audience = 'https://api.bench.invalid/';
const clientId = 'bench-client';
const expiresIn = 3600;
const kid = 'bench-es256';

const { privateKey, publicKey } = await generateKeyPair('ES256');
const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };

const app = Fastify({ logger: false });
await app.register(formbody);

app.get('/readyz', async () => ({ status: 'ok' }));
app.get('/jwks', async () => ({ keys: [publicJwk] }));

app.post('/token', async (request, reply) => {
  const body = request.body as Record<string, string | undefined> | undefined;
  if (body?.grant_type !== 'client_credentials') {
    return reply.code(400).send({ error: 'unsupported_grant_type' });
  }
  const accessToken = await new SignJWT({ client_id: clientId })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
    .setIssuer(issuer)
    .setSubject(clientId)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(`${expiresIn}s`)
    .setJti(randomUUID())
    .sign(privateKey);
  // RFC 6749 §5.1: token responses must not be cached.
  return reply
    .header('cache-control', 'no-store')
    .send({ access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn });
});

await app.listen({ port, host: LOOPBACK });
console.log(`bare-jose listening on ${issuer}`);
