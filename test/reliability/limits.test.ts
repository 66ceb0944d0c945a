/**
 * Limits: request size, pages per command book and payload size as COORDINATOR.md §4 states
 * them; a deadline on every business-logic call (a handler that never answers costs the caller
 * no more than the coordinator's call deadline); and a bound on the streams open at once.
 */
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { Client } from "../../src/client/index.js";
import { packAny } from "../../src/core/any.js";
import { sequenceHeader } from "../../src/core/books.js";
import { newRoot, uuidToProto } from "../../src/core/uuid.js";
import {
  createLogger,
  loadConfigFromEnv,
  silentLogger,
  startCoordinator,
  type CoordinatorConfig,
  type CoordinatorHandle,
} from "../../src/coordinator/index.js";
import { GrpcError, Status } from "../../src/errors.js";
import type { CommandRequest } from "../../src/gen/angzarr/types.js";
import type { ServerHandle } from "../../src/server/index.js";
import { startFaultProxy } from "../../src/testing/index.js";
import { rawCall, rawClient } from "./fuzz/raw-call.js";
import { figure, n } from "./support/figures.js";
import { AddItem, CreateOrder, startHandler } from "./support/orders.js";
import { rejectsWith } from "../support/assertions.js";

/** The client's own deadline: far above the coordinator's call deadline below. */
const CLIENT_TIMEOUT_MS = 20_000;
const CALL_TIMEOUT_MS = 300;
const MAX_STREAMS = 2;

/**
 * A request with `pages` pages: an AddItem whose payload (the Any's value) is `payloadBytes`
 * long, then CreateOrders. AddItem{sku, quantity: 1} takes the SKU plus 6 bytes (field tag,
 * 3-byte length, quantity) at these sizes.
 */
function request(root: string, pages: number, payloadBytes = 16_384): CommandRequest {
  const cover = { domain: "orders", root: uuidToProto(root), correlationId: "" };
  return {
    command: {
      cover,
      pages: Array.from({ length: pages }, (_, i) => ({
        header: sequenceHeader(i),
        mergeStrategy: 0,
        payload: {
          $case: "command" as const,
          value: i === 0 ? packAny(AddItem, { sku: "s".repeat(payloadBytes - 6), quantity: 1 }) : packAny(CreateOrder, { customerId: "c" }),
        },
      })),
    },
    syncMode: 0,
    cascadeErrorMode: 0,
  };
}

