/**
 * gRPC server reflection on the coordinator and on SDK business-logic servers, exercised the
 * way grpcurl does: list the services, fetch the file declaring a service, find a method's
 * input and output types, fetch the files declaring those (v1, and v1alpha for older tools).
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import {
  credentials,
  loadPackageDefinition,
  type Client,
  type ClientDuplexStream,
  type GrpcObject,
  type ServiceClientConstructor,
} from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { OrderAggregate, startOrdersHandler } from "../../examples/orders/index.js";
import { startCoordinator, silentLogger, type CoordinatorHandle } from "../../src/coordinator/index.js";
import { FileDescriptorProto } from "../../src/gen/google/protobuf/descriptor.js";
import { runAggregateServer, silentLogger as quietServer, type ServerHandle } from "../../src/server/index.js";

const require = createRequire(import.meta.url);
const protoRoot = join(dirname(require.resolve("@grpc/reflection/package.json")), "build", "proto");

type Version = "v1" | "v1alpha";

function reflectionClient(address: string, version: Version): Client {
  const definition = loadSync(join(protoRoot, "grpc", "reflection", version, "reflection.proto"), { keepCase: true, oneofs: true });
  const pkg = loadPackageDefinition(definition) as unknown as { grpc: { reflection: Record<Version, GrpcObject> } };
  const Ctor = pkg.grpc.reflection[version].ServerReflection as ServiceClientConstructor;
  return new Ctor(address, credentials.createInsecure());
}

interface ReflectionResponse {
  list_services_response?: { service: { name: string }[] };
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  error_response?: { error_code: number; error_message: string };
}

/** One request on a fresh ServerReflectionInfo stream, as grpcurl sends it. */
async function ask(client: Client, request: Record<string, unknown>): Promise<ReflectionResponse> {
  const call = (client as unknown as { ServerReflectionInfo(opts: object): ClientDuplexStream<object, ReflectionResponse> }).ServerReflectionInfo({
    deadline: Date.now() + 10_000,
  });
  const answer = new Promise<ReflectionResponse>((resolve, reject) => {
    call.once("data", resolve);
    call.once("error", reject);
  });
  call.write({ host: "", ...request });
  call.end();
  return answer;
}

async function listServices(client: Client): Promise<string[]> {
  const res = await ask(client, { list_services: "*" });
  return res.list_services_response!.service.map((s) => s.name).sort();
}

async function filesFor(client: Client, symbol: string): Promise<FileDescriptorProto[]> {
  const res = await ask(client, { file_containing_symbol: symbol });
  expect(res.error_response, `${symbol}: ${res.error_response?.error_message}`).to.equal(undefined);
  return res.file_descriptor_response!.file_descriptor_proto.map((bytes) => FileDescriptorProto.decode(bytes));
}

/** grpcurl describe <service>.<method>: the method's request and response types, each resolved to its file. */
async function resolveMethod(client: Client, service: string, method: string): Promise<{ input: string; output: string }> {
  const files = await filesFor(client, service);
  const name = service.slice(service.lastIndexOf(".") + 1);
  const svc = files.flatMap((f) => f.service).find((s) => s.name === name);
  expect(svc, `service ${service} in the returned files`).to.not.equal(undefined);
  const m = svc!.method.find((x) => x.name === method)!;
  expect(m, `method ${method}`).to.not.equal(undefined);
  for (const type of [m.inputType!, m.outputType!]) {
    const symbol = type.replace(/^\./, "");
    const declaring = await filesFor(client, symbol);
    const message = symbol.slice(symbol.lastIndexOf(".") + 1);
    expect(
      declaring.flatMap((f) => f.messageType).map((t) => t.name),
      `message ${symbol}`,
    ).to.include(message);
  }
  return { input: m.inputType!, output: m.outputType! };
}

describe("gRPC server reflection", () => {
  let handler: ServerHandle;
  let coordinator: CoordinatorHandle;
  before(async () => {
    handler = await startOrdersHandler("127.0.0.1:0", { logger: quietServer });
    coordinator = await startCoordinator({ port: 0, storage: { type: "memory" }, routes: { orders: handler.address }, logger: silentLogger });
  });
  after(async () => {
    await coordinator?.stop(1_000);
    await handler?.stop(1_000);
  });

  for (const version of ["v1", "v1alpha"] as const) {
    it(`the coordinator lists its services and resolves HandleCommand (${version})`, async () => {
      const client = reflectionClient(coordinator.address, version);
      try {
        expect(await listServices(client)).to.deep.equal([
          "angzarr.CommandHandlerCoordinatorService",
          "angzarr.EventQueryService",
          "angzarr.ProcessManagerCoordinatorService",
          "angzarr.ProjectorCoordinatorService",
          "angzarr.SagaCoordinatorService",
          "grpc.health.v1.Health",
        ]);
        expect(await resolveMethod(client, "angzarr.CommandHandlerCoordinatorService", "HandleCommand")).to.deep.equal({
          input: ".angzarr.CommandRequest",
          output: ".angzarr.CommandResponse",
        });
        expect(await resolveMethod(client, "angzarr.EventQueryService", "GetEventBook")).to.deep.equal({
          input: ".angzarr.Query",
          output: ".angzarr.EventBook",
        });
        expect(await resolveMethod(client, "grpc.health.v1.Health", "Check")).to.deep.equal({
          input: ".grpc.health.v1.HealthCheckRequest",
          output: ".grpc.health.v1.HealthCheckResponse",
        });
      } finally {
        client.close();
      }
    });
  }

  it("a business-logic server lists what it serves and resolves the methods of each", async () => {
    const client = reflectionClient(handler.address, "v1");
    try {
      expect(await listServices(client)).to.deep.equal([
        "angzarr.CommandHandlerService",
        "angzarr.ProcessManagerService",
        "angzarr.ProjectorService",
        "angzarr.SagaService",
        "angzarr.UpcasterService",
        "grpc.health.v1.Health",
      ]);
      expect(await resolveMethod(client, "angzarr.SagaService", "Handle")).to.deep.equal({
        input: ".angzarr.SagaHandleRequest",
        output: ".angzarr.SagaResponse",
      });
    } finally {
      client.close();
    }
  });

  it("an aggregate server lists only CommandHandlerService and health; reflection: false serves none", async () => {
    const only = await runAggregateServer(OrderAggregate, "127.0.0.1:0", { logger: quietServer });
    const none = await runAggregateServer(OrderAggregate, "127.0.0.1:0", { logger: quietServer, reflection: false });
    const client = reflectionClient(only.address, "v1");
    const off = reflectionClient(none.address, "v1");
    try {
      expect(await listServices(client)).to.deep.equal(["angzarr.CommandHandlerService", "grpc.health.v1.Health"]);
      expect(await resolveMethod(client, "angzarr.CommandHandlerService", "Handle")).to.deep.equal({
        input: ".angzarr.ContextualCommand",
        output: ".angzarr.BusinessResponse",
      });
      // A symbol outside the server's files is NOT_FOUND, as grpcurl reports it.
      const missing = await ask(client, { file_containing_symbol: "angzarr.NoSuchThing" });
      expect(missing.error_response?.error_code).to.equal(5);
      // Without reflection the call is UNIMPLEMENTED, as on a server that never had it.
      const err = (await ask(off, { list_services: "*" }).then(
        () => undefined,
        (e: unknown) => e,
      )) as { code?: number } | undefined;
      expect(err?.code).to.equal(12);
    } finally {
      client.close();
      off.close();
      await only.stop(1_000);
      await none.stop(1_000);
    }
  });
});
