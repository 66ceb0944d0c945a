// Serves the inventory aggregate alone: `npx tsx examples/inventory/server.ts` (PORT, HOST).
import { addressFromEnv, runAggregateServer, runMain } from "angzarr-client";
import { inventory } from "./inventory.js";

const server = await runAggregateServer(inventory, addressFromEnv());
console.log(`inventory handler listening on ${server.address}`);
await runMain(server);
