"""The `pyrouter` aggregate, written with the Python SDK's functional API (CommandRouter with
a StateRouter) and served with its run_command_handler_server on $PORT.

A CommandRouter handler gets (command, state, next sequence) and answers one event.
"""

from angzarr_client import CommandRejectedError, CommandRouter, StateRouter, run_command_handler_server
from examples.orders_pb2 import (
    AddItem,
    CreateOrder,
    ItemAdded,
    OrderCreated,
    OrderState,
    OrderValidated,
    ProcessOrder,
)


def created(state: OrderState, event: OrderCreated) -> None:
    state.customer_id = event.customer_id
    state.event_count += 1


def item_added(state: OrderState, event: ItemAdded) -> None:
    state.item_count += event.quantity
    state.event_count += 1


def create(cmd: CreateOrder, state: OrderState, seq: int) -> OrderCreated:
    if state.customer_id:
        raise CommandRejectedError("order already exists")
    return OrderCreated(customer_id=cmd.customer_id)


def add_item(cmd: AddItem, state: OrderState, seq: int) -> ItemAdded:
    if not state.customer_id:
        raise CommandRejectedError("order does not exist")
    if cmd.quantity == 0:
        raise ValueError("quantity must be positive")
    return ItemAdded(sku=cmd.sku, quantity=cmd.quantity)


def process(cmd: ProcessOrder, state: OrderState, seq: int) -> OrderValidated:
    return OrderValidated(note=f"{cmd.note}: {state.item_count} items, {state.event_count} events, next sequence {seq}")


router = (
    CommandRouter("pyrouter")
    .with_state(StateRouter(OrderState).on(OrderCreated, created).on(ItemAdded, item_added))
    .on(CreateOrder, create)
    .on(AddItem, add_item)
    .on(ProcessOrder, process)
)

if __name__ == "__main__":
    run_command_handler_server(router, default_port="50052")
