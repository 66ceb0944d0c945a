import { describe, it } from "node:test";
import { expect } from "chai";
import { PlayerAggregate } from "../../examples/player/player-aggregate.js";
import { DepositFunds, FundsDeposited, PlayerRegistered, RegisterPlayer } from "../../examples/gen/examples/player.js";
import { Status } from "../../src/errors.js";
import { event } from "../../src/handlers/index.js";
import { testAggregate } from "../../src/testing/harness.js";

const registered = event(PlayerRegistered, { username: "alice", email: "alice@example.com" });

describe("examples/player", () => {
  it("registers a new player", async () => {
    await testAggregate(PlayerAggregate)
      .when(event(RegisterPlayer, { username: "alice", email: "alice@example.com" }))
      .expectEvents(registered);
  });

  it("refuses to register a player twice", async () => {
    await testAggregate(PlayerAggregate)
      .given(registered)
      .when(event(RegisterPlayer, { username: "alice", email: "" }))
      .expectRejection(Status.FAILED_PRECONDITION, "already registered");
  });

  it("deposits funds and reports the new balance", async () => {
    // #region readme
    const scenario = testAggregate(PlayerAggregate)
      .given(registered, event(FundsDeposited, { amount: 30, newBalance: 30 }))
      .when(event(DepositFunds, { amount: 12 }));
    await scenario.expectEvents(event(FundsDeposited, { amount: 12, newBalance: 42 }));
    await scenario.expectState({ username: "alice", balance: 42 });
    // #endregion
  });

  it("refuses deposits of zero", async () => {
    await testAggregate(PlayerAggregate)
      .given(registered)
      .when(event(DepositFunds, { amount: 0 }))
      .expectRejection(Status.INVALID_ARGUMENT, "must be positive");
  });

  it("refuses deposits to an unregistered player", async () => {
    await testAggregate(PlayerAggregate)
      .when(event(DepositFunds, { amount: 5 }))
      .expectRejection(Status.FAILED_PRECONDITION, "not registered");
  });

  it("continues from a snapshot", async () => {
    const outcome = await testAggregate(PlayerAggregate)
      .givenSnapshot({ username: "bob", email: "", balance: 100 }, 41)
      .when(event(DepositFunds, { amount: 1 }))
      .expectEvents(event(FundsDeposited, { amount: 1, newBalance: 101 }));
    expect(outcome.pages[0]?.header?.sequenceType).to.deep.equal({ $case: "sequence", value: 42 });
  });
});
