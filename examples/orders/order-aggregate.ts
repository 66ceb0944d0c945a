import { Aggregate, aggregate, applies, CommandRejectedError, event, handles, Status } from "angzarr-client";
import {
  AddItem,
  Checkpoint,
  CheckpointTaken,
  CreateOrder,
  FailWith,
  ItemAdded,
  OrderConfirmed,
  OrderCreated,
  OrderShipped,
  OrderState,
  OrderValidated,
  PaymentCaptured,
  ProcessOrder,
  ShipOrder,
} from "../gen/examples/orders.js";
import { addUint32 } from "../uint32.js";

/**
 * The `orders` aggregate, the test domain of the conformance suite. State is OrderState, so
 * the aggregate snapshots (Checkpoint) and answers Replay.
 */
@aggregate
export class OrderAggregate extends Aggregate<OrderState> {
  static domain = "orders";
  static stateType = OrderState;

  createEmptyState(): OrderState {
    return OrderState.create();
  }

  @handles(CreateOrder)
  create(cmd: CreateOrder) {
    if (this.exists) throw CommandRejectedError.preconditionFailed("order already exists");
    return event(OrderCreated, { customerId: cmd.customerId });
  }

  @handles(AddItem)
  addItem(cmd: AddItem) {
    if (!cmd.sku) throw CommandRejectedError.invalidArgument("missing required field: sku");
    if (cmd.quantity <= 0) throw CommandRejectedError.invalidArgument("quantity must be positive");
    this.#requireExists();
    return event(ItemAdded, { sku: cmd.sku, quantity: cmd.quantity });
  }

  /**
   * One command, three events: they are stored together or not at all. Accepted on a new
   * order too, so a fresh aggregate shows the events at sequences 0, 1, 2.
   */
  @handles(ProcessOrder)
  process(cmd: ProcessOrder) {
    return [event(OrderValidated, { note: cmd.note }), event(PaymentCaptured, { note: cmd.note }), event(OrderConfirmed, { note: cmd.note })];
  }

  @handles(ShipOrder)
  ship(cmd: ShipOrder) {
    if (!cmd.address) throw CommandRejectedError.invalidArgument("missing required field: address");
    if (!cmd.carrier) throw CommandRejectedError.invalidArgument("missing required field: carrier");
    this.#requireExists();
    if (this.state.shipped) throw CommandRejectedError.preconditionFailed("order already shipped");
    return event(OrderShipped, { address: cmd.address, carrier: cmd.carrier });
  }

  /** Fault injection through a real call: answer with the requested gRPC status. */
  @handles(FailWith)
  failWith(cmd: FailWith): never {
    if (!Number.isInteger(cmd.code) || cmd.code < Status.CANCELLED || cmd.code > Status.UNAUTHENTICATED) {
      throw CommandRejectedError.invalidArgument(`FailWith.code must be a gRPC status code from 1 to 16, got ${cmd.code}`);
    }
    throw new CommandRejectedError(cmd.message, { statusCode: cmd.code });
  }

  /** Records CheckpointTaken and a snapshot of the state after it. */
  @handles(Checkpoint)
  checkpoint(cmd: Checkpoint) {
    this.#requireExists();
    this.snapshot();
    return event(CheckpointTaken, { note: cmd.note });
  }

  #requireExists(): void {
    if (!this.exists) throw CommandRejectedError.preconditionFailed("order does not exist");
  }

  @applies(OrderCreated)
  created(state: OrderState, e: OrderCreated): void {
    state.customerId = e.customerId;
    state.eventCount = addUint32(state.eventCount, 1);
  }

  @applies(ItemAdded)
  itemAdded(state: OrderState, e: ItemAdded): void {
    state.itemCount = addUint32(state.itemCount, e.quantity);
    state.eventCount = addUint32(state.eventCount, 1);
  }

  @applies(OrderShipped)
  shipped(state: OrderState): void {
    state.shipped = true;
    state.eventCount = addUint32(state.eventCount, 1);
  }

  @applies(OrderValidated)
  @applies(PaymentCaptured)
  @applies(OrderConfirmed)
  @applies(CheckpointTaken)
  counted(state: OrderState): void {
    state.eventCount = addUint32(state.eventCount, 1);
  }
}
