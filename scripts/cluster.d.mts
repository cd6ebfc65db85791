// Types for cluster.mjs, so TypeScript callers (test/cluster, bench) can use it under strict.

export type ClusterRole = 'all' | 'auth' | 'gateway';

export interface ClusterOptions {
  /** One role per node; default ['all', 'all']. */
  roles?: ClusterRole[];
  /** Start the nodes at once (racing for the migration lock; the default) or one after another. */
  start?: 'together' | 'sequential';
  /** dist/main.js (default when built) or src/main.ts under tsx. */
  source?: 'dist' | 'src';
  /** An existing, empty PostgreSQL database; default: a throw-away server, stopped with the cluster. */
  databaseUrl?: string;
  /** Added to every node's environment (after the cluster's own variables). */
  env?: Record<string, string>;
  /** Copy the processes' output to stdout, prefixed by their names. */
  echo?: boolean;
}

export interface ClusterNode {
  name: string;
  role: ClusterRole;
  /** The node's OAuth port, addressed directly (not through nginx). */
  url: string;
  /** The node's gateway port, addressed directly. */
  gatewayUrl: string;
  /** The tail of the node's output. */
  output(): string;
  /** SIGTERM (or `signal`), SIGKILL after a grace period; resolves with the exit code or signal. */
  kill(signal?: NodeJS.Signals): Promise<number | string | null>;
  /** Stops the node and starts it again on the same ports; resolves once it is ready. */
  restart(): Promise<void>;
}

export interface Cluster {
  /** nginx's OAuth address: every node's GATEHOUSE_ISSUER. */
  url: string;
  /** nginx's gateway address. */
  gatewayUrl: string;
  databaseUrl: string;
  /** The bootstrap admin client every node is given. */
  admin: { clientId: string; clientSecret: string };
  /** Owner-only JSON file holding the admin credentials. */
  adminCredentialsFile: string;
  secretKey: string;
  /** The rendered deploy/nginx.conf. */
  nginxConfig: string;
  /** What the nodes run: dist/main.js or src/main.ts under tsx. */
  source: 'dist' | 'src';
  nodes: ClusterNode[];
  /** Stops nginx and the nodes, the throw-away PostgreSQL if any, and deletes the temp files. */
  stop(): Promise<void>;
}

/** Throws when nginx or (without databaseUrl) PostgreSQL is not installed, or a node fails to start. */
export function startCluster(options?: ClusterOptions): Promise<Cluster>;

/** The nginx binary, or undefined when nginx is not installed. */
export function findNginx(): string | undefined;

/** deploy/nginx.conf with its ${...} placeholders filled in. */
export function renderNginxConfig(values: Record<string, string>): string;

export const NGINX_TEMPLATE: string;
