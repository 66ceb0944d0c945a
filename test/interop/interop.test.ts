/**
 * Cross-language interop with the official Python SDK, `angzarr-client` 0.3.1 from PyPI (the
 * release our API mirrors), in both directions, through our coordinator run as `npx
 * angzarr-coordinator` would run it (a child process configured through the environment):
 *
 * - Python client -> our coordinator -> the TypeScript orders handler (python/client_checks.py);
 * - TypeScript client -> our coordinator -> business logic written with the Python SDK
 *   (python/py_*.py, served with its run_*_server functions);
 * - events written through one language read through the other, byte for byte;
 * - EventPage field 6, `committed` in 0.3.1's protos and `no_commit` on the 0.5.1 wire;
 * - sequential command throughput of both clients against the same coordinator and handler.
 *
 * The virtualenv is created once under .tmp/ (venv.ts). Without python3 or PyPI the suite is
 * skipped with the reason (and `npm test` reports the stage as not run).
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { uuidToBytes } from "../../src/core/uuid.js";
import { Client, computeRoot, GrpcError, Status } from "../../src/index.js";
import { SyncMode, type EventBook, type EventPage } from "../../src/gen/angzarr/types.js";
import {
  AddItem,
  CreateOrder,
  ItemAdded,
  OrderConfirmed,
  OrderCreated,
  OrderSummary,
  OrderValidated,
  PaymentCaptured,
  ProcessOrder,
  ShipOrder,
} from "../../examples/gen/examples/orders.js";
import {
  anyToJson,
  preparePython,
  REPO,
  runPythonJson,
  startProcess,
  startPythonServer,
  waitForOutput,
  type Proc,
  type PythonSetup,
} from "./support.js";
import { freePort } from "../support/ports.js";
import { ensurePythonEnv, PYTHON_SDK_VERSION, PythonUnavailable, type PythonEnv } from "./venv.js";
import { rejectsWith } from "../support/assertions.js";

/** Sequential commands each client sends for the throughput figure. */
const THROUGHPUT_COMMANDS = 200;
/** Hang guards for a shared, busy machine; nothing here measures speed. */
const SETUP_DEADLINE_MS = 15 * 60_000;
const PYTHON_RUN_DEADLINE_MS = 10 * 60_000;

let pythonEnv: PythonEnv | undefined;
let unavailable: string | false = false;
try {
  pythonEnv = ensurePythonEnv();
} catch (err) {
  if (!(err instanceof PythonUnavailable)) throw err;
  unavailable = err.message;
}

const typeUrl = (type: { $type: string }) => `type.googleapis.com/${type.$type}`;
const hex = (root: string) => uuidToBytes(root).toString("hex");
const seqOf = (page: EventPage) => (page.header?.sequenceType?.$case === "sequence" ? page.header.sequenceType.value : -1);
const sequences = (book: EventBook | undefined) => (book?.pages ?? []).map(seqOf);

/** What client_checks.py records for an event page. */
interface PyPage {
  sequence: number;
  type_url: string;
  value_hex: string;
  fields: Record<string, unknown>;
  committed: boolean;
  cascade_id: string | null;
}
/** What client_checks.py records for a GRPCError. */
interface PyError {
  class: string;
  code: string;
  details: string;
  is_not_found: boolean;
  is_precondition_failed: boolean;
  is_invalid_argument: boolean;
  is_connection_error: boolean;
  details_book: { domain: string; root: string; next_sequence: number; sequences: number[]; bytes: number } | null;
}
type PyResults = Record<string, unknown>;
/** The shapes client_checks.py records for the scenarios read field by field. */
interface PyNewAggregate {
  root: string;
  created: PyPage[];
  created_correlation: string;
  added: PyPage[];
}
interface PyPages {
  pages: PyPage[];
  next_sequence: number;
}
interface PyEdition {
  stored: number[];
  edition_view: number[];
  main_view: number[];
  edition_last: PyPage;
}
interface PySpeculative {
  pages: PyPage[];
  same_answer_from_command_client: boolean;
  stored_after: number[];
}
interface PyRejections {
  invalid_argument: PyError;
  not_found: PyError;
  stored_after: number[];
}
interface PyFacts {
  root: string;
  first: { already_processed: boolean; pages: PyPage[] };
  again: unknown;
  stored: PyPage[];
}
interface PyTwoPhase {
  root: string;
  response: PyPage[];
  stored: PyPage[];
}

