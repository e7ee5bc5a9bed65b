/**
 * At most `concurrency` tasks at a time, the rest queued in call order. The conformance run
 * asks thousands of questions in one tick (every event of 200 manifests); unbounded, each
 * harness would start thousands of shells and parses at once.
 */
export function limiter(concurrency: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}
