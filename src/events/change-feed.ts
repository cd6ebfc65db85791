/**
 * The change feed: every node applies the store's event log in id order, from the last id it
 * applied. A write appends its event in the same transaction as the change (Changes.write), then
 * wakes the local feed before answering, so a node always reads its own writes; other nodes are
 * woken by a transport (PostgreSQL LISTEN/NOTIFY) or, at the latest, by the poll.
 */
import type { Repositories, Store } from '../store/index.js';
import type { ChangeEvent } from '../store/events.js';

export type EventHandler = (event: ChangeEvent) => void | Promise<void>;

/** Something that tells other nodes "new events exist" (LISTEN/NOTIFY, Redis). */
export interface FeedTransport {
  publish(): Promise<void>;
  close(): Promise<void>;
}

export class ChangeFeed {
  private lastApplied = 0;
  private readonly handlers: EventHandler[] = [];
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private transport: FeedTransport | undefined;
  private lastSuccessAt = Date.now();

  constructor(
    private readonly store: Store,
    private readonly pollIntervalMs = 1000,
  ) {}

  on(handler: EventHandler): void {
    this.handlers.push(handler);
  }

  get position(): number {
    return this.lastApplied;
  }

  /** Milliseconds since the feed last read the log successfully. */
  get staleForMs(): number {
    return Date.now() - this.lastSuccessAt;
  }

  async start(): Promise<void> {
    this.lastApplied = await this.store.events.lastId();
    this.lastSuccessAt = Date.now();
    this.timer = setInterval(() => void this.catchUp().catch(() => {}), this.pollIntervalMs);
    this.timer.unref();
  }

  useTransport(transport: FeedTransport): void {
    this.transport = transport;
  }

  /** Applies every event newer than the last applied one; concurrent calls share one pass. */
  catchUp(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.drain();
        } while (this.again);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /**
   * Runs `fn` in one transaction with the events it appends, then applies them on this node and
   * tells the others. The caller's answer comes after that, so its effect is visible at once.
   */
  async write<T>(fn: (tx: Repositories) => Promise<T>): Promise<T> {
    const result = await this.store.transaction(fn);
    await this.catchUp().catch(() => {});
    await this.transport?.publish().catch(() => {});
    return result;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => {});
    await this.transport?.close();
  }

  private async drain(): Promise<void> {
    for (;;) {
      const events = await this.store.events.after(this.lastApplied, 500);
      this.lastSuccessAt = Date.now();
      for (const event of events) {
        for (const handler of this.handlers) await handler(event);
        this.lastApplied = event.id;
      }
      if (events.length < 500) return;
    }
  }
}
