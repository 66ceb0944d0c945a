"""The Python SDK's client against our coordinator (the `orders` domain is served by the
TypeScript orders handler).

Usage: client_checks.py '<json config>'. Each scenario records what came back; the last line
of stdout is one JSON object {scenario: result}, a scenario that raised records {"error": ...}.
The TypeScript test (interop.test.ts) asserts on every field.
"""

import json
import sys
import time
import traceback
import uuid
from datetime import datetime, timezone

import angzarr_client
from angzarr_client import (
    Client,
    CommandHandlerClient,
    GRPCError,
    QueryClient,
    SpeculativeClient,
    compute_root,
    full_type_url_for,
)
from angzarr_client.builder import CommandBuilder, QueryBuilder, command_new, query_domain
from angzarr_client.proto.angzarr import (
    CommandHandlerCoordinatorServiceStub,
    CommandRequest,
    EventBook,
    EventPage,
    EventRequest,
    PageHeader,
    SpeculateCommandHandlerRequest,
    SyncMode,
    TemporalQuery,
)
from angzarr_client.proto.angzarr.types_pb2 import ExternalDeferredSequence
from examples.orders_pb2 import AddItem, CreateOrder, FailWith, ItemAdded, ProcessOrder, ShipOrder
from google.protobuf import descriptor_pool, message_factory
from google.protobuf.any_pb2 import Any
from google.protobuf.json_format import MessageToDict

config = json.loads(sys.argv[1])
client = Client.connect(config["coordinator"])
results = {}


