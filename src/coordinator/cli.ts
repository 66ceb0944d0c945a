#!/usr/bin/env node
/**
 * `angzarr-coordinator`: runs the embedded coordinator from environment variables and flags,
 * prints one start-up line, and stops gracefully on SIGTERM/SIGINT, and with
 * `ANGZARR_EXIT_WITH_PARENT` also when its standard input closes.
 */
import { loadConfigFromEnv, loadProcessOptions } from "./config/env.js";
import { parseFlags } from "./config/flags.js";
import { helpText } from "./config/settings.js";
import { ConfigError, DEFAULTS } from "./config/types.js";
import { startCoordinator } from "./coordinator.js";

async function main(argv: string[]): Promise<number> {
  if (parseFlags(argv, true).help) {
    process.stdout.write(`${helpText()}\n`);
    return 0;
  }
  const config = loadConfigFromEnv(process.env, argv);
  const { exitWithParent } = loadProcessOptions(process.env, argv);
  const handle = await startCoordinator(config);
  process.stdout.write(
    `angzarr-coordinator listening on ${handle.address} (storage: ${config.storage?.type ?? "sqlite"}, routes: ${handle.routes})\n`,
  );
  const reason = await stopRequested(exitWithParent);
  // Nobody waits for the answers of a parent that is gone: a short grace is enough.
  await handle.stop(reason === "parent gone" ? PARENT_GONE_GRACE_MS : DEFAULTS.graceMs);
  return 0;
}

const PARENT_GONE_GRACE_MS = 0;

/** Resolves on SIGTERM or SIGINT, or (when asked) once standard input closes. */
function stopRequested(exitWithParent: boolean): Promise<"signal" | "parent gone"> {
  return new Promise((resolve) => {
    const onSignal = () => resolve("signal");
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
    if (exitWithParent) {
      // The parent holds the other end of the pipe: end of input means it has exited, however.
      process.stdin.once("end", () => resolve("parent gone"));
      process.stdin.once("close", () => resolve("parent gone"));
      process.stdin.resume();
    }
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    const message = err instanceof ConfigError ? `invalid configuration: ${err.message}` : (err as Error).message;
    process.stderr.write(`angzarr-coordinator: ${message}\n`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  },
);
