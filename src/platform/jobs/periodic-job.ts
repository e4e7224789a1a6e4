/**
 * A background round run every `intervalMs` after the previous one finished: rounds never overlap
 * (a slow round delays the next instead of piling up), a failed round is reported and tried again
 * next time, and `stop` waits for a round in progress. `runNow` queues an extra round in order,
 * for callers that need the work done before they go on (e.g. tests, shutdown).
 */
export interface PeriodicJob<T> {
  stop(): Promise<void>;
  runNow(): Promise<T>;
}

export function startPeriodicJob<T>(options: {
  run: () => Promise<T>;
  intervalMs: number;
  onResult: (result: T) => void;
  onError: (error: unknown) => void;
}): PeriodicJob<T> {
  let chain: Promise<unknown> = Promise.resolve();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const enqueue = (): Promise<T> => {
    const next = chain.then(options.run);
    chain = next.catch(() => undefined);
    return next;
  };
  const tick = () => {
    void enqueue().then(options.onResult, options.onError).finally(() => {
      if (!stopped) timer = setTimeout(tick, options.intervalMs).unref();
    });
  };
  timer = setTimeout(tick, options.intervalMs).unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await chain;
    },
    runNow: enqueue,
  };
}
