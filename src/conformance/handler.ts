/**
 * `angzarr-conformance handler`: the conformance suite's business logic as a server, for a
 * coordinator someone runs (its `ANGZARR__TARGET__ADDRESS` or routes point here). Prints one
 * `... listening on host:port` line, stops on SIGTERM/SIGINT, and with
 * `ANGZARR_EXIT_WITH_PARENT=1` also when its standard input closes.
 */
import type { HandlerCommand } from "./args.js";
import { loadOrders } from "./suite.js";

/** Grace for in-flight calls on stop. */
const STOP_GRACE_MS = 2_000;

/** Serves the test domains until asked to stop; resolves with the exit code. */
export async function serveHandler(cmd: HandlerCommand, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const { startOrdersHandler, ordersTestDomain } = await loadOrders();
  const host = cmd.host.includes(":") && !cmd.host.startsWith("[") ? `[${cmd.host}]` : cmd.host;
  const server = await startOrdersHandler(`${host}:${cmd.port}`);
  out.write(
    `angzarr-conformance handler listening on ${server.address} (domains: ${ordersTestDomain.domains.join(", ")}; ` +
      `saga ${ordersTestDomain.sagas?.map((s) => s.name).join(", ")}; process manager ${ordersTestDomain.processManagers?.map((p) => p.name).join(", ")}; ` +
      `projector ${ordersTestDomain.projectors?.map((p) => p.name).join(", ")})\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
    if (/^(1|true)$/i.test(process.env.ANGZARR_EXIT_WITH_PARENT ?? "")) {
      process.stdin.once("end", stop);
      process.stdin.once("close", stop);
      process.stdin.resume();
    }
  });
  // Standard input was only watched; reading it must not keep the process alive.
  process.stdin.destroy();
  await server.stop(STOP_GRACE_MS);
  return 0;
}
