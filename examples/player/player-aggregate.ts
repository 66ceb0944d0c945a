import { Aggregate, aggregate, applies, CommandRejectedError, event, handles } from "angzarr-client";
import { DepositFunds, FundsDeposited, PlayerRegistered, PlayerState, RegisterPlayer } from "../gen/examples/player.js";

/**
 * The seed SDK's player: registers once, then takes deposits. State is a message, so it
 * can be snapshotted and replayed.
 */
@aggregate
export class PlayerAggregate extends Aggregate<PlayerState> {
  static domain = "player";
  static stateType = PlayerState;

  createEmptyState(): PlayerState {
    return PlayerState.create();
  }

  @handles(RegisterPlayer)
  register(cmd: RegisterPlayer) {
    if (this.exists) throw CommandRejectedError.preconditionFailed("player is already registered");
    if (!cmd.username) throw CommandRejectedError.invalidArgument("missing required field: username");
    return event(PlayerRegistered, { username: cmd.username, email: cmd.email });
  }

  @handles(DepositFunds)
  deposit(cmd: DepositFunds) {
    if (!this.exists) throw CommandRejectedError.preconditionFailed("player is not registered");
    if (cmd.amount <= 0) throw CommandRejectedError.invalidArgument("deposit amount must be positive");
    return event(FundsDeposited, { amount: cmd.amount, newBalance: this.state.balance + cmd.amount });
  }

  @applies(PlayerRegistered)
  registered(state: PlayerState, e: PlayerRegistered): void {
    state.username = e.username;
    state.email = e.email;
  }

  @applies(FundsDeposited)
  deposited(state: PlayerState, e: FundsDeposited): void {
    state.balance = e.newBalance;
  }
}
