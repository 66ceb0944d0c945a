import { after, describe, it } from "node:test";
import { expect } from "chai";
import { CommandHandlerClient, QueryClient, SpeculativeClient } from "../../src/client/index.js";
import { buildFactRequest } from "../../src/client/facts.js";
import { speculateCommandRequest } from "../../src/client/speculative-client.js";
import { typeUrl } from "../../src/core/any.js";
import { protoToUuid } from "../../src/core/uuid.js";
import { InvalidArgumentError, InvalidTimestampError } from "../../src/errors.js";
import { CascadeErrorMode, Cover, MergeStrategy, SyncMode } from "../../src/gen/angzarr/types.js";
import { rejectsWith, throwsWith } from "../support/assertions.js";

// Nothing here reaches the network: clients connect lazily and every check fails first.
const commands = CommandHandlerClient.connect("127.0.0.1:9");
const queries = QueryClient.connect("127.0.0.1:9");
after(() => Promise.all([commands.close(), queries.close()]));

const ROOT = "f520dbd7-0692-5a5a-b315-48c73f2fff1b";
const sampleCover = (): Cover => ({ domain: "orders", root: undefined, correlationId: "", edition: undefined });

describe("CommandBuilder", () => {
  it("builds a CommandRequest with documented defaults", () => {
    const req = commands.command("orders", ROOT).withCommand(Cover, sampleCover()).build();
    expect(req.syncMode).to.equal(SyncMode.SYNC_MODE_ASYNC);
    expect(req.cascadeErrorMode).to.equal(CascadeErrorMode.CASCADE_ERROR_FAIL_FAST);
    expect(req.cascadeId).to.equal(undefined);
    const book = req.command!;
    expect(book.cover!.domain).to.equal("orders");
    expect(protoToUuid(book.cover!.root)).to.equal(ROOT);
    expect(book.cover!.correlationId).to.equal("");
    expect(book.cover!.edition).to.equal(undefined);
    expect(book.pages).to.have.length(1);
    expect(book.pages[0]!.header).to.deep.equal({ sequenceType: { $case: "sequence", value: 0 } });
    expect(book.pages[0]!.mergeStrategy).to.equal(MergeStrategy.MERGE_COMMUTATIVE);
    const payload = book.pages[0]!.payload;
    expect(payload?.$case === "command" && payload.value.typeUrl).to.equal("type.googleapis.com/angzarr.Cover");
  });

  it("applies every option", () => {
    const req = commands
      .command("orders", ROOT)
      .withCommand("examples.orders.Ship", new Uint8Array([1, 2, 3]))
      .withSequence(7)
      .withCorrelationId("checkout_42-A")
      .withSyncMode(SyncMode.SYNC_MODE_CASCADE)
      .withMergeStrategy(MergeStrategy.MERGE_STRICT)
      .withCascadeErrorMode(CascadeErrorMode.CASCADE_ERROR_COMPENSATE)
      .withEdition("what-if_1")
      .build();
    expect(req.syncMode).to.equal(SyncMode.SYNC_MODE_CASCADE);
    expect(req.cascadeErrorMode).to.equal(CascadeErrorMode.CASCADE_ERROR_COMPENSATE);
    expect(req.command!.cover!.correlationId).to.equal("checkout_42-A");
    expect(req.command!.cover!.edition).to.deep.equal({ name: "what-if_1", divergences: [] });
    const page = req.command!.pages[0]!;
    expect(page.header).to.deep.equal({ sequenceType: { $case: "sequence", value: 7 } });
    expect(page.mergeStrategy).to.equal(MergeStrategy.MERGE_STRICT);
    expect(page.payload).to.deep.equal({
      $case: "command",
      value: { typeUrl: "type.googleapis.com/examples.orders.Ship", value: Buffer.from([1, 2, 3]) },
    });
  });

  it("keeps a complete type URL given to withCommand(string, bytes) and takes an Any", () => {
    const a = commands.command("orders", ROOT).withCommand("type.angzarr.io/angzarr.NoOp", new Uint8Array()).build();
    expect(a.command!.pages[0]!.payload).to.have.nested.property("value.typeUrl", "type.angzarr.io/angzarr.NoOp");
    const any = { typeUrl: typeUrl("x.Y"), value: Buffer.from([9]) };
    const b = commands.command("orders", ROOT).withCommandAny(any).build();
    expect(b.command!.pages[0]!.payload).to.deep.equal({ $case: "command", value: any });
  });

  it("commandNew generates a fresh v4 root readable as .root", () => {
    const a = commands.commandNew("orders");
    const b = commands.commandNew("orders");
    expect(a.root).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.root).to.not.equal(b.root);
    expect(protoToUuid(a.withCommand(Cover, sampleCover()).build().command!.cover!.root)).to.equal(a.root);
  });

  it("build() names the missing part", () => {
    expect(throwsWith(() => commands.command("", ROOT).withCommand(Cover, sampleCover()).build(), InvalidArgumentError).message).to.match(
      /domain is required/,
    );
    expect(throwsWith(() => commands.command("orders", "").withCommand(Cover, sampleCover()).build(), InvalidArgumentError).message).to.match(
      /root is required/,
    );
    expect(throwsWith(() => commands.command("orders", ROOT).build(), InvalidArgumentError).message).to.match(/command is required/);
  });

  it("executeWithRefresh refuses bad attempts and requests without a command, before any call", async () => {
    const request = commands.command("orders", ROOT).withCommand(Cover, sampleCover()).build();
    await rejectsWith(commands.executeWithRefresh(request, { maxAttempts: 0 }), InvalidArgumentError);
    await rejectsWith(commands.executeWithRefresh({ syncMode: 0, cascadeErrorMode: 0 }), InvalidArgumentError);
    await rejectsWith(commands.executeWithRefresh(commands.command("orders", ROOT)), InvalidArgumentError);
  });

  it("execute() rejects before any call", async () => {
    const err = await rejectsWith(commands.command("orders", ROOT).execute(), InvalidArgumentError);
    expect(err.message).to.match(/command/);
  });

  const badDomains: Array<[string, RegExp]> = [
    ["Orders", /must start with lowercase letter/],
    ["1orders", /must start with lowercase letter/],
    ["orders.v2", /invalid characters/],
    ["x".repeat(65), /exceeds maximum length \(max: 64, got: 65\)/],
  ];
  for (const [domain, reason] of badDomains) {
    it(`refuses domain ${JSON.stringify(domain.slice(0, 12))} like the coordinator`, () => {
      const err = throwsWith(() => commands.command(domain, ROOT).withCommand(Cover, sampleCover()).build(), InvalidArgumentError);
      expect(err.message).to.match(reason);
    });
  }

  it("accepts domains starting with _ and containing - and digits", () => {
    expect(() => commands.command("_inv-2", ROOT).withCommand(Cover, sampleCover()).build()).to.not.throw();
  });

  it("refuses a non-UUID root", () => {
    throwsWith(() => commands.command("orders", "alice").withCommand(Cover, sampleCover()).build(), InvalidArgumentError);
  });

  for (const id of ["a.b", "a:b", "a b", "é", "x".repeat(129)]) {
    it(`refuses correlation id ${JSON.stringify(id.slice(0, 10))} at once`, () => {
      throwsWith(() => commands.command("orders", ROOT).withCorrelationId(id), InvalidArgumentError);
    });
  }

  for (const seq of [-1, 1.5, Number.NaN, 2 ** 32]) {
    it(`refuses sequence ${seq}`, () => {
      throwsWith(() => commands.command("orders", ROOT).withSequence(seq), InvalidArgumentError);
    });
  }

  it("refuses bad editions, enums, attempts and payloads", () => {
    const b = commands.command("orders", ROOT);
    throwsWith(() => b.withEdition("Main"), InvalidArgumentError);
    throwsWith(() => b.withEdition("a.b"), InvalidArgumentError);
    throwsWith(() => b.withSyncMode(-1 as SyncMode), InvalidArgumentError);
    throwsWith(() => b.withMergeStrategy(1.5 as MergeStrategy), InvalidArgumentError);
    throwsWith(() => b.retryOnSequenceMismatch(0), InvalidArgumentError);
    throwsWith(() => b.withCommand("", new Uint8Array()), InvalidArgumentError);
    throwsWith(() => b.withCommand("x.Y", "text" as unknown as Uint8Array), InvalidArgumentError);
    throwsWith(() => b.withCommand({} as never, {} as never), InvalidArgumentError);
    throwsWith(() => b.withCommandAny({ typeUrl: "", value: Buffer.alloc(0) }), InvalidArgumentError);
  });
});

