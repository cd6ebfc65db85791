/**
 * The change feed: every node applies the store's event log in id order, from the last id it
 * applied. A write appends its event in the same transaction as the change (Changes.write), then
 * wakes the local feed before answering, so a node always reads its own writes; other nodes are
 * woken by a transport (PostgreSQL LISTEN/NOTIFY) or, at the latest, by the poll.
 */
import type { Repositories, Store } from '../store/index.js';
import type { ChangeEvent, EventStore } from '../store/events.js';

/** The shortest poll interval requireFreshness will set. */
const MIN_POLL_MS = 25;

export type EventHandler = (event: ChangeEvent) => void | Promise<void>;

/** What tells this node that other nodes appended events (PostgreSQL LISTEN/NOTIFY). */
export interface FeedTransport {
  /** Milliseconds the transport has been disconnected; 0 while connected. */
  readonly disconnectedForMs: number;
  stop(): Promise<void>;
}

export class ChangeFeed {
  private lastApplied = 0;
  private readonly handlers: EventHandler[] = [];
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private transport: FeedTransport | undefined;
  /** When reads of the log started failing (undefined while they succeed). */
  private failingSince: number | undefined;
  /** When the read now in progress started (undefined when none is). */
  private readingSince: number | undefined;
  private readonly resetHandlers: (() => Promise<void>)[] = [];
  private checkRetention = false;

  constructor(
    private readonly store: Store,
    private pollIntervalMs = 1000,
  ) {}

  on(handler: EventHandler): void {
    this.handlers.push(handler);
  }

  /** Called when this node fell behind the event retention window: reload state whole. */
  onReset(handler: () => Promise<void>): void {
    this.resetHandlers.push(handler);
  }

  /**
   * Whether this node's view of revocations can be trusted: reads of the log have not been
   * failing or hanging, and the transport (if any) has not been cut off, for longer than `boundMs`.
   */
  healthy(boundMs: number): boolean {
    this.requireFreshness(boundMs);
    return this.staleForMs < boundMs && (this.transport?.disconnectedForMs ?? 0) < boundMs;
  }

  /**
   * Polls often enough that a reachable store keeps `staleForMs` well under `boundMs`: with a
   * bound at or below the poll interval, a healthy node would report itself stale between polls
   * (and its gateway answer 503) for a share of every interval.
   */
  requireFreshness(boundMs: number): void {
    const wanted = Math.max(MIN_POLL_MS, Math.floor(boundMs / 4));
    if (wanted >= this.pollIntervalMs) return;
    this.pollIntervalMs = wanted;
    if (this.timer) {
      clearInterval(this.timer);
      this.startTimer();
    }
  }

  /** Wakes the feed; after a reconnect it also checks whether events it missed were purged. */
  wake(reconnected: boolean): void {
    if (reconnected) this.checkRetention = true;
    void this.catchUp().catch(() => {});
  }

  get position(): number {
    return this.lastApplied;
  }

  /**
   * Milliseconds this node has been unable to read the log: failing reads, or one that hangs.
   * A poll that merely runs late (a busy event loop) does not count: the store is not the problem.
   */
  get staleForMs(): number {
    const since = Math.min(this.failingSince ?? Infinity, this.readingSince ?? Infinity);
    return since === Infinity ? 0 : Date.now() - since;
  }

  async start(): Promise<void> {
    this.lastApplied = await this.store.events.lastId();
    this.startTimer();
  }

  private startTimer(): void {
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
    let appended = false;
    const result = await this.store.transaction((tx) => fn({ ...tx, events: noticingAppends(tx.events, () => (appended = true)) }));
    // A write that appended nothing (a refresh, a code redemption) has nothing to apply: skip the log read.
    if (appended) await this.catchUp().catch(() => {});
    return result;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => {});
    await this.transport?.stop();
  }

  private async drain(): Promise<void> {
    this.readingSince = Date.now();
    try {
      await this.readLog();
      this.failingSince = undefined;
    } catch (error) {
      this.failingSince ??= this.readingSince;
      throw error;
    } finally {
      this.readingSince = undefined;
    }
  }

  private async readLog(): Promise<void> {
    if (this.checkRetention) {
      this.checkRetention = false;
      const oldest = await this.store.events.oldestId();
      if (oldest > this.lastApplied + 1) {
        const last = await this.store.events.lastId();
        for (const handler of this.resetHandlers) await handler();
        this.lastApplied = last;
      }
    }
    for (;;) {
      const events = await this.store.events.after(this.lastApplied, 500);
      for (const event of events) {
        for (const handler of this.handlers) await handler(event);
        this.lastApplied = event.id;
      }
      if (events.length < 500) return;
    }
  }
}

/** The transaction's event log, calling `onAppend` when the write appends to it. */
function noticingAppends(events: EventStore, onAppend: () => void): EventStore {
  const noticing = Object.create(events) as EventStore;
  noticing.append = (event) => {
    onAppend();
    return events.append(event);
  };
  return noticing;
}
