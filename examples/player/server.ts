// Serves the player aggregate: `npx tsx examples/player/server.ts` (PORT, HOST).
import { addressFromEnv, runAggregateServer, runMain } from "angzarr-client";
import { PlayerAggregate } from "./player-aggregate.js";

const server = await runAggregateServer(PlayerAggregate, addressFromEnv());
console.log(`player handler listening on ${server.address}`);
await runMain(server);
