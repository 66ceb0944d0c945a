"""The `pyorders` aggregate, written with the Python SDK's class API (CommandHandler with
@handles and @applies) and served with its run_command_handler_server on $PORT.

Rejections: CommandRejectedError (the SDK answers FAILED_PRECONDITION) and ValueError
(INVALID_ARGUMENT). ProcessOrder answers three events and writes the state it rebuilt from
the history into the first one, so a caller can see that the history was replayed.
"""

from angzarr_client import CommandHandler, CommandRejectedError, applies, handles, run_command_handler_server
from examples.orders_pb2 import (
    AddItem,
    CreateOrder,
    ItemAdded,
    OrderConfirmed,
    OrderCreated,
    OrderState,
    OrderValidated,
    PaymentCaptured,
    ProcessOrder,
)


class PyOrder(CommandHandler[OrderState]):
    domain = "pyorders"

    def _create_empty_state(self) -> OrderState:
        return OrderState()

    # 0.3.1's `exists` is true once `state` was read, so every handler asks it first.

    @handles(CreateOrder)
    def create(self, cmd: CreateOrder) -> OrderCreated:
        if self.exists:
            raise CommandRejectedError("order already exists")
        if not cmd.customer_id:
            raise ValueError("missing required field: customer_id")
        return OrderCreated(customer_id=cmd.customer_id)

    @handles(AddItem)
    def add_item(self, cmd: AddItem) -> ItemAdded:
        if not self.exists:
            raise CommandRejectedError("order does not exist")
        if not cmd.sku:
            raise ValueError("missing required field: sku")
        return ItemAdded(sku=cmd.sku, quantity=cmd.quantity)

    @handles(ProcessOrder)
    def process(self, cmd: ProcessOrder) -> tuple:
        if not self.exists:
            raise CommandRejectedError("order does not exist")
        state = self.state
        summary = f"{cmd.note}: {state.customer_id} has {state.item_count} items in {state.event_count} events"
        return (
            OrderValidated(note=summary),
            PaymentCaptured(note=cmd.note),
            OrderConfirmed(note=cmd.note),
        )

    @applies(OrderCreated)
    def created(self, state: OrderState, event: OrderCreated) -> None:
        state.customer_id = event.customer_id
        state.event_count += 1

    @applies(ItemAdded)
    def item_added(self, state: OrderState, event: ItemAdded) -> None:
        state.item_count += event.quantity
        state.event_count += 1

    @applies(OrderValidated)
    def validated(self, state: OrderState, event: OrderValidated) -> None:
        state.event_count += 1

    @applies(PaymentCaptured)
    def captured(self, state: OrderState, event: PaymentCaptured) -> None:
        state.event_count += 1

    @applies(OrderConfirmed)
    def confirmed(self, state: OrderState, event: OrderConfirmed) -> None:
        state.event_count += 1


if __name__ == "__main__":
    run_command_handler_server(PyOrder, default_port="50052")
