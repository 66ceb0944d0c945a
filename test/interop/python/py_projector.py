"""A projector served with the Python SDK's ProjectorHandler and run_projector_server on
$PORT: for each `pyorders` book it answers an OrderSummary of the pages it was given.
"""

from angzarr_client import ProjectorHandler, run_projector_server
from angzarr_client.helpers import proto_to_uuid
from angzarr_client.proto.angzarr import types_pb2
from examples.orders_pb2 import ItemAdded, OrderSummary
from google.protobuf.any_pb2 import Any

NAME = "py-order-summary"


def project(book: types_pb2.EventBook) -> types_pb2.Projection:
    items = 0
    for page in book.pages:
        if page.event.Is(ItemAdded.DESCRIPTOR):
            added = ItemAdded()
            page.event.Unpack(added)
            items += added.quantity
    summary = Any()
    summary.Pack(
        OrderSummary(root=str(proto_to_uuid(book.cover.root)), events_seen=len(book.pages), items=items),
        type_url_prefix="type.googleapis.com/",
    )
    last = book.pages[-1].header.sequence if book.pages else 0
    return types_pb2.Projection(cover=book.cover, projector=NAME, sequence=last, projection=summary)


if __name__ == "__main__":
    run_projector_server(NAME, "50052", ProjectorHandler(NAME, "pyorders").with_handle(project))
