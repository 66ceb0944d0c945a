"""Compares the protos generated into angzarr-client (its angzarr package) with the wire facts
of Angzarr 0.5.1 (test/fixtures/angzarr-wire.json): every message field by number, name and
type, every service method by name, types and streaming. Prints one JSON line: the differences.
"""

import importlib
import json
import sys

from google.protobuf import descriptor_pool
from google.protobuf.descriptor import FieldDescriptor

for module in ["types", "command_handler", "query", "saga", "process_manager", "projector", "stream", "upcaster", "meta", "cloudevents"]:
    importlib.import_module(f"angzarr_client.proto.angzarr.{module}_pb2")
pool = descriptor_pool.Default()
facts = json.load(open(sys.argv[1]))

SCALARS = {getattr(FieldDescriptor, name): name[5:].lower() for name in dir(FieldDescriptor) if name.startswith("TYPE_")}


def type_of(field) -> str:
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        return field.message_type.full_name
    if field.type == FieldDescriptor.TYPE_ENUM:
        return field.enum_type.full_name
    return SCALARS[field.type]


differences = []
compared = {"messages": 0, "fields": 0, "methods": 0, "enum_values": 0}
for name, message in facts["messages"].items():
    try:
        desc = pool.FindMessageTypeByName(name)
    except KeyError:
        differences.append(f"message {name}: missing in the Python SDK")
        continue
    compared["messages"] += 1
    by_number = {f.number: f for f in desc.fields}
    for field in message["fields"]:
        compared["fields"] += 1
        py = by_number.pop(field["number"], None)
        if py is None:
            differences.append(f"{name} field {field['number']} {field['name']}: missing in the Python SDK")
        elif (py.name, type_of(py)) != (field["name"], field["type"]):
            differences.append(f"{name} field {field['number']}: 0.5.1 {field['type']} {field['name']}, Python SDK {type_of(py)} {py.name}")
    differences.extend(f"{name} field {n} {f.name}: only in the Python SDK" for n, f in by_number.items())
for name, enum in facts["enums"].items():
    desc = pool.FindEnumTypeByName(name)
    for value in enum["values"]:
        compared["enum_values"] += 1
        if desc.values_by_number.get(value["number"]) is None or desc.values_by_number[value["number"]].name != value["name"]:
            differences.append(f"{name} value {value['number']} {value['name']}: differs in the Python SDK")
for name, service in facts["services"].items():
    try:
        desc = pool.FindServiceByName(name)
    except KeyError:
        differences.append(f"service {name}: missing in the Python SDK")
        continue
    methods = {m.name: m for m in desc.methods}
    for method in service["methods"]:
        compared["methods"] += 1
        py = methods.pop(method["name"], None)
        if py is None:
            differences.append(f"{name}.{method['name']}: missing in the Python SDK")
        elif (py.input_type.full_name, py.output_type.full_name, py.client_streaming, py.server_streaming) != (
            method["input_type"], method["output_type"], method["client_streaming"], method["server_streaming"]
        ):
            differences.append(f"{name}.{method['name']}: differs in the Python SDK")
    differences.extend(f"{name}.{m}: only in the Python SDK" for m in methods)
print(json.dumps({"compared": compared, "differences": differences}))
