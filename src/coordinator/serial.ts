/** In-process serialisation primitives keyed by aggregate. */

/**
 * One async lock per key: `run` calls for the same key execute one after another, in call
 * order; different keys run concurrently. (The real sidecar holds one mutex around every
 * business call of the process, §11; per-aggregate locking keeps the same guarantee for each
 * aggregate without serialising unrelated ones.)
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

/**
 * Fire-and-forget task queues, one per key: tasks of one key run in enqueue order, each after
 * the previous one settled. Failures go to `onError`; `drain` waits until every queue is empty.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly onError: (err: unknown) => void) {}

  enqueue(key: string, task: () => Promise<void>): void {
    const tail = (this.tails.get(key) ?? Promise.resolve()).then(task).catch(this.onError);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
  }

  /** Resolves once no task is queued or running (tasks enqueued meanwhile are awaited too). */
  async drain(): Promise<void> {
    while (this.tails.size > 0) await Promise.all(this.tails.values());
  }
}
