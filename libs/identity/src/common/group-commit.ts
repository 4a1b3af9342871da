interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Writes items as they come, in batches: the first one is written at once, and those that arrive
 * while a write is on its way go together in the next. Alone an item waits for nothing; under load
 * many share one statement and one commit. `write` answers for the whole batch; each caller gets that
 * answer (or its error) once its batch is stored.
 */
export class GroupCommit<T, R> {
  private waiting: Waiting<T, R>[] = [];
  private writing = false;

  constructor(private readonly write: (items: T[]) => Promise<R>) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.writing) void this.writeWaiting();
    });
  }

  private async writeWaiting(): Promise<void> {
    this.writing = true;
    while (this.waiting.length > 0) {
      const batch = this.waiting;
      this.waiting = [];
      try {
        const result = await this.write(batch.map((w) => w.item));
        for (const w of batch) w.resolve(result);
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
    this.writing = false;
  }
}
