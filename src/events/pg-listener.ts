/**
 * PostgreSQL LISTEN/NOTIFY between nodes. Event appends notify in their own transaction (delivered
 * on commit, store/events.ts); this listener wakes the local feed, which then reads the log in id
 * order. A lost connection is retried at once and then with a growing pause; on reconnect the
 * feed catches up from the last id it applied. While disconnected longer than the bound, the
 * node reports itself unhealthy, so the gateway fails closed instead of using stale state.
 */
import pg from 'pg';
import type { Logger } from 'pino';

export const EVENTS_CHANNEL = 'gatehouse_events';

export class PgListener {
  private client: pg.Client | undefined;
  private disconnectedSince: number | undefined = Date.now();
  private stopped = false;
  private retryMs = 100;

  constructor(
    private readonly url: string,
    private readonly onWake: (reconnected: boolean) => void,
    private readonly log: Logger,
  ) {}

  /** Milliseconds since the listener lost its connection; 0 while connected. */
  get disconnectedForMs(): number {
    return this.disconnectedSince === undefined ? 0 : Date.now() - this.disconnectedSince;
  }

  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    // Named per node (its port, else its pid) so operators and tests can tell the nodes' listeners apart.
    const client = new pg.Client({ connectionString: this.url, application_name: ['gatehouse-listener', process.env.PORT || String(process.pid)].join('-') });
    client.on('notification', () => this.onWake(false));
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`listen ${EVENTS_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => {});
      this.log.warn({ err: error }, 'change feed: cannot listen yet; retrying');
      this.retry();
      return;
    }
    this.client = client;
    const wasDown = this.disconnectedSince !== undefined;
    this.disconnectedSince = undefined;
    this.retryMs = 100;
    // Events committed while we were not listening are read now.
    if (wasDown) this.onWake(true);
  }

  private lost(client: pg.Client): void {
    if (this.client !== client || this.stopped) return;
    this.client = undefined;
    this.disconnectedSince ??= Date.now();
    this.log.warn('change feed: lost the LISTEN connection; reconnecting');
    this.retry();
  }

  private retry(): void {
    if (this.stopped) return;
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, 2000);
    setTimeout(() => void this.connect(), delay).unref();
  }
}
