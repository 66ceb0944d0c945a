// The orders test domain as a program: `npx tsx examples/orders/server.ts`.
// PORT (default 0 = any free port) and HOST (default 127.0.0.1; use 0.0.0.0 in containers).
import { addressFromEnv, runMain } from "angzarr-client";
import { startOrdersHandler } from "./index.js";

const server = await startOrdersHandler(addressFromEnv());
console.log(`orders handler listening on ${server.address}`);
await runMain(server);
