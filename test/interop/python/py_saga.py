"""A saga written with the Python SDK's Saga class: every OrderCreated of a `pyorders` order
becomes a CreateOrder for the `orders` order with the same root (handled by the TypeScript
orders aggregate). Served with the SDK's run_saga_server on $PORT.
"""

from angzarr_client import SagaHandler, run_saga_server
from angzarr_client.saga import Saga, domain, handles, output_domain
from examples.orders_pb2 import CreateOrder, OrderCreated


@domain("pyorders")
@output_domain("orders")
class PyOrdersToOrders(Saga):
    name = "py-orders-to-orders"

    @handles(OrderCreated)
    def on_created(self, event: OrderCreated) -> CreateOrder:
        return CreateOrder(customer_id=f"from-python-saga:{event.customer_id}")


if __name__ == "__main__":
    run_saga_server(PyOrdersToOrders.name, "50052", SagaHandler(PyOrdersToOrders))
