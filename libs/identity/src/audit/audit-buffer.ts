import { Database, NewAuditEvent } from '@honnin/persistence';
import { AuditEntry, toAuditRow } from './audit-log';

const MAX_BATCH = 200;
const DELAY_MS = 20;

/**
 * For events written on hot read paths (authorization refusals): they are gathered for a few
 * milliseconds and written with one statement and one commit, instead of one commit each.
 */
export class AuditBuffer {
  private pending: NewAuditEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Database,
    private readonly onError: (error: Error) => void,
  ) {}

  record(entry: AuditEntry): void {
    this.pending.push(toAuditRow(entry));
    if (this.pending.length >= MAX_BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), DELAY_MS);
  }

  /** Writes what is waiting; resolves when everything recorded so far is stored. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    this.writing = this.writing.then(() => this.write(batch));
    return this.writing;
  }

  /** One statement for the batch; if it is refused, each event alone, so one bad event cannot take the others with it. */
  private async write(batch: NewAuditEvent[]): Promise<void> {
    if (batch.length === 0) return;
    try {
      await this.db.store.audit.appendMany(batch);
    } catch (error) {
      if (batch.length === 1) return this.onError(error as Error);
      for (const event of batch) await this.write([event]);
    }
  }
}
