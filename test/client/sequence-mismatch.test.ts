import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { CommandHandlerClient, QueryClient } from "../../src/client/index.js";
import { packAny } from "../../src/core/any.js";
import { headerSequence } from "../../src/core/books.js";
import { newRoot } from "../../src/core/uuid.js";
import { GrpcError, Status } from "../../src/errors.js";
import { Cover, EventBook, MergeStrategy } from "../../src/gen/angzarr/types.js";
import { FailWith } from "../../examples/gen/examples/orders.js";
import { rejectsWith } from "../support/assertions.js";
import { coverOf, startTestCoordinator, type TestCoordinator } from "./support/coordinator.js";
import { CoordinatorTap } from "./support/coordinator-tap.js";

const cover = (domain: string): Cover => ({ domain, root: undefined, correlationId: "", edition: undefined });
const event = (size: number) => ({ $case: "event" as const, value: packAny(Cover, cover("e".repeat(size))) });

const DETAILS_TRAILER = "grpc-status-details-bin";

describe("sequence mismatches against the embedded coordinator", () => {
  let coordinator: TestCoordinator;
  let tap: CoordinatorTap;
  let commands: CommandHandlerClient;
  let direct: QueryClient;
  before(async () => {
    coordinator = await startTestCoordinator();
    tap = await CoordinatorTap.start(coordinator.address);
    commands = CommandHandlerClient.connect(tap.address, { timeoutMs: 5000 });
    direct = QueryClient.connect(coordinator.address, { timeoutMs: 5000 });
  });
  after(async () => {
    await commands.close();
    await direct.close();
    tap.stop();
    await coordinator.stop();
  });

  /**
   * The coordinator trims the mismatch details to MAX_DETAILS_BYTES (4 KiB) so that clients
   * always receive them; these tests need bigger trailers, so the tap puts the whole current
   * book back, as a coordinator without that guard would send it.
   */
  const sendWholeBook = (root: string) => {
    tap.rewriteFailure = async (method, failure) => {
      if (method !== "HandleCommand" || failure.code !== Status.FAILED_PRECONDITION) return failure;
      const book = await direct.query("orders", root).getEventBook();
      failure.metadata.set(DETAILS_TRAILER, Buffer.from(EventBook.encode(book).finish()));
      return failure;
    };
  };
  const forwardFailures = () => (tap.rewriteFailure = (_, failure) => failure);

  it("decodes the current EventBook from the grpc-status-details-bin trailer", async () => {
    const root = newRoot();
    await coordinator.seed(coverOf("orders", root), [event(1), event(1), event(1)]);
    const err = await rejectsWith(commands.command("orders", root).withCommand(Cover, cover("late")).execute(), GrpcError);
    expect(err.code).to.equal(Status.FAILED_PRECONDITION);
    expect(err.isSequenceMismatch()).to.equal(true);
    expect(err.retryKind).to.equal("after-refresh");
    expect(err.details).to.equal("Sequence mismatch: command expects 0, aggregate at 3");
    const state = err.currentState!;
    expect(state.nextSequence).to.equal(3);
    expect(state.pages.map((p) => headerSequence(p.header))).to.deep.equal([0, 1, 2]);
  });

  it("receives a ~30 KiB details trailer intact (grpc-js delivers up to Node's 64 KiB header limit)", async () => {
    const root = newRoot();
    await coordinator.seed(
      coverOf("orders", root),
      Array.from({ length: 30 }, () => event(1000)),
    );
    sendWholeBook(root);
    try {
      const err = await rejectsWith(commands.command("orders", root).withCommand(Cover, cover("late")).execute(), GrpcError);
      expect(err.statusDetails!.length).to.be.within(30_000, 40_000);
      expect(err.currentState!.pages).to.have.length(30);
    } finally {
      forwardFailures();
    }
  });

  it("a details trailer beyond Node's HTTP/2 header-list limit never arrives: the call ends at its deadline", async () => {
    // Observed with grpc-js 1.14 (COORDINATOR.md §19): `grpc.max_metadata_size` is not read, the
    // ~64 KiB default applies to the base64 text, and the status is lost. Hence always a deadline.
    // Node then answers the server with GOAWAY(COMPRESSION_ERROR), and calls started on that
    // connection before grpc-js notices hang too, so this test uses a connection of its own
    // (grpc-js shares connections between channels unless told to use a local pool).
    await using own = CommandHandlerClient.connect(tap.address, { channelOptions: { "grpc.use_local_subchannel_pool": 1 } });
    const root = newRoot();
    await coordinator.seed(
      coverOf("orders", root),
      Array.from({ length: 60 }, () => event(1000)),
    );
    sendWholeBook(root);
    try {
      const started = Date.now();
      const err = await rejectsWith(own.command("orders", root).withCommand(Cover, cover("late")).execute({ timeoutMs: 300 }), GrpcError);
      expect(err.code).to.equal(Status.DEADLINE_EXCEEDED);
      expect(Date.now() - started).to.be.within(250, 2000);
    } finally {
      forwardFailures();
    }
  });

  it("executeWithRefresh retries at the sequence the trailer reports, without a query", async () => {
    const root = newRoot();
    await coordinator.seed(coverOf("orders", root), [event(1), event(1)]);
    const queriesBefore = tap.callsOf("GetEventBook").length;
    const response = await commands.executeWithRefresh(commands.command("orders", root).withCommand(Cover, cover("x")));
    expect(response.events!.pages.map((p) => headerSequence(p.header))).to.deep.equal([2]);
    expect(tap.callsOf("GetEventBook").length).to.equal(queriesBefore);
  });

  for (const mode of ["none", "garbage"] as const) {
    it(`executeWithRefresh queries the aggregate when the trailer is ${mode === "none" ? "absent" : "undecodable"}`, async () => {
      tap.rewriteFailure = (_, failure) => {
        if (mode === "none") failure.metadata.remove(DETAILS_TRAILER);
        else failure.metadata.set(DETAILS_TRAILER, Buffer.from([0x0a, 0xff, 0x01]));
        return failure;
      };
      try {
        const root = newRoot();
        await coordinator.seed(coverOf("orders", root), [event(1), event(1), event(1), event(1)]);
        const queriesBefore = tap.callsOf("GetEventBook").length;
        const request = commands.command("orders", root).withCommand(Cover, cover("x")).withSequence(1).build();
        const response = await commands.executeWithRefresh(request, { maxAttempts: 2 });
        expect(response.events!.pages.map((p) => headerSequence(p.header))).to.deep.equal([4]);
        expect(tap.callsOf("GetEventBook").length).to.equal(queriesBefore + 1);
        const sent = tap.callsOf("HandleCommand").at(-1)!.request as typeof request;
        expect(sent.command!.pages[0]!.mergeStrategy).to.equal(MergeStrategy.MERGE_COMMUTATIVE);
      } finally {
        forwardFailures();
      }
    });
  }

  it("throws the last mismatch after maxAttempts and other failures at once", async () => {
    const root = newRoot();
    await coordinator.seed(coverOf("orders", root), [event(1)]);
    // Another writer appends before each of our attempts, so every attempt is stale.
    let attempts = 0;
    tap.intercept = async (call) => {
      if (call.method === "HandleCommand") {
        attempts++;
        await coordinator.seed(coverOf("orders", root), [event(1)]);
      }
      return undefined;
    };
    try {
      const err = await rejectsWith(
        commands.executeWithRefresh(commands.command("orders", root).withCommand(Cover, cover("x")), { maxAttempts: 3 }),
        GrpcError,
      );
      expect(err.isSequenceMismatch()).to.equal(true);
      expect(attempts).to.equal(3);
    } finally {
      tap.intercept = () => undefined;
    }
    const before = tap.callsOf("HandleCommand").length;
    const refused = commands.commandNew("orders").withCommand(FailWith, { code: Status.INVALID_ARGUMENT, message: "bad" });
    const err = await rejectsWith(commands.executeWithRefresh(refused), GrpcError);
    expect(err.code).to.equal(Status.INVALID_ARGUMENT);
    expect(tap.callsOf("HandleCommand").length - before).to.equal(1);
  });

  it("concurrent writers with retryOnSequenceMismatch all land, at distinct sequences", async () => {
    const root = newRoot();
    const writers = Array.from({ length: 8 }, (_, i) =>
      commands
        .command("orders", root)
        .withCommand(Cover, cover(`w${i}`))
        .retryOnSequenceMismatch(10)
        .execute(),
    );
    const responses = await Promise.all(writers);
    const sequences = responses.map((r) => headerSequence(r.events!.pages[0]!.header)).sort((a, b) => a! - b!);
    expect(sequences).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7]);
    const book = await QueryClient.fromChannel(commands.channel).query("orders", root).getEventBook();
    expect(book.nextSequence).to.equal(8);
  });
});
