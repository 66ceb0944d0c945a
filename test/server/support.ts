// Real grpc-js clients for the server tests: generated service clients plus a promise helper.
import {
  Metadata,
  credentials as grpcCredentials,
  makeGenericClientConstructor,
  type CallOptions,
  type ChannelCredentials,
  type Client,
  type ServiceError,
} from "@grpc/grpc-js";
import { CommandHandlerServiceClient } from "../../src/gen/angzarr/command_handler.js";
import { ProcessManagerServiceClient } from "../../src/gen/angzarr/process_manager.js";
import { ProjectorServiceClient } from "../../src/gen/angzarr/projector.js";
import { SagaServiceClient } from "../../src/gen/angzarr/saga.js";
import { UpcasterServiceClient } from "../../src/gen/angzarr/upcaster.js";
import { HealthService, type HealthCheckRequest, type HealthCheckResponse } from "../../src/server/health.js";
import { rejectionOf } from "../support/assertions.js";

type Callback<Res> = (error: ServiceError | null, response: Res) => void;

// Typed after the generated clients' last overload, which TypeScript infers from.
type UnaryMethod<Req, Res> = (request: Req, metadata: Metadata, options: Partial<CallOptions>, callback: Callback<Res>) => unknown;

/** Call a generated unary method and get a promise (rejecting with the ServiceError). */
export function call<Req, Res>(client: Client, method: UnaryMethod<Req, Res>, request: Req): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, request, new Metadata(), {}, (err: ServiceError | null, response: Res) => (err ? reject(err) : resolve(response)));
  });
}

/** Call and return the ServiceError (fails if the call succeeds). */
export function callError<Req, Res>(client: Client, method: UnaryMethod<Req, Res>, request: Req): Promise<ServiceError> {
  return rejectionOf<ServiceError>(call(client, method, request), "the call to fail");
}

/** The clients of every business service, on one channel address. */
export function clients(address: string, creds: ChannelCredentials = grpcCredentials.createInsecure()) {
  const HealthClient = makeGenericClientConstructor(HealthService, "grpc.health.v1.Health");
  const made = {
    commands: new CommandHandlerServiceClient(address, creds),
    sagas: new SagaServiceClient(address, creds),
    processManagers: new ProcessManagerServiceClient(address, creds),
    projectors: new ProjectorServiceClient(address, creds),
    upcasters: new UpcasterServiceClient(address, creds),
    health: new HealthClient(address, creds) as unknown as Client & {
      check: UnaryMethod<HealthCheckRequest, HealthCheckResponse>;
      watch(request: HealthCheckRequest): NodeJS.EventEmitter & { cancel(): void };
    },
  };
  return { ...made, close: () => Object.values(made).forEach((c) => c.close()) };
}
