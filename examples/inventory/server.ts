// Serves the inventory aggregate alone: `npx tsx examples/inventory/server.ts` (PORT, HOST).
import { addressFromEnv, runAggregateServer, runMain } from "../../src/server/index.js";
import { inventory } from "./inventory.js";

const server = await runAggregateServer(inventory, addressFromEnv());
console.log(`inventory handler listening on ${server.address}`);
await runMain(server);
