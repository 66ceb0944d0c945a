import { DEFAULT_GRACE_MS, type ServerHandle } from "./start-server.js";

/** Options of {@link runMain}. */
export interface RunMainOptions {
  /**
   * Grace period for in-flight calls, in milliseconds.
   * @default DEFAULT_GRACE_MS (5000)
   */
  graceMs?: number;
  /**
   * Signals that stop the server.
   * @default ["SIGTERM", "SIGINT"]
   */
  signals?: readonly NodeJS.Signals[];
}

/**
 * Keep a program's server running until SIGTERM or SIGINT, then stop it gracefully. The
 * listeners are removed on the first signal (a second one gets Node's default handling).
 * Resolves once the server has stopped.
 * @example
 * const server = await serveComponents({ aggregates: [OrderAggregate] }, "0.0.0.0:50052");
 * console.log(`listening on ${server.address}`);
 * await runMain(server);
 */
export function runMain(handle: ServerHandle, options: RunMainOptions = {}): Promise<void> {
  const signals = options.signals ?? ["SIGTERM", "SIGINT"];
  return new Promise<void>((resolve, reject) => {
    const onSignal = (): void => {
      for (const signal of signals) process.off(signal, onSignal);
      handle.stop(options.graceMs ?? DEFAULT_GRACE_MS).then(resolve, reject);
    };
    for (const signal of signals) process.on(signal, onSignal);
  });
}
