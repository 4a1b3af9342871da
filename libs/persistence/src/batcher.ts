export interface BatcherOptions<T> {
  /** Items one call of `run` takes at most. */
  maxBatch?: number;
  /** Calls of `run` on their way at once. */
  maxInFlight?: number;
  /**
   * When a batch of several fails, run each of its items alone, so an item fails only for what it
   * does itself (a constraint one row breaks) and not for the others it happened to share a statement with.
   */
  isolateFailures?: boolean;
  /**
   * What an item touches (a row's id, say): an item sharing a key with one already in the batch waits
   * for a later batch, for statements in which one row may change only once.
   */
  keysOf?: (item: T) => readonly string[];
}

interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers calls that arrive together into one call of `run` (one statement, one round trip, one
 * commit): the items added in one turn of the event loop, and those that arrive while `maxInFlight`
 * batches are on their way, go in the next batch. Alone an item waits for nothing but the end of
 * the turn; under load many share one statement. `run` answers each item in the order given.
 */
export class Batcher<T, R> {
  private queue: Waiting<T, R>[] = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  private readonly isolateFailures: boolean;
  private readonly keysOf: ((item: T) => readonly string[]) | null;

  constructor(
    private readonly run: (items: T[]) => Promise<R[]>,
    options: BatcherOptions<T> = {},
  ) {
    this.maxBatch = options.maxBatch ?? 100;
    this.maxInFlight = options.maxInFlight ?? 1;
    this.isolateFailures = options.isolateFailures ?? false;
    this.keysOf = options.keysOf ?? null;
  }

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.scheduled && this.inFlight < this.maxInFlight) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.startBatches();
        });
      }
    });
  }

  private startBatches(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.nextBatch();
      this.inFlight += 1;
      void this.settle(batch).finally(() => {
        this.inFlight -= 1;
        this.startBatches();
      });
    }
  }

  /** The first items of the queue, skipping those that share a key with one taken (they keep their place). */
  private nextBatch(): Waiting<T, R>[] {
    const keysOf = this.keysOf;
    if (!keysOf) return this.queue.splice(0, this.maxBatch);
    const taken = new Set<string>();
    const batch: Waiting<T, R>[] = [];
    const left: Waiting<T, R>[] = [];
    for (const waiting of this.queue) {
      const keys = keysOf(waiting.item);
      if (batch.length < this.maxBatch && !keys.some((key) => taken.has(key))) {
        for (const key of keys) taken.add(key);
        batch.push(waiting);
      } else {
        left.push(waiting);
      }
    }
    this.queue = left;
    return batch;
  }

  private async settle(batch: Waiting<T, R>[]): Promise<void> {
    try {
      const results = await this.run(batch.map((waiting) => waiting.item));
      batch.forEach((waiting, i) => waiting.resolve(results[i]));
    } catch (error) {
      if (!this.isolateFailures || batch.length === 1) {
        for (const waiting of batch) waiting.reject(error);
        return;
      }
      await Promise.all(batch.map((waiting) => this.settle([waiting])));
    }
  }
}