describe("QueryBuilder", () => {
  const q = () => queries.query("orders", ROOT);

  it("without a selection reads the whole history", () => {
    const query = q().build();
    expect(query.selection).to.equal(undefined);
    expect(query.cover!.domain).to.equal("orders");
    expect(protoToUuid(query.cover!.root)).to.equal(ROOT);
  });

  it("rangeTo is inclusive on the wire: rangeTo(3, 7) sends lower 3, upper 7", () => {
    expect(q().rangeTo(3, 7).build().selection).to.deep.equal({ $case: "range", value: { lower: 3, upper: 7 } });
    expect(q().rangeTo(4, 4).build().selection).to.deep.equal({ $case: "range", value: { lower: 4, upper: 4 } });
    expect(q().range(5).build().selection).to.deep.equal({ $case: "range", value: { lower: 5, upper: undefined } });
  });

  it("builds sequences, temporal, edition and correlation selections; the last selection wins", () => {
    expect(q().sequences([1, 5, 3]).build().selection).to.deep.equal({ $case: "sequences", value: { values: [1, 5, 3] } });
    expect(q().range(1).asOfSequence(4).build().selection).to.deep.equal({
      $case: "temporal",
      value: { pointInTime: { $case: "asOfSequence", value: 4 } },
    });
    expect(q().asOfTime("2024-01-15T10:30:00.5+01:00").build().selection).to.deep.equal({
      $case: "temporal",
      value: { pointInTime: { $case: "asOfTime", value: { seconds: 1705311000, nanos: 500_000_000 } } },
    });
    expect(q().asOfTime(new Date(1500)).build().selection).to.have.nested.property("value.pointInTime.value.nanos", 500_000_000);
    expect(q().asOfTime({ seconds: 10, nanos: 1 }).build().selection).to.have.nested.property("value.pointInTime.value.seconds", 10);
    expect(q().withEdition("branch").build().cover!.edition).to.deep.equal({ name: "branch", divergences: [] });
    expect(q().withEdition("").build().cover!.edition).to.equal(undefined);
    expect(q().byCorrelationId("corr-1").build().cover!.correlationId).to.equal("corr-1");
  });

  it("queryByCorrelation needs neither domain nor root", () => {
    const query = queries.queryByCorrelation("corr-1").build();
    expect(query.cover).to.deep.equal({ domain: "", root: undefined, correlationId: "corr-1", edition: undefined });
    throwsWith(() => queries.queryByCorrelation(""), InvalidArgumentError);
  });

  it("asOfTime rejects malformed times itself, before any call", () => {
    for (const text of ["yesterday", "2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z", "2024-01-15 10:30", "2024-01-15T10:30:00+25:00"]) {
      throwsWith(() => q().asOfTime(text), InvalidTimestampError);
    }
    throwsWith(() => q().asOfTime(new Date(Number.NaN)), InvalidTimestampError);
    throwsWith(() => q().asOfTime({ seconds: 1, nanos: 1e9 }), InvalidTimestampError);
  });

  it("validates arguments", () => {
    throwsWith(() => q().range(-1), InvalidArgumentError);
    throwsWith(() => q().range(0.5), InvalidArgumentError);
    expect(throwsWith(() => q().rangeTo(7, 3), InvalidArgumentError).message).to.match(/lower bound is above upper bound/);
    throwsWith(() => q().rangeTo(1, -2), InvalidArgumentError);
    throwsWith(() => q().sequences([1, -1]), InvalidArgumentError);
    throwsWith(() => q().asOfSequence(Number.NaN), InvalidArgumentError);
    throwsWith(() => q().withEdition("Branch"), InvalidArgumentError);
    throwsWith(() => q().byCorrelationId("a b"), InvalidArgumentError);
    expect(throwsWith(() => queries.query("", ROOT).build(), InvalidArgumentError).message).to.match(/cannot be empty/);
    expect(throwsWith(() => queries.query("orders", "nope").build(), InvalidArgumentError).message).to.match(/UUID/);
    expect(throwsWith(() => queries.query("orders", "").build(), InvalidArgumentError).message).to.match(/root is required/);
  });

  it("terminals reject before any call", async () => {
    await rejectsWith(queries.query("", ROOT).getEventBook(), InvalidArgumentError);
    await rejectsWith(queries.query("", ROOT).getPages(), InvalidArgumentError);
    throwsWith(() => queries.query("", ROOT).getEvents(), InvalidArgumentError);
  });
});

