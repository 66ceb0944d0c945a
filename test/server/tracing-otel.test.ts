/**
 * One OpenTelemetry trace spanning client -> coordinator -> handler: the SDK client's span, the
 * coordinator's server span, its call to the business process and the handler's server span,
 * recorded by the in-memory exporter of @opentelemetry/sdk-trace-base.
 */
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import * as api from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { CreateOrder } from "../../examples/gen/examples/orders.js";
import { startOrdersHandler } from "../../examples/orders/index.js";
import { Client } from "../../src/client/index.js";
import { newRoot } from "../../src/core/uuid.js";
import { startCoordinator, silentLogger, type CoordinatorHandle } from "../../src/coordinator/index.js";
import { enableOpenTelemetry } from "../../src/index.js";
import { silentLogger as quietServer, type ServerHandle } from "../../src/server/index.js";

describe("OpenTelemetry spans (optional @opentelemetry/api)", () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const contextManager = new AsyncLocalStorageContextManager();
  let handler: ServerHandle;
  let coordinator: CoordinatorHandle;

  before(async () => {
    api.context.setGlobalContextManager(contextManager.enable());
    api.trace.setGlobalTracerProvider(provider);
    expect(await enableOpenTelemetry(api)).to.equal(true);
    handler = await startOrdersHandler("127.0.0.1:0", { logger: quietServer });
    coordinator = await startCoordinator({ port: 0, storage: { type: "memory" }, routes: { orders: handler.address }, logger: silentLogger });
  });
  after(async () => {
    await coordinator?.stop(1_000);
    await handler?.stop(1_000);
    await provider.shutdown();
    api.trace.disable();
    api.context.disable();
  });

  it("one trace: user span > client > coordinator > coordinator's business call > handler", async () => {
    const client = Client.connect(coordinator.address, { timeoutMs: 10_000 });
    try {
      const tracer = api.trace.getTracer("test");
      await tracer.startActiveSpan("checkout", async (span) => {
        await client.commands.command("orders", newRoot()).withCommand(CreateOrder, { customerId: "c" }).withSequence(0).execute();
        span.end();
      });
    } finally {
      await client.close();
    }
    const spans = exporter.getFinishedSpans();
    const find = (name: string, kind: api.SpanKind): ReadableSpan => {
      const found = spans.filter((s) => s.name === name && s.kind === kind);
      expect(found, `${api.SpanKind[kind]} span ${name} in ${spans.map((s) => s.name).join(", ")}`).to.have.length(1);
      return found[0]!;
    };
    const root = find("checkout", api.SpanKind.INTERNAL);
    const client_ = find("angzarr.CommandHandlerCoordinatorService/HandleCommand", api.SpanKind.CLIENT);
    const coord = find("angzarr.CommandHandlerCoordinatorService/HandleCommand", api.SpanKind.SERVER);
    const call = find("angzarr.CommandHandlerService/Handle", api.SpanKind.CLIENT);
    const handled = find("angzarr.CommandHandlerService/Handle", api.SpanKind.SERVER);
    const chain = [root, client_, coord, call, handled];
    const traceId = root.spanContext().traceId;
    for (const s of chain) expect(s.spanContext().traceId, s.name).to.equal(traceId);
    for (let i = 1; i < chain.length; i++) {
      expect(chain[i]!.parentSpanContext?.spanId, `parent of ${chain[i]!.name} (${api.SpanKind[chain[i]!.kind]})`).to.equal(
        chain[i - 1]!.spanContext().spanId,
      );
    }
    expect(coord.parentSpanContext?.isRemote).to.equal(true);
    expect(handled.parentSpanContext?.isRemote).to.equal(true);
    expect(handled.attributes).to.deep.include({
      "rpc.system": "grpc",
      "rpc.service": "angzarr.CommandHandlerService",
      "rpc.method": "Handle",
      "rpc.grpc.status_code": 0,
    });
    expect(coord.status.code).to.equal(api.SpanStatusCode.UNSET);
  });

  it("a failed call marks its spans with the status code", async () => {
    exporter.reset();
    const client = Client.connect(coordinator.address, { timeoutMs: 10_000 });
    try {
      // Sequence 5 on a new aggregate: FAILED_PRECONDITION from the coordinator.
      await client.commands
        .command("orders", newRoot())
        .withCommand(CreateOrder, { customerId: "c" })
        .withSequence(5)
        .execute()
        .catch(() => undefined);
    } finally {
      await client.close();
    }
    const spans = exporter.getFinishedSpans().filter((s) => s.name === "angzarr.CommandHandlerCoordinatorService/HandleCommand");
    expect(spans.map((s) => api.SpanKind[s.kind]).sort()).to.deep.equal(["CLIENT", "SERVER"]);
    for (const s of spans) {
      expect(s.status.code, s.name).to.equal(api.SpanStatusCode.ERROR);
      expect(s.attributes["rpc.grpc.status_code"]).to.equal(9);
    }
    expect(spans[0]!.spanContext().traceId).to.equal(spans[1]!.spanContext().traceId);
  });
});