/** The same page as TypeScript reads it, in client_checks.py's shape (for deep comparison). */
function tsPage(page: EventPage): Omit<PyPage, "committed" | "cascade_id"> {
  if (page.payload?.$case !== "event") throw new Error("page without an event");
  const any = page.payload.value;
  return {
    sequence: seqOf(page),
    type_url: any.typeUrl,
    value_hex: Buffer.from(any.value).toString("hex"),
    fields: anyToJson(any) as Record<string, unknown>,
  };
}
const pyPage = ({ committed: _c, cascade_id: _id, ...rest }: PyPage) => rest;

/** The scenario's result, failing with the Python error and trace when it raised. */
function result<T = unknown>(results: PyResults, name: string): T {
  const r = results[name];
  expect(r, `client_checks.py recorded no ${name}`).to.not.equal(undefined);
  if (r && typeof r === "object" && "error" in r) {
    const raised = r as { error: string; trace: string };
    expect.fail(`${name} raised in Python: ${raised.error}\n${raised.trace}`);
  }
  return r as T;
}

describe(`interop with the Python SDK angzarr-client ${PYTHON_SDK_VERSION} (PyPI)`, { skip: unavailable }, () => {
  const run = randomUUID().slice(0, 8);
  const procs: Proc[] = [];
  let py: PythonSetup;
  let coordinator: string;
  let client: Client;
  let results: PyResults;
  let wire: { compared: Record<string, number>; differences: string[] };
  const tsWritten = computeRoot("orders", `ts-written-${run}`);
  const big = computeRoot("orders", `big-${run}`);

  before(
    async () => {
      const env = pythonEnv!;
      console.log(
        `python ${env.versions.python}: angzarr-client ${env.versions["angzarr-client"]}, grpcio ${env.versions.grpcio}, protobuf ${env.versions.protobuf} (${env.dir})`,
      );
      py = await preparePython(env.python);

      const ordersHandler = startProcess("orders handler (TypeScript)", process.execPath, ["--import", "tsx", "examples/orders/server.ts"], {
        PORT: "0",
      });
      procs.push(ordersHandler);
      const servers = await Promise.all(
        ["py_aggregate.py", "py_router.py", "py_committed.py", "py_saga.py", "py_projector.py"].map((s) => startPythonServer(py, s)),
      );
      procs.push(...servers.map((s) => s.proc));
      const [pyAggregate, pyRouter, pyCommitted, pySaga, pyProjector] = servers.map((s) => s.address);
      const orders = (await waitForOutput(ordersHandler, /orders handler listening on (\S+)/))[1]!;

      const coordinatorProc = startProcess("coordinator", process.execPath, ["--import", "tsx", join(REPO, "src/coordinator/cli.ts")], {
        ANGZARR__TRANSPORT__TCP__PORT: "0",
        ANGZARR_LOG: "warn",
        ANGZARR_ROUTES: `orders=${orders},pyorders=${pyAggregate},pyrouter=${pyRouter},pycommitted=${pyCommitted}`,
        ANGZARR_SAGAS: `py-orders-to-orders@${pySaga}:pyorders`,
        ANGZARR_PROJECTORS: `py-order-summary@${pyProjector}:pyorders`,
      });
      procs.push(coordinatorProc);
      coordinator = (await waitForOutput(coordinatorProc, /angzarr-coordinator listening on (\S+)/m))[1]!;
      client = Client.connect(coordinator, { timeoutMs: 120_000 });

      // Written by the TypeScript client, read by the Python client.
      const c = client.commands;
      await c
        .command("orders", tsWritten)
        .withCommand(CreateOrder, { customerId: `ts-${run}` })
        .withSequence(0)
        .execute();
      await c.command("orders", tsWritten).withCommand(AddItem, { sku: "ts-sku", quantity: 9 }).withSequence(1).execute();
      await c.command("orders", tsWritten).withCommand(ProcessOrder, { note: "ts-note" }).withSequence(2).execute();
      // An aggregate whose current state encodes to about 12 KiB (stale-command details).
      await c.command("orders", big).withCommand(CreateOrder, { customerId: "big" }).withSequence(0).execute();
      await c
        .command("orders", big)
        .withCommand(AddItem, { sku: "s".repeat(12 * 1024), quantity: 1 })
        .withSequence(1)
        .execute();

      const config = {
        coordinator,
        closed: `127.0.0.1:${await freePort()}`,
        run,
        root_keys: [
          ["orders", "alice"],
          ["player", "bob@example.com"],
          ["orders", `py-order-${run}`],
          ["inventory", "ключ-ü-🙂"],
          ["pyorders", ""],
        ],
        ts_written: tsWritten,
        big,
      };
      [results, wire] = await Promise.all([
        runPythonJson<PyResults>(py, "client_checks.py", [JSON.stringify(config)], PYTHON_RUN_DEADLINE_MS),
        runPythonJson<typeof wire>(py, "wire_facts.py", [join(REPO, "test/fixtures/angzarr-wire.json")], PYTHON_RUN_DEADLINE_MS),
      ]);
    },
    { timeout: SETUP_DEADLINE_MS },
  );

  after(async () => {
    await client?.close();
    // The coordinator first, so it makes no more calls to the handlers it routes to.
    for (const proc of [...procs].reverse()) await proc.stop();
    py?.cleanup();
  });

  it(`installs angzarr-client ${PYTHON_SDK_VERSION}, whose protos are package angzarr and match the 0.5.1 wire but for EventPage field 6 and HandleFact`, () => {
    expect(result(results, "sdk")).to.deep.equal({ version: PYTHON_SDK_VERSION, package: "angzarr" });
    expect(wire.compared).to.deep.equal({ messages: 70, fields: 194, methods: 25, enum_values: 18 });
    expect(wire.differences).to.deep.equal([
      "angzarr.EventPage field 6: 0.5.1 bool no_commit, Python SDK bool committed",
      "message angzarr.FactRequest: missing in the Python SDK",
      "angzarr.CommandHandlerService.HandleFact: missing in the Python SDK",
    ]);
  });

  describe("Python client -> our coordinator -> TypeScript orders handler", () => {
    it("computes the same root as computeRoot for the same domain and key, byte for byte", () => {
      const roots = result<Array<{ domain: string; key: string; hex: string }>>(results, "roots");
      expect(roots).to.have.length(5);
      for (const r of roots) expect(r.hex, `${r.domain}/${r.key}`).to.equal(hex(computeRoot(r.domain, r.key)));
    });

    it("sends commands at explicit sequences to a new aggregate, with its correlation id", async () => {
      const r = result<PyNewAggregate>(results, "new_aggregate");
      expect(r.root).to.equal(computeRoot("orders", `py-order-${run}`));
      expect(r.created.map((p: PyPage) => [p.sequence, p.type_url, p.fields])).to.deep.equal([
        [0, typeUrl(OrderCreated), { customerId: `py-${run}` }],
      ]);
      expect(r.created_correlation).to.equal(`py-create-${run}`);
      expect(r.added.map((p: PyPage) => [p.sequence, p.type_url, p.fields])).to.deep.equal([[1, typeUrl(ItemAdded), { sku: "py-sku", quantity: 2 }]]);
    });

    it("has no root for command_new (0.3.1 leaves it unset): INVALID_ARGUMENT from the coordinator", () => {
      const e = result<PyError>(results, "command_new_without_root");
      expect([e.class, e.code, e.details, e.is_invalid_argument]).to.deep.equal([
        "GRPCError",
        "INVALID_ARGUMENT",
        "Cover must have a root UUID",
        true,
      ]);
    });

    it("gets FAILED_PRECONDITION for a stale command, with the predicates and the current EventBook in the status details", () => {
      const e = result<PyError>(results, "stale");
      expect(e).to.deep.include({
        class: "GRPCError",
        code: "FAILED_PRECONDITION",
        details: "Sequence mismatch: command expects 0, aggregate at 2",
        is_precondition_failed: true,
        is_not_found: false,
        is_invalid_argument: false,
        is_connection_error: false,
      });
      expect(e.details_book).to.deep.include({
        domain: "orders",
        root: computeRoot("orders", `py-order-${run}`),
        next_sequence: 2,
        sequences: [0, 1],
      });
    });

    it("gets FAILED_PRECONDITION (not RESOURCE_EXHAUSTED) for a stale command on a 12 KiB aggregate: the details are cut to next_sequence", () => {
      const e = result<PyError>(results, "big_aggregate_stale");
      expect([e.code, e.details, e.is_precondition_failed]).to.deep.equal([
        "FAILED_PRECONDITION",
        "Sequence mismatch: command expects 0, aggregate at 2",
        true,
      ]);
      expect(e.details_book).to.deep.include({ domain: "orders", next_sequence: 2, sequences: [] });
    });

    it("stores the three events of a multi-event command together, at the next sequences", () => {
      const r = result<PyPages>(results, "multi_event");
      expect(r.pages.map((p: PyPage) => [p.sequence, p.type_url])).to.deep.equal([
        [2, typeUrl(OrderValidated)],
        [3, typeUrl(PaymentCaptured)],
        [4, typeUrl(OrderConfirmed)],
      ]);
      expect(r.next_sequence).to.equal(5);
    });

    it("queries the full history, a range, a bounded range (inclusive), as of a sequence and as of a time", () => {
      expect(result(results, "queries")).to.deep.equal({
        full: [0, 1, 2, 3, 4],
        next_sequence: 5,
        range_from_1: [1, 2, 3, 4],
        range_1_to_3: [1, 2, 3],
        as_of_sequence_1: [0, 1],
        as_of_time_between: [0, 1],
        pages: 5,
        events_books: 1,
      });
    });

    it("writes to an edition and reads it as the composite view; the main timeline is unchanged", async () => {
      const r = result<PyEdition>(results, "edition");
      expect(r.stored).to.deep.equal([5]);
      expect(r.edition_view).to.deep.equal([0, 1, 2, 3, 4, 5]);
      expect(r.main_view).to.deep.equal([0, 1, 2, 3, 4]);
      expect([r.edition_last.type_url, r.edition_last.fields]).to.deep.equal([typeUrl(ItemAdded), { sku: "py-branch-sku", quantity: 1 }]);
      const ts = await client.queries
        .query("orders", computeRoot("orders", `py-order-${run}`))
        .withEdition("py-branch")
        .getEventBook();
      expect(tsPage(ts.pages.at(-1)!)).to.deep.equal(pyPage(r.edition_last));
    });

    it("finds the events of a correlation id with GetEvents", () => {
      expect(result(results, "correlation")).to.deep.equal([
        { root: computeRoot("orders", `py-order-${run}`), correlation_id: `py-corr-${run}`, sequences: [5] },
      ]);
    });

    it("speculates a command at a past sequence (both clients give the same answer) and nothing is stored", () => {
      const r = result<PySpeculative>(results, "speculative");
      expect(r.pages.map((p: PyPage) => [p.sequence, p.type_url, p.fields])).to.deep.equal([
        [2, typeUrl(OrderValidated), { note: "what-if" }],
        [3, typeUrl(PaymentCaptured), { note: "what-if" }],
        [4, typeUrl(OrderConfirmed), { note: "what-if" }],
      ]);
      expect(r.same_answer_from_command_client).to.equal(true);
      expect(r.stored_after).to.deep.equal([0, 1, 2, 3, 4, 5]);
    });

    it("sees the TypeScript handler's rejections with their code, message and predicates", () => {
      const r = result<PyRejections>(results, "rejections");
      expect(r.invalid_argument).to.deep.include({
        code: "INVALID_ARGUMENT",
        details: "missing required field: address",
        is_invalid_argument: true,
        is_precondition_failed: false,
      });
      expect(r.not_found).to.deep.include({ code: "NOT_FOUND", details: "nothing here", is_not_found: true, is_invalid_argument: false });
      expect(r.stored_after).to.deep.equal([0, 1, 2, 3, 4, 5]);
    });

    it("reports an unreachable coordinator as GRPCError UNAVAILABLE (0.3.1: is_connection_error() is false)", () => {
      const e = result<PyError>(results, "unreachable");
      expect([e.class, e.code, e.is_connection_error, e.is_not_found]).to.deep.equal(["GRPCError", "UNAVAILABLE", false, false]);
    });

    it("injects a fact (HandleEvent) at the next sequence, once per external id", async () => {
      const r = result<PyFacts>(results, "facts");
      expect(r.first.already_processed).to.equal(false);
      expect(r.first.pages.map((p: PyPage) => [p.sequence, p.type_url, p.fields])).to.deep.equal([
        [0, typeUrl(ItemAdded), { sku: "py-fact-sku", quantity: 7 }],
      ]);
      expect(r.again).to.deep.equal({ already_processed: true, sequences: [0] });
      const ts = await client.queries.query("orders", r.root).getEventBook();
      expect(ts.pages.map(tsPage)).to.deep.equal(r.stored.map(pyPage));
    });
  });

  describe("events cross languages unchanged (type URLs, Any packing)", () => {
    it("events the TypeScript client wrote decode in Python to the same messages, byte for byte", async () => {
      const py = result<PyPage[]>(results, "read_ts_written");
      const ts = await client.queries.query("orders", tsWritten).getEventBook();
      expect(py.map(pyPage)).to.deep.equal(ts.pages.map(tsPage));
      expect(py.map((p) => p.type_url)).to.deep.equal([OrderCreated, ItemAdded, OrderValidated, PaymentCaptured, OrderConfirmed].map(typeUrl));
      expect(py[1]!.fields).to.deep.equal({ sku: "ts-sku", quantity: 9 });
    });

    it("events the Python client wrote decode in TypeScript to the same messages, byte for byte", async () => {
      const created = result<PyNewAggregate>(results, "new_aggregate");
      const multi = result<PyPages>(results, "multi_event");
      const ts = await client.queries.query("orders", created.root).rangeTo(0, 4).getEventBook();
      expect(ts.pages.map(tsPage)).to.deep.equal([...created.created, ...created.added, ...multi.pages].map(pyPage));
    });
  });

  describe("TypeScript client -> our coordinator -> Python business logic", () => {
    const order = computeRoot("pyorders", `ts-${run}`);

    it("Aggregate (@handles/@applies, run_command_handler_server): commands on a new aggregate at explicit sequences", async () => {
      const c = client.commands;
      const created = await c.command("pyorders", order).withCommand(CreateOrder, { customerId: "ts-customer" }).withSequence(0).execute();
      expect(created.events!.pages.map(tsPage)).to.deep.equal([
        {
          sequence: 0,
          type_url: typeUrl(OrderCreated),
          value_hex: Buffer.from(OrderCreated.encode({ customerId: "ts-customer" }).finish()).toString("hex"),
          fields: { customerId: "ts-customer" },
        },
      ]);
      await c.command("pyorders", order).withCommand(AddItem, { sku: "a", quantity: 2 }).withSequence(1).execute();
      const added = await c.command("pyorders", order).withCommand(AddItem, { sku: "b", quantity: 3 }).withSequence(2).execute();
      expect(sequences(added.events)).to.deep.equal([2]);
      const history = await client.queries.query("pyorders", order).getEventBook();
      expect(history.pages.map((p) => tsPage(p).type_url)).to.deep.equal([typeUrl(OrderCreated), typeUrl(ItemAdded), typeUrl(ItemAdded)]);
    });

    it("Aggregate: CommandRejectedError reaches our client as FAILED_PRECONDITION with its message", async () => {
      const again = await rejectsWith(
        client.commands.command("pyorders", order).withCommand(CreateOrder, { customerId: "x" }).withSequence(3).execute(),
        GrpcError,
      );
      expect([again.code, again.details, again.isPreconditionFailed()]).to.deep.equal([Status.FAILED_PRECONDITION, "order already exists", true]);
      expect(again.currentState, "a business rejection carries no EventBook").to.equal(undefined);
      const missing = await rejectsWith(
        client.commands
          .command("pyorders", computeRoot("pyorders", `missing-${run}`))
          .withCommand(AddItem, { sku: "a", quantity: 1 })
          .withSequence(0)
          .execute(),
        GrpcError,
      );
      expect([missing.code, missing.details]).to.deep.equal([Status.FAILED_PRECONDITION, "order does not exist"]);
      expect(sequences(await client.queries.query("pyorders", order).getEventBook())).to.deep.equal([0, 1, 2]);
    });

    it("Aggregate: ValueError and an unknown command reach our client as INVALID_ARGUMENT", async () => {
      const noSku = await rejectsWith(
        client.commands.command("pyorders", order).withCommand(AddItem, { sku: "", quantity: 1 }).withSequence(3).execute(),
        GrpcError,
      );
      expect([noSku.code, noSku.details, noSku.isInvalidArgument()]).to.deep.equal([Status.INVALID_ARGUMENT, "missing required field: sku", true]);
      const unknown = await rejectsWith(
        client.commands.command("pyorders", order).withCommand(ShipOrder, { address: "a", carrier: "b" }).withSequence(3).execute(),
        GrpcError,
      );
      expect([unknown.code, unknown.details]).to.deep.equal([Status.INVALID_ARGUMENT, `Unknown command: ${typeUrl(ShipOrder)}`]);
    });

    it("Aggregate: a multi-event command, decided on state rebuilt from the history (including a fact our client injected)", async () => {
      const fact = await client.commands.injectFact({
        domain: "pyorders",
        root: order,
        externalId: `ts-fact-${run}`,
        events: [{ type: ItemAdded, message: { sku: "fact", quantity: 10 } }],
      });
      expect(sequences(fact.events)).to.deep.equal([3]);
      const res = await client.commands.command("pyorders", order).withCommand(ProcessOrder, { note: "go" }).withSequence(4).execute();
      expect(res.events!.pages.map((p) => [seqOf(p), tsPage(p).type_url, tsPage(p).fields])).to.deep.equal([
        [4, typeUrl(OrderValidated), { note: "go: ts-customer has 15 items in 4 events" }],
        [5, typeUrl(PaymentCaptured), { note: "go" }],
        [6, typeUrl(OrderConfirmed), { note: "go" }],
      ]);
      expect(res.events!.nextSequence).to.equal(7);
    });

    it("Aggregate: a fact routed to the handler is UNIMPLEMENTED (0.3.1's protos have no HandleFact) and nothing is stored", async () => {
      const routed = await rejectsWith(
        client.commands.injectFact({
          domain: "pyorders",
          root: order,
          externalId: `ts-routed-${run}`,
          routeToHandler: true,
          events: [{ type: ItemAdded, message: { sku: "r", quantity: 1 } }],
        }),
        GrpcError,
      );
      expect(routed.code).to.equal(Status.UNIMPLEMENTED);
      expect(sequences(await client.queries.query("pyorders", order).getEventBook())).to.deep.equal([0, 1, 2, 3, 4, 5, 6]);
    });

    it("CommandRouter + StateRouter (run_command_handler_server): commands, state from the history, rejections", async () => {
      const root = computeRoot("pyrouter", `ts-${run}`);
      const c = client.commands;
      await c.command("pyrouter", root).withCommand(CreateOrder, { customerId: "r" }).withSequence(0).execute();
      await c.command("pyrouter", root).withCommand(AddItem, { sku: "a", quantity: 4 }).withSequence(1).execute();
      const processed = await c.command("pyrouter", root).withCommand(ProcessOrder, { note: "r" }).withSequence(2).execute();
      expect(processed.events!.pages.map((p) => [seqOf(p), tsPage(p).type_url, tsPage(p).fields])).to.deep.equal([
        [2, typeUrl(OrderValidated), { note: "r: 4 items, 2 events, next sequence 2" }],
      ]);
      const dup = await rejectsWith(c.command("pyrouter", root).withCommand(CreateOrder, { customerId: "r" }).withSequence(3).execute(), GrpcError);
      expect([dup.code, dup.details]).to.deep.equal([Status.FAILED_PRECONDITION, "order already exists"]);
      const zero = await rejectsWith(
        c.command("pyrouter", root).withCommand(AddItem, { sku: "a", quantity: 0 }).withSequence(3).execute(),
        GrpcError,
      );
      expect([zero.code, zero.details]).to.deep.equal([Status.INVALID_ARGUMENT, "quantity must be positive"]);
      expect(sequences(await client.queries.query("pyrouter", root).getEventBook())).to.deep.equal([0, 1, 2]);
    });

    it("Saga (Saga class, run_saga_server): a pyorders OrderCreated becomes a CreateOrder the TypeScript orders aggregate stores (CASCADE)", async () => {
      const root = computeRoot("pyorders", `saga-${run}`);
      await client.commands
        .command("pyorders", root)
        .withCommand(CreateOrder, { customerId: "carol" })
        .withSequence(0)
        .withSyncMode(SyncMode.SYNC_MODE_CASCADE)
        .execute();
      const orders = await client.queries.query("orders", root).getEventBook();
      expect(orders.pages.map((p) => [seqOf(p), tsPage(p).type_url, tsPage(p).fields])).to.deep.equal([
        [0, typeUrl(OrderCreated), { customerId: "from-python-saga:carol" }],
      ]);
    });

    it("Projector (ProjectorHandler, run_projector_server): its projection comes back to our client (SIMPLE)", async () => {
      const root = computeRoot("pyorders", `projected-${run}`);
      await client.commands.command("pyorders", root).withCommand(CreateOrder, { customerId: "dave" }).withSequence(0).execute();
      const res = await client.commands
        .command("pyorders", root)
        .withCommand(AddItem, { sku: "p", quantity: 4 })
        .withSequence(1)
        .withSyncMode(SyncMode.SYNC_MODE_SIMPLE)
        .execute();
      expect(res.projections).to.have.length(1);
      const [projection] = res.projections;
      expect([projection!.projector, projection!.sequence, projection!.projection!.typeUrl]).to.deep.equal([
        "py-order-summary",
        1,
        typeUrl(OrderSummary),
      ]);
      expect(OrderSummary.decode(projection!.projection!.value)).to.deep.include({ root, eventsSeen: 1, items: 4 });
    });
  });

  describe("EventPage field 6: committed (0.3.1) is no_commit (0.5.1)", () => {
    it("a Python handler's committed = True arrives as no_commit: stored, then shown to the next command as NoOp(uncommitted), as the 0.5.1 coordinator does", async () => {
      const root = computeRoot("pycommitted", `ts-${run}`);
      const first = await client.commands.command("pycommitted", root).withCommand(ProcessOrder, { note: "1" }).withSequence(0).execute();
      expect(first.events!.pages.map((p) => [seqOf(p), p.noCommit, p.cascadeId])).to.deep.equal([[0, true, undefined]]);
      const second = await client.commands.command("pycommitted", root).withCommand(ProcessOrder, { note: "2" }).withSequence(1).execute();
      expect(tsPage(second.events!.pages[0]!).fields).to.deep.equal({ note: "type.angzarr.io/angzarr.NoOp(uncommitted)" });
      // Queries return the stored pages raw, event and flag as the handler sent them.
      const raw = await client.queries.query("pycommitted", root).getEventBook();
      expect(raw.pages.map((p) => [seqOf(p), p.noCommit, tsPage(p).type_url])).to.deep.equal([
        [0, true, typeUrl(OrderValidated)],
        [1, true, typeUrl(OrderValidated)],
      ]);
    });

    it("a Python client reads field 6 inverted: ordinary events committed = False, two-phase events committed = True", async () => {
      const r = result<PyTwoPhase>(results, "two_phase");
      expect(r.response.map((p: PyPage) => [p.sequence, p.committed, p.cascade_id])).to.deep.equal([[1, true, `py-cascade-${run}`]]);
      expect(r.stored.map((p: PyPage) => [p.sequence, p.committed])).to.deep.equal([
        [0, false],
        [1, true],
      ]);
      const ts = await client.queries.query("orders", r.root).getEventBook();
      expect(ts.pages.map((p) => [seqOf(p), p.noCommit])).to.deep.equal([
        [0, false],
        [1, true],
      ]);
    });

    it("a fact page a Python client marks committed = True is stored committed (no_commit false), as the coordinator rewrites facts", () => {
      const r = result<PyFacts>(results, "facts");
      expect(r.first.pages.map((p: PyPage) => p.committed)).to.deep.equal([false]);
      expect(r.stored.map((p: PyPage) => p.committed)).to.deep.equal([false]);
    });
  });

  it(
    `throughput: ${THROUGHPUT_COMMANDS} sequential commands from each client, same coordinator and orders handler`,
    { timeout: PYTHON_RUN_DEADLINE_MS * 2 },
    async () => {
      const pyKey = `throughput-py-${run}`;
      const python = await runPythonJson<{ commands: number; seconds: number; root: string }>(
        py,
        "throughput.py",
        [coordinator, pyKey, String(THROUGHPUT_COMMANDS)],
        PYTHON_RUN_DEADLINE_MS,
      );
      expect(python.root).to.equal(computeRoot("orders", pyKey));

      const tsRoot = computeRoot("orders", `throughput-ts-${run}`);
      await client.commands.command("orders", tsRoot).withCommand(CreateOrder, { customerId: "ts" }).withSequence(0).execute();
      const started = performance.now();
      for (let seq = 1; seq <= THROUGHPUT_COMMANDS; seq++) {
        await client.commands
          .command("orders", tsRoot)
          .withCommand(AddItem, { sku: `sku-${seq}`, quantity: 1 })
          .withSequence(seq)
          .execute();
      }
      const tsSeconds = (performance.now() - started) / 1000;

      for (const root of [python.root, tsRoot]) {
        expect((await client.queries.query("orders", root).getEventBook()).nextSequence).to.equal(THROUGHPUT_COMMANDS + 1);
      }
      const rate = (seconds: number) => (THROUGHPUT_COMMANDS / seconds).toFixed(0);
      console.log(
        `throughput: python angzarr-client ${PYTHON_SDK_VERSION} ${rate(python.seconds)} commands/s, typescript angzarr-client ${rate(tsSeconds)} commands/s ` +
          `(${THROUGHPUT_COMMANDS} sequential AddItem each, same coordinator and orders handler)`,
      );
    },
  );
});