describe("fact and speculation requests", () => {
  it("injectFact pages carry externalDeferred headers and packed events", () => {
    const req = buildFactRequest({
      domain: "inventory",
      root: ROOT,
      externalId: "erp-7",
      events: [
        { type: Cover, message: sampleCover() },
        { typeUrl: "type.googleapis.com/x.Y", value: Buffer.from([1]) },
      ],
      correlationId: "c1",
      description: "nightly sync",
    });
    expect(req.routeToHandler).to.equal(false);
    expect(req.syncMode).to.equal(SyncMode.SYNC_MODE_ASYNC);
    expect(req.events!.cover!.correlationId).to.equal("c1");
    expect(req.events!.pages.map((p) => p.header)).to.deep.equal([
      { sequenceType: { $case: "externalDeferred", value: { externalId: "erp-7", description: "nightly sync" } } },
      { sequenceType: { $case: "externalDeferred", value: { externalId: "erp-7", description: "nightly sync" } } },
    ]);
    expect(req.events!.pages[0]!.payload).to.have.nested.property("value.typeUrl", "type.googleapis.com/angzarr.Cover");
  });

  it("injectFact refuses missing parts", () => {
    const base = { domain: "inventory", root: ROOT, externalId: "e", events: [{ typeUrl: "t/x", value: Buffer.alloc(0) }] };
    throwsWith(() => buildFactRequest({ ...base, externalId: "" }), InvalidArgumentError);
    throwsWith(() => buildFactRequest({ ...base, events: [] }), InvalidArgumentError);
    throwsWith(() => buildFactRequest({ ...base, domain: "Inv" }), InvalidArgumentError);
    throwsWith(() => buildFactRequest({ ...base, root: "r" }), InvalidArgumentError);
    throwsWith(() => buildFactRequest({ ...base, correlationId: "a:b" }), InvalidArgumentError);
  });

  it("speculation takes a builder, a request or a book, and needs a point in time", () => {
    const builder = commands.command("orders", ROOT).withCommand(Cover, sampleCover());
    const request = builder.build();
    for (const command of [builder, request, request.command!]) {
      const s = speculateCommandRequest(command, { asOfSequence: 3 });
      expect(s.command).to.deep.equal(request.command);
      expect(s.pointInTime).to.deep.equal({ pointInTime: { $case: "asOfSequence", value: 3 } });
    }
    expect(speculateCommandRequest(request, { asOfTime: "1970-01-01T00:00:01Z" }).pointInTime).to.deep.equal({
      pointInTime: { $case: "asOfTime", value: { seconds: 1, nanos: 0 } },
    });
    throwsWith(() => speculateCommandRequest(request, {} as never), InvalidArgumentError);
    throwsWith(() => speculateCommandRequest(request, { asOfSequence: -1 }), InvalidArgumentError);
    throwsWith(() => speculateCommandRequest(request, { asOfTime: "soon" }), InvalidTimestampError);
    throwsWith(() => speculateCommandRequest({ syncMode: 0, cascadeErrorMode: 0 }, { asOfSequence: 1 }), InvalidArgumentError);
  });

  it("SpeculativeClient.speculateCommand rejects before any call", async () => {
    const speculative = SpeculativeClient.connect("127.0.0.1:9");
    try {
      await rejectsWith(speculative.speculateCommand(commands.command("orders", ROOT), {} as never), InvalidArgumentError);
    } finally {
      await speculative.close();
    }
  });
});
