"""Sequential commands per second through the Python SDK's client: CreateOrder at sequence 0,
then `count` AddItem commands one after the other at explicit sequences, each waiting for its
answer. Usage: throughput.py <coordinator> <order key> <count>; prints one JSON line.
"""

import json
import sys
import time

from angzarr_client import CommandHandlerClient, compute_root, full_type_url_for
from angzarr_client.builder import CommandBuilder
from examples.orders_pb2 import AddItem, CreateOrder

coordinator, key, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
client = CommandHandlerClient.connect(coordinator)
root = compute_root("orders", key)


def send(message, seq: int) -> None:
    CommandBuilder(client, "orders", root).with_command(full_type_url_for(type(message)), message).with_sequence(seq).execute()


send(CreateOrder(customer_id=key), 0)
started = time.perf_counter()
for seq in range(1, count + 1):
    send(AddItem(sku=f"sku-{seq}", quantity=1), seq)
seconds = time.perf_counter() - started
client.close()
print(json.dumps({"commands": count, "seconds": seconds, "root": str(root)}))
