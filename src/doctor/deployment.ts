/** Findings about the deployment as a whole: what the environment configures for every tenant. */
import type { Config } from '../config.js';
import { isLoopbackHost } from '../domain/client.js';
import type { Finding } from './finding.js';

export function deploymentFindings(config: Pick<Config, 'issuer'>): Finding[] {
  const url = new URL(config.issuer);
  if (url.protocol !== 'http:' || isLoopbackHost(url.hostname)) return [];
  return [
    {
      severity: 'high',
      check: 'deployment.http-issuer',
      tenant: '*',
      target: 'deployment',
      reference: 'RFC 9700 §2.6',
      problem: `GATEHOUSE_ISSUER ${config.issuer} is http on a non-loopback host: every tenant's tokens, codes and passwords cross the network unencrypted`,
      fix: 'terminate TLS in front of Gatehouse and set GATEHOUSE_ISSUER=https://… on every node (docs/deploy.md)',
    },
  ];
}
