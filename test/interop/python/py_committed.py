"""The `pycommitted` aggregate: a Python handler that marks its events `committed = True`, as
the EventPage of angzarr-client 0.3.1 invites (field 6 was `committed` in the proto it was
generated from). On the 0.5.1 wire field 6 is `no_commit`, so a 0.5.1 coordinator reads these
events as uncommitted two-phase events.

It answers every command with one OrderValidated whose note lists the prior events it was given,
NoOp placeholders with their reason, so the caller can see what the coordinator showed it.
Served with the SDK's run_command_handler_server on $PORT (any object with `domain` and
`dispatch(ContextualCommand) -> BusinessResponse` is served like a CommandRouter).
"""

from angzarr_client import run_command_handler_server
from angzarr_client.proto.angzarr import command_handler_pb2, types_pb2
from examples.orders_pb2 import OrderValidated
from google.protobuf.any_pb2 import Any


def describe(page: types_pb2.EventPage) -> str:
    name = page.event.type_url.rsplit("/", 1)[-1]
    if name == "angzarr.NoOp":
        no_op = types_pb2.NoOp()
        page.event.Unpack(no_op)
        return f"{page.event.type_url}({no_op.reason})"
    return page.event.type_url


class MarksCommitted:
    domain = "pycommitted"

    def dispatch(self, request: types_pb2.ContextualCommand) -> command_handler_pb2.BusinessResponse:
        prior = [describe(page) for page in request.events.pages]
        event = Any()
        event.Pack(OrderValidated(note=" ".join(prior) or "(none)"), type_url_prefix="type.googleapis.com/")
        page = types_pb2.EventPage(
            header=types_pb2.PageHeader(sequence=request.events.next_sequence),
            event=event,
            committed=True,
        )
        return command_handler_pb2.BusinessResponse(events=types_pb2.EventBook(pages=[page]))


if __name__ == "__main__":
    run_command_handler_server(MarksCommitted(), default_port="50052")
