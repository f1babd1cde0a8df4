// Undo steps registered as the run sets things up, run once at the end, on failure or on a signal.
import { log } from './common.mjs';

const cleanups = [];
let cleaningUp;

/** Registers an undo step; steps run last registered first. */
export function onCleanup(step) {
  cleanups.push(step);
}

/** Runs the registered cleanups (last registered first) once, whatever the caller. */
export function cleanup() {
  cleaningUp ??= (async () => {
    while (cleanups.length > 0) {
      const step = cleanups.pop();
      try {
        await step();
      } catch (error) {
        log(`cleanup step failed: ${error.message}`);
      }
    }
  })();
  return cleaningUp;
}

/** Ctrl-C or a kill still drops the database and stops the children before exiting. */
export function cleanUpOnSignals() {
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      log(`${signal} received; cleaning up`);
      void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
}