describe("limits", () => {
  let handler: ServerHandle;
  const results: string[] = [];
  const started: CoordinatorHandle[] = [];
  const coordinator = async (config: CoordinatorConfig = {}) => {
    const c = await startCoordinator({ port: 0, storage: { type: "memory" }, routes: { orders: handler.address }, logger: silentLogger, ...config });
    started.push(c);
    return c;
  };

  before(async () => {
    handler = await startHandler();
  });
  after(async () => {
    await Promise.all(started.map((c) => c.stop(1_000)));
    await handler?.stop(1_000);
    figure(`limits: ${results.join("; ")}`);
  });

  it("request size, pages per book and payload size (§4)", async () => {
    const c = await coordinator();
    const client = Client.connect(c.address, { timeoutMs: CLIENT_TIMEOUT_MS });
    try {
      const pages = await rejectsWith(client.commands.handleCommand(request(newRoot(), 101)), GrpcError);
      expect([Status[pages.code], pages.details]).to.deep.equal(["INVALID_ARGUMENT", "command book exceeds maximum pages (max: 100, got: 101)"]);
      const hundred = await rejectsWith(client.commands.handleCommand(request(newRoot(), 100)), GrpcError);
      expect(hundred.details, "100 pages pass the limit (the handler answers)").not.to.match(/maximum pages/);

      const over = request(newRoot(), 1, 262_145);
      const payload = over.command!.pages[0]!.payload;
      expect(payload?.$case === "command" && payload.value.value.length).to.equal(262_145);
      const big = await rejectsWith(client.commands.handleCommand(over), GrpcError);
      expect([Status[big.code], big.details]).to.deep.equal([
        "INVALID_ARGUMENT",
        "page payload exceeds maximum size at page 0 (max: 262144 bytes, got: 262145 bytes)",
      ]);
      const root = newRoot();
      await client.commands.command("orders", root).withCommand(CreateOrder, { customerId: "c" }).withSequence(0).execute();
      const atLimit = request(root, 1, 262_144);
      atLimit.command!.pages[0]!.header = sequenceHeader(1);
      const stored = await client.commands.handleCommand(atLimit);
      expect(stored.events?.pages, "a payload of exactly 262,144 bytes is stored").to.have.length(1);
      const speculative = await rejectsWith(client.commands.speculate(request(newRoot(), 101), { asOfSequence: 0 }), GrpcError);
      expect(speculative.details).to.equal("command book exceeds maximum pages (max: 100, got: 101)");

      const huge = await rejectsWith(client.commands.handleCommand(request(newRoot(), 1, 11 * 1024 * 1024)), GrpcError);
      expect(Status[huge.code]).to.equal("RESOURCE_EXHAUSTED");
      results.push(
        `101 pages and a 262,145-byte payload INVALID_ARGUMENT with the §4 texts (100 pages and 262,144 bytes pass), ` +
          `an 11 MiB request RESOURCE_EXHAUSTED`,
      );
    } finally {
      await client.close();
    }
  });

  it("a handler that never answers costs the caller the coordinator's call deadline, not its own", async () => {
    const proxy = await startFaultProxy(handler.address);
    const c = await coordinator({ routes: { orders: proxy.endpoint }, callTimeoutMs: CALL_TIMEOUT_MS });
    const client = Client.connect(c.address, { timeoutMs: CLIENT_TIMEOUT_MS });
    try {
      const root = newRoot();
      const create = (r = root) => client.commands.command("orders", r).withCommand(CreateOrder, { customerId: "c" }).withSequence(0).execute();
      await create(newRoot()); // connects the coordinator to the handler; held from here on
      proxy.setMode("hold");
      const started = performance.now();
      const err = await rejectsWith(create(), GrpcError);
      const waited = performance.now() - started;
      expect(Status[err.code]).to.equal("DEADLINE_EXCEEDED");
      expect(waited, "answered before the client's own deadline").to.be.lessThan(CLIENT_TIMEOUT_MS);
      proxy.setMode("pass");
      // The aggregate is not left locked: the same command now goes through.
      expect((await create()).events?.pages).to.have.length(1);
      results.push(
        `a handler that never answers: DEADLINE_EXCEEDED after ${n(Math.round(waited))} ms (call deadline ${CALL_TIMEOUT_MS} ms, client deadline ${n(CLIENT_TIMEOUT_MS)} ms), aggregate free again`,
      );
    } finally {
      await client.close();
      await proxy.close();
    }
  });

  it(`at most ${MAX_STREAMS} streams at once; one more is RESOURCE_EXHAUSTED until one ends`, async () => {
    const c = await coordinator(loadConfigFromEnv({ ANGZARR_MAX_STREAMS: String(MAX_STREAMS), ANGZARR__TRANSPORT__TCP__PORT: "0" }));
    expect(() => loadConfigFromEnv({ ANGZARR_MAX_STREAMS: "0" })).to.throw(/^ANGZARR_MAX_STREAMS: invalid value "0"/);
    const client = Client.connect(c.address, { timeoutMs: CLIENT_TIMEOUT_MS });
    const root = newRoot();
    const query = () => client.queries.query("orders", root);
    try {
      // Finished and abandoned streams give their slot back.
      for (let i = 0; i < 3 * MAX_STREAMS; i++) await query().getEvents().collect();
      for (let i = 0; i < 3 * MAX_STREAMS; i++) for await (const _ of client.queries.getAggregateRoots()) break;

      const sessions = Array.from({ length: MAX_STREAMS }, () => client.queries.synchronize());
      const answers = sessions.map((s) => s[Symbol.asyncIterator]());
      for (const [i, s] of sessions.entries()) {
        s.send(query().build());
        expect((await answers[i]!.next()).done).to.equal(false);
      }
      const refused = [
        await rejectsWith(query().getEvents().collect(), GrpcError),
        await rejectsWith(client.queries.getAggregateRoots().collect(), GrpcError),
      ];
      const extra = client.queries.synchronize();
      extra.send(query().build());
      refused.push(
        await rejectsWith(
          (async () => {
            for await (const _ of extra);
          })(),
          GrpcError,
        ),
      );
      expect(refused.map((e) => Status[e.code])).to.deep.equal(["RESOURCE_EXHAUSTED", "RESOURCE_EXHAUSTED", "RESOURCE_EXHAUSTED"]);
      expect(refused[0]!.details).to.equal(`GetEvents: too many concurrent streams (max: ${MAX_STREAMS}); retry once one of them has ended`);

      sessions[0]!.end();
      expect((await answers[0]!.next()).done).to.equal(true);
      expect(await query().getEvents().collect()).to.have.length(1);
      sessions[1]!.cancel();
      await answers[1]!.next().catch(() => undefined);
      expect(await query().getEvents().collect()).to.have.length(1);
      results.push(
        `maxConcurrentStreams ${MAX_STREAMS}: the next GetEvents, GetAggregateRoots and Synchronize RESOURCE_EXHAUSTED, slots back after end and cancel`,
      );
    } finally {
      await client.close();
    }
  });

  it("a Synchronize cut short (over the size limit, cancelled) leaves no work running on the coordinator", async () => {
    const lines: string[] = [];
    const c = await startCoordinator({ port: 0, storage: { type: "memory" }, logger: createLogger("warn", (l) => lines.push(l)) });
    const raw = rawClient(c.address);
    const client = Client.connect(c.address, { timeoutMs: CLIENT_TIMEOUT_MS });
    try {
      const oversized = await rawCall(raw, "/angzarr.EventQueryService/Synchronize", "bidi", [Buffer.alloc(11 * 1024 * 1024)], CLIENT_TIMEOUT_MS);
      expect(Status[oversized.code]).to.equal("RESOURCE_EXHAUSTED");
      const session = client.queries.synchronize();
      session.send(client.queries.query("orders", newRoot()).build());
      const answers = session[Symbol.asyncIterator]();
      await answers.next();
      session.cancel();
      await answers.next().catch(() => undefined);
    } finally {
      raw.close();
      await client.close();
      await c.stop(2_000);
    }
    expect(
      lines.filter((l) => l.includes("stopping with")),
      "work left running at stop",
    ).to.deep.equal([]);
    results.push("Synchronize over the size limit or cancelled: nothing left running");
  });
});
