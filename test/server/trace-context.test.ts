/**
 * W3C trace context without an OpenTelemetry SDK: parsing and formatting `traceparent`, and the
 * trace id carried from an SDK client through the coordinator into the handler, as the
 * per-request debug lines of both show (structured logs: method, domain, root, sequence, code,
 * ms, trace; never a payload).
 */
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { CreateOrder } from "../../examples/gen/examples/orders.js";
import { startOrdersHandler } from "../../examples/orders/index.js";
import { Client } from "../../src/client/index.js";
import { newRoot } from "../../src/core/uuid.js";
import { startCoordinator, type CoordinatorHandle } from "../../src/coordinator/index.js";
import { formatTraceparent, parseTraceparent } from "../../src/tracing.js";
import { createLogger, type ServerHandle } from "../../src/server/index.js";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";

describe("traceparent", () => {
  it("parses and formats W3C trace context", () => {
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-01`, "congo=t61rcWkgMzE")).to.deep.equal({
      traceId: TRACE,
      spanId: SPAN,
      sampled: true,
      traceState: "congo=t61rcWkgMzE",
    });
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-00`)).to.deep.equal({ traceId: TRACE, spanId: SPAN, sampled: false });
    // A later version may append fields; version 00 may not.
    expect(parseTraceparent(`01-${TRACE}-${SPAN}-03-extra`)?.sampled).to.equal(true);
    for (const bad of [
      undefined,
      "",
      `00-${TRACE}-${SPAN}-01-extra`,
      `ff-${TRACE}-${SPAN}-01`,
      `00-${"0".repeat(32)}-${SPAN}-01`,
      `00-${TRACE}-${"0".repeat(16)}-01`,
      `00-${TRACE.toUpperCase()}-${SPAN}-01`,
      `00-${TRACE.slice(1)}-${SPAN}-01`,
    ]) {
      expect(parseTraceparent(bad), String(bad)).to.equal(undefined);
    }
    expect(formatTraceparent({ traceId: TRACE, spanId: SPAN, sampled: true })).to.equal(`00-${TRACE}-${SPAN}-01`);
  });
});

describe("trace id from client through coordinator to handler (no OpenTelemetry SDK)", () => {
  const coordinatorLines: string[] = [];
  const handlerLines: string[] = [];
  let handler: ServerHandle;
  let coordinator: CoordinatorHandle;
  before(async () => {
    handler = await startOrdersHandler("127.0.0.1:0", { logger: createLogger("debug", (l) => handlerLines.push(l), "json") });
    coordinator = await startCoordinator({
      port: 0,
      storage: { type: "memory" },
      routes: { orders: handler.address },
      logger: createLogger("debug", (l) => coordinatorLines.push(l), "json"),
    });
  });
  after(async () => {
    await coordinator?.stop(1_000);
    await handler?.stop(1_000);
  });

  const rpcLines = (lines: string[]) => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === "rpc");

  it("continues the caller's traceparent, one debug line per request with the request's identity", async () => {
    const client = Client.connect(coordinator.address, { timeoutMs: 10_000 });
    const root = newRoot();
    try {
      await client.commands
        .command("orders", root)
        .withCommand(CreateOrder, { customerId: "payload-secret-customer" })
        .withSequence(0)
        .execute({ metadata: { traceparent: `00-${TRACE}-${SPAN}-01` } });
    } finally {
      await client.close();
    }
    const [atCoordinator] = rpcLines(coordinatorLines).filter((l) => l.method === "HandleCommand");
    expect(atCoordinator).to.include({ level: "debug", method: "HandleCommand", domain: "orders", root, sequence: 0, code: "OK", trace: TRACE });
    expect(atCoordinator!.ms).to.be.a("number");
    const [atHandler] = rpcLines(handlerLines).filter((l) => l.method === "CommandHandlerService.Handle");
    expect(atHandler).to.include({ method: "CommandHandlerService.Handle", domain: "orders", root, code: "OK", trace: TRACE });
    for (const line of [...coordinatorLines, ...handlerLines]) expect(line).not.to.include("payload-secret-customer");
  });

  it("starts a trace at the client when none is given, and every hop logs it", async () => {
    coordinatorLines.length = 0;
    handlerLines.length = 0;
    const client = Client.connect(coordinator.address, { timeoutMs: 10_000 });
    try {
      await client.commands.command("orders", newRoot()).withCommand(CreateOrder, { customerId: "c" }).withSequence(0).execute();
    } finally {
      await client.close();
    }
    const trace = rpcLines(coordinatorLines).find((l) => l.method === "HandleCommand")?.trace;
    expect(trace).to.match(/^[0-9a-f]{32}$/);
    expect(trace).to.not.equal(TRACE);
    expect(rpcLines(handlerLines).find((l) => l.method === "CommandHandlerService.Handle")?.trace).to.equal(trace);
  });
});

describe("createLogger", () => {
  it("writes JSON lines (level, time, msg, fields; errors with their stack) or text lines", () => {
    const json: string[] = [];
    const logger = createLogger("info", (l) => json.push(l), "json");
    logger.debug("hidden");
    logger.error("broken", { ref: "r1", error: new Error("boom") });
    expect(json).to.have.length(1);
    const line = JSON.parse(json[0]!) as Record<string, unknown>;
    expect(line).to.include({ level: "error", msg: "broken", ref: "r1", error: "boom" });
    expect(line.time).to.match(/^\d{4}-\d\d-\d\dT/);
    expect(line.stack).to.match(/^Error: boom/);
    expect(logger.isLevelEnabled!("debug")).to.equal(false);
    const text: string[] = [];
    createLogger("debug", (l) => text.push(l)).debug("rpc", { method: "HandleCommand", code: "OK", ms: 3 });
    expect(text[0]).to.match(/^\d{4}-\d\d-\d\dT\S+ DEBUG rpc method="HandleCommand" code="OK" ms=3\n$/);
  });
});
