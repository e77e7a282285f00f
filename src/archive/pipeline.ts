// Small coordination primitives of the archiver's pipeline: a serial queue per connection (a connection runs one
// thing at a time) and a shared/exclusive gate over the execution tables (planning and reading share them; a
// partition drop, which takes ACCESS EXCLUSIVE locks on the parents, waits for them and holds them off).

/** Runs the functions given to it one after another, in the order given (a failure does not stop the queue). */
export interface SerialQueue {
  <T>(fn: () => Promise<T>): Promise<T>;
  /** Settles when everything queued so far has settled. */
  idle(): Promise<void>;
}

export function serialQueue(): SerialQueue {
  let tail: Promise<unknown> = Promise.resolve();
  const run = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = tail.then(fn);
    tail = p.catch(() => undefined);
    return p;
  };
  return Object.assign(run, { idle: () => tail.then(() => undefined) });
}

/**
 * Any number of shared holders, or one exclusive holder. An exclusive request waits for the current shared
 * holders and goes before shared requests made after it (so drops are not starved by a stream of reads).
 */
export interface Gate {
  shared<T>(fn: () => Promise<T>): Promise<T>;
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
}

export function gate(): Gate {
  let sharedHolders = 0;
  let exclusiveHeld = false;
  const waiting: { exclusive: boolean; start: () => void }[] = [];
  const pump = () => {
    while (waiting.length && !exclusiveHeld) {
      const next = waiting[0]!;
      if (next.exclusive) {
        if (sharedHolders > 0) return;
        exclusiveHeld = true;
      } else {
        sharedHolders++;
      }
      waiting.shift();
      next.start();
    }
  };
  const enter = (exclusive: boolean) => new Promise<void>((start) => { waiting.push({ exclusive, start }); pump(); });
  const leave = (exclusive: boolean) => {
    if (exclusive) exclusiveHeld = false; else sharedHolders--;
    pump();
  };
  const hold = async <T>(exclusive: boolean, fn: () => Promise<T>): Promise<T> => {
    await enter(exclusive);
    try { return await fn(); } finally { leave(exclusive); }
  };
  return { shared: (fn) => hold(false, fn), exclusive: (fn) => hold(true, fn) };
}
