#!/usr/bin/env node
/**
 * `angzarr-conformance`: the angzarr-client conformance suite as a tool for anyone's
 * coordinator. `angzarr-conformance --help` lists the targets and options; exit code 0 when
 * every selected scenario passed or was skipped for a missing capability, 1 on a failure,
 * 2 on bad input or a missing optional peer.
 */
import { parseCommand, usage, UsageError } from "./args.js";
import { MissingPeerError } from "./peers.js";

// The connection feature checks that an https:// endpoint on 127.0.0.1 never falls back to
// plaintext; Node then warns that grpc-js sends an IP address as the TLS server name (DEP0123).
// Nothing a user of this tool can act on, so this one warning is dropped; all others print.
const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
process.emitWarning = (warning: string | Error, ...rest: unknown[]) => {
  const code = typeof rest[0] === "object" && rest[0] !== null ? (rest[0] as { code?: string }).code : rest[1];
  if (code === "DEP0123") return;
  emitWarning(warning, ...rest);
};

async function main(argv: string[]): Promise<number> {
  let cmd;
  try {
    cmd = parseCommand(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`angzarr-conformance: ${err.message}\nRun \`angzarr-conformance --help\` for usage.\n`);
    return 2;
  }
  try {
    switch (cmd.command) {
      case "help":
        process.stdout.write(usage(cmd.topic) + "\n");
        return 0;
      case "handler":
        return await (await import("./handler.js")).serveHandler(cmd);
      case "run":
        return await (await import("./run.js")).runSuite(cmd);
    }
  } catch (err) {
    if (err instanceof MissingPeerError) {
      process.stderr.write(`angzarr-conformance: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`angzarr-conformance: FAIL ${describe(err)}\n`);
    return 1;
  }
}

/** An error and its causes, one line each (a BeforeAll failure wraps the backend's error). */
function describe(err: unknown): string {
  const lines: string[] = [];
  for (let e: unknown = err; e !== undefined && lines.length < 5; e = (e as { cause?: unknown })?.cause) {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a thrown non-Error is printed as it converts
    lines.push(e instanceof Error ? e.message : String(e));
  }
  return lines.join("\n  caused by: ");
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`angzarr-conformance: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