def scenario(fn):
    """Runs fn now and records its result (or the error) under its name."""
    try:
        results[fn.__name__] = fn()
    except Exception as e:  # recorded for the TypeScript side to report
        results[fn.__name__] = {"error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc()[-2000:]}
    return fn


def decode(any_msg: Any) -> dict:
    """The message in an Any, found by its full name in the descriptor pool, as JSON."""
    name = any_msg.type_url.rsplit("/", 1)[-1]
    cls = message_factory.GetMessageClass(descriptor_pool.Default().FindMessageTypeByName(name))
    msg = cls()
    any_msg.Unpack(msg)
    return MessageToDict(msg)


def page_info(page: EventPage) -> dict:
    return {
        "sequence": page.header.sequence,
        "type_url": page.event.type_url,
        "value_hex": page.event.value.hex(),
        "fields": decode(page.event),
        # Field 6 as angzarr-client 0.3.1 names it; on the 0.5.1 wire it is `no_commit`.
        "committed": page.committed,
        "cascade_id": page.cascade_id if page.HasField("cascade_id") else None,
    }


def sequences(book: EventBook) -> list:
    return [page.header.sequence for page in book.pages]


def error_info(e: GRPCError) -> dict:
    trailers = dict(e.status().trailing_metadata() or ())
    details = trailers.get("grpc-status-details-bin")
    book = None
    if details is not None:
        current = EventBook()
        current.ParseFromString(details)
        book = {
            "domain": current.cover.domain,
            "root": str(uuid.UUID(bytes=current.cover.root.value)),
            "next_sequence": current.next_sequence,
            "sequences": sequences(current),
            "bytes": len(details),
        }
    return {
        "class": type(e).__name__,
        "code": e.code.name,
        "details": e.details,
        "is_not_found": e.is_not_found(),
        "is_precondition_failed": e.is_precondition_failed(),
        "is_invalid_argument": e.is_invalid_argument(),
        "is_connection_error": e.is_connection_error(),
        "details_book": book,
    }


def expect_error(fn) -> dict:
    try:
        fn()
    except GRPCError as e:
        return error_info(e)
    raise AssertionError("the call succeeded")


def cmd(domain: str, root: uuid.UUID, message, seq: int) -> CommandBuilder:
    return CommandBuilder(client.command_handler, domain, root).with_command(full_type_url_for(type(message)), message).with_sequence(seq)


def query(domain: str, root: uuid.UUID) -> QueryBuilder:
    return QueryBuilder(client.query, domain, root)


def moment() -> str:
    """An RFC 3339 instant strictly between the events stored before and after it."""
    time.sleep(0.05)
    text = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
    time.sleep(0.05)
    return text


run = config["run"]
order = compute_root("orders", f"py-order-{run}")


@scenario
def sdk():
    return {"version": angzarr_client.__version__, "package": EventBook.DESCRIPTOR.file.package}


@scenario
def roots():
    return [{"domain": d, "key": k, "hex": compute_root(d, k).bytes.hex()} for d, k in config["root_keys"]]


@scenario
def new_aggregate():
    created = cmd("orders", order, CreateOrder(customer_id=f"py-{run}"), 0).with_correlation_id(f"py-create-{run}").execute()
    added = cmd("orders", order, AddItem(sku="py-sku", quantity=2), 1).execute()
    return {
        "root": str(order),
        "created": [page_info(p) for p in created.events.pages],
        "created_correlation": created.events.cover.correlation_id,
        "added": [page_info(p) for p in added.events.pages],
    }


between = moment()


@scenario
def command_new_without_root():
    return expect_error(lambda: command_new(client.command_handler, "orders").with_command(full_type_url_for(CreateOrder), CreateOrder(customer_id="x")).execute())


@scenario
def stale():
    return expect_error(lambda: cmd("orders", order, CreateOrder(customer_id="again"), 0).execute())


@scenario
def multi_event():
    res = cmd("orders", order, ProcessOrder(note=f"py-note-{run}"), 2).execute()
    return {"pages": [page_info(p) for p in res.events.pages], "next_sequence": res.events.next_sequence}


@scenario
def queries():
    return {
        "full": sequences(query("orders", order).get_event_book()),
        "next_sequence": query("orders", order).get_event_book().next_sequence,
        "range_from_1": sequences(query("orders", order).range(1).get_event_book()),
        "range_1_to_3": sequences(query("orders", order).range_to(1, 3).get_event_book()),
        "as_of_sequence_1": sequences(query("orders", order).as_of_sequence(1).get_event_book()),
        "as_of_time_between": sequences(query("orders", order).as_of_time(between).get_event_book()),
        "pages": len(query("orders", order).get_pages()),
        "events_books": len(query("orders", order).get_events()),
    }


@scenario
def edition():
    book = cmd("orders", order, AddItem(sku="py-branch-sku", quantity=1), 5).build()
    book.cover.edition.name = "py-branch"
    res = client.command_handler.handle_command(CommandRequest(command=book, sync_mode=SyncMode.SYNC_MODE_ASYNC))
    return {
        "stored": sequences(res.events),
        "edition_view": sequences(query("orders", order).edition("py-branch").get_event_book()),
        "edition_last": page_info(query("orders", order).edition("py-branch").get_event_book().pages[-1]),
        "main_view": sequences(query("orders", order).get_event_book()),
    }


@scenario
def correlation():
    correlation_id = f"py-corr-{run}"
    cmd("orders", order, AddItem(sku="py-corr-sku", quantity=3), 5).with_correlation_id(correlation_id).execute()
    books = query_domain(client.query, "orders").by_correlation_id(correlation_id).get_events()
    return [{"root": str(uuid.UUID(bytes=b.cover.root.value)), "correlation_id": b.cover.correlation_id, "sequences": sequences(b)} for b in books]


@scenario
def speculative():
    book = cmd("orders", order, ProcessOrder(note="what-if"), 2).build()
    request = SpeculateCommandHandlerRequest(command=book, point_in_time=TemporalQuery(as_of_sequence=1))
    via_speculative_client = SpeculativeClient(client._channel).command_handler(request)
    via_command_client = client.command_handler.handle_sync_speculative(request)
    return {
        "pages": [page_info(p) for p in via_speculative_client.events.pages],
        "same_answer_from_command_client": sequences(via_command_client.events) == sequences(via_speculative_client.events),
        "stored_after": sequences(query("orders", order).get_event_book()),
    }


@scenario
def rejections():
    seq = query("orders", order).get_event_book().next_sequence
    return {
        "invalid_argument": expect_error(lambda: cmd("orders", order, ShipOrder(carrier="py-post"), seq).execute()),
        "not_found": expect_error(lambda: cmd("orders", order, FailWith(code=5, message="nothing here"), seq).execute()),
        "stored_after": sequences(query("orders", order).get_event_book()),
    }


@scenario
def unreachable():
    return expect_error(lambda: QueryBuilder(QueryClient.connect(config["closed"]), "orders", order).get_event_book())


@scenario
def facts():
    # 0.3.1 has no fact API on its clients; the generated stub sends HandleEvent.
    root = compute_root("orders", f"py-fact-{run}")
    stub = CommandHandlerCoordinatorServiceStub(client._channel)
    fact = Any()
    fact.Pack(ItemAdded(sku="py-fact-sku", quantity=7), type_url_prefix="type.googleapis.com/")
    page = EventPage(
        header=PageHeader(external_deferred=ExternalDeferredSequence(external_id=f"py-fact-{run}", description="from python")),
        event=fact,
        committed=True,  # what 0.3.1 calls committed is no_commit on the 0.5.1 wire
    )
    book = EventBook(pages=[page])
    book.cover.domain = "orders"
    book.cover.root.value = root.bytes
    first = stub.HandleEvent(EventRequest(events=book))
    again = stub.HandleEvent(EventRequest(events=book))
    return {
        "root": str(root),
        "first": {"already_processed": first.already_processed, "pages": [page_info(p) for p in first.events.pages]},
        "again": {"already_processed": again.already_processed, "sequences": sequences(again.events)},
        "stored": [page_info(p) for p in query("orders", root).get_event_book().pages],
    }


@scenario
def two_phase():
    root = compute_root("orders", f"py-2pc-{run}")
    cmd("orders", root, CreateOrder(customer_id="py-2pc"), 0).execute()
    book = cmd("orders", root, AddItem(sku="tentative", quantity=1), 1).build()
    res = client.command_handler.handle_command(CommandRequest(command=book, cascade_id=f"py-cascade-{run}"))
    return {
        "root": str(root),
        "response": [page_info(p) for p in res.events.pages],
        "stored": [page_info(p) for p in query("orders", root).get_event_book().pages],
    }


@scenario
def read_ts_written():
    root = uuid.UUID(config["ts_written"])
    return [page_info(p) for p in query("orders", root).get_event_book().pages]


@scenario
def big_aggregate_stale():
    root = uuid.UUID(config["big"])
    return expect_error(lambda: cmd("orders", root, CreateOrder(customer_id="again"), 0).execute())


client.close()
print(json.dumps(results))
