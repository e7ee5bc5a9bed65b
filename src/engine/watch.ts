/**
 * `generate --watch`: run on every save of the manifest until Ctrl-C.
 *
 * The directory is watched, not the file: editors save by writing a new file and renaming it
 * over the old one, which ends a watch on the old file. Saves arrive as bursts of events, so a
 * run starts once the burst has been quiet for `debounceMs`; runs never overlap (a save during
 * a run schedules one more run afterwards).
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

export interface WatchOptions {
  debounceMs?: number;
  /** Resolves to stop watching; default: the first SIGINT or SIGTERM. */
  stop?: Promise<void>;
}

function untilSignal(): Promise<void> {
  return new Promise((resolveStop) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolveStop();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

export async function watchFile(file: string, onChange: () => Promise<void>, options: WatchOptions = {}): Promise<void> {
  const debounceMs = options.debounceMs ?? 100;
  const name = basename(file);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  const run = async (): Promise<void> => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = onChange().finally(() => {
      running = undefined;
      if (again && !stopped) {
        again = false;
        void run();
      }
    });
    await running;
  };

  const watcher: FSWatcher = watch(resolve(dirname(file)), (_event, changed) => {
    if (changed !== null && changed !== name) return;
    clearTimeout(timer);
    timer = setTimeout(() => void run(), debounceMs);
  });
  try {
    await (options.stop ?? untilSignal());
  } finally {
    stopped = true;
    clearTimeout(timer);
    watcher.close();
    await running;
  }
}
