import { EventEmitter } from 'node:events';
import { Client } from 'pg';

export type ChangeHandler = (payload: string) => void;

/**
 * Postgres LISTEN/NOTIFY for replicas of one database. On the embedded database there is a single
 * process and no spare session to listen on, so notifications are delivered in-process after commit.
 */
export class ChangeFeed {
  private readonly local = new EventEmitter();
  private client: Client | null = null;
  private readonly channels = new Set<string>();
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: string,
    readonly inProcess: boolean,
    private readonly onError: (error: Error) => void = () => undefined,
  ) {
    this.local.setMaxListeners(0);
  }

  async subscribe(channel: string, handler: ChangeHandler): Promise<void> {
    if (!/^[a-z_]+$/.test(channel)) throw new Error(`bad channel name ${channel}`);
    this.local.on(channel, handler);
    if (this.inProcess || this.channels.has(channel)) return;
    this.channels.add(channel);
    if (this.client) await this.client.query(`LISTEN ${channel}`);
    else await this.connect();
  }

  /** Delivers to local subscribers; used for the embedded database after a commit. */
  emitLocally(channel: string, payload: string): void {
    this.local.emit(channel, payload);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.local.removeAllListeners();
    await this.client?.end().catch(() => undefined);
    this.client = null;
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.url });
    client.on('notification', (n) => this.local.emit(n.channel, n.payload ?? ''));
    client.on('error', (error) => {
      this.onError(error);
      this.scheduleReconnect(client);
    });
    client.on('end', () => this.scheduleReconnect(client));
    try {
      await client.connect();
      for (const channel of this.channels) await client.query(`LISTEN ${channel}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) await client.end().catch(() => undefined);
    else this.client = client;
  }

  /** The listening connection died: drop it and connect again until it works (a restart can take a while). */
  private scheduleReconnect(dead: Client): void {
    if (this.closed || this.client !== dead) return;
    this.client = null;
    this.retry();
  }

  private retry(): void {
    if (this.closed || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.closed) return;
      this.connect().catch((error: Error) => {
        this.onError(error);
        this.retry();
      });
    }, 1000);
    this.reconnectTimer.unref();
  }
}
