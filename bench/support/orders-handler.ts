/**
 * The orders handler (all of examples/orders) as the coordinator benchmark runs it: its own
 * process, quiet, gone when the benchmark is (SIGTERM, SIGINT, or its standard input closing).
 *   node --import tsx bench/support/orders-handler.ts   → prints `orders handler listening on host:port`
 */
import { silentLogger } from "../../src/server/index.js";
import { startOrdersHandler } from "../../examples/orders/index.js";
import { exitWithParent } from "./processes.js";

const server = await startOrdersHandler("127.0.0.1:0", { logger: silentLogger });
console.log(`orders handler listening on ${server.address}`);
exitWithParent(() => server.stop(1_000));
