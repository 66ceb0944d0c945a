// Quickstart: serve an aggregate, run the embedded coordinator beside it, then send a
// command and read the events back. Run: npx tsx examples/quickstart/quickstart.ts
import { Client, computeRoot, GrpcError, headerSequence, runAggregateServer } from "angzarr-client";
import { startCoordinator } from "angzarr-client/coordinator";
import { DepositFunds, RegisterPlayer } from "../gen/examples/player.js";
import { PlayerAggregate } from "../player/player-aggregate.js";

// 1. Business logic: the player aggregate on a gRPC server (port 0 = any free port).
const handler = await runAggregateServer(PlayerAggregate, "127.0.0.1:0");

// 2. The embedded coordinator, routing the `player` domain to that server (SQLite in memory).
const coordinator = await startCoordinator({ port: 0, routes: { player: handler.address }, logLevel: "warn" });

// 3. A client: commands at explicit sequences, then a query.
const client = Client.connect(coordinator.address, { timeoutMs: 5_000 });
const alice = computeRoot("player", "alice");

await client.commands
  .command("player", alice)
  .withCommand(RegisterPlayer, { username: "alice", email: "alice@example.com" })
  .withSequence(0)
  .execute();
const deposit = await client.commands.command("player", alice).withCommand(DepositFunds, { amount: 50 }).withSequence(1).execute();
console.log(`deposit stored at sequence ${headerSequence(deposit.events?.pages[0]?.header)}`);

const history = await client.queries.query("player", alice).getEventBook();
console.log(`alice has ${history.pages.length} events, next sequence ${history.nextSequence}`);
const fromOne = await client.queries.query("player", alice).range(1).getEventBook();
console.log(`from sequence 1: ${fromOne.pages.length} event`);

// 4. Errors are typed: a stale sequence is a precondition failure carrying the current state.
try {
  await client.commands.command("player", alice).withCommand(DepositFunds, { amount: 5 }).withSequence(0).execute();
} catch (err) {
  if (err instanceof GrpcError && err.isPreconditionFailed()) {
    console.log(`rejected: ${err.details}; retry at ${err.currentState?.nextSequence}`);
  } else {
    throw err;
  }
}

await client.close();
await coordinator.stop();
await handler.stop();
