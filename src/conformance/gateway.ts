/**
 * A local plaintext gRPC gateway to a coordinator reached with TLS and/or a bearer token. The
 * conformance steps talk plaintext to one `host:port` (and put fault proxies in front of it);
 * the gateway gives them `127.0.0.1:<port>` and forwards every Angzarr and health method,
 * byte for byte, with its metadata, deadline, status and trailers, adding
 * `authorization: Bearer <token>` to calls that carry none (a step's own token passes through).
 */
import { readFileSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import { CommandHandlerCoordinatorServiceService } from "../gen/angzarr/command_handler.js";
import { ProcessManagerCoordinatorServiceService } from "../gen/angzarr/process_manager.js";
import { ProjectorCoordinatorServiceService } from "../gen/angzarr/projector.js";
import { EventQueryServiceService } from "../gen/angzarr/query.js";
import { SagaCoordinatorServiceService } from "../gen/angzarr/saga.js";
import { EventStreamServiceService } from "../gen/angzarr/stream.js";
import { HealthService } from "../server/health.js";

/** How the gateway reaches the coordinator. */
export interface GatewayOptions {
  /** `host:port` of the coordinator. */
  readonly target: string;
  /** TLS towards the coordinator: `ca` a PEM file (default: system roots), `serverName` to verify. */
  readonly tls?: { readonly ca?: string; readonly serverName?: string };
  /** Bearer token added to calls without an `authorization` header. */
  readonly token?: string;
}

/** A running gateway. */
export interface Gateway {
  /** `127.0.0.1:<port>` to give the steps. */
  readonly endpoint: string;
  /** Stops listening and closes the upstream channel. */
  close(): Promise<void>;
}

type AnyDefinition = Record<string, { path: string; requestStream: boolean; responseStream: boolean }>;

const SERVICES: readonly AnyDefinition[] = [
  CommandHandlerCoordinatorServiceService,
  EventQueryServiceService,
  SagaCoordinatorServiceService,
  ProcessManagerCoordinatorServiceService,
  ProjectorCoordinatorServiceService,
  EventStreamServiceService,
  HealthService,
];

const same = (value: Buffer): Buffer => value;

/** Starts the gateway on a free loopback port. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const credentials = options.tls
    ? grpc.credentials.createSsl(options.tls.ca ? readFileSync(options.tls.ca) : null)
    : grpc.credentials.createInsecure();
  const channelOptions: grpc.ChannelOptions = options.tls?.serverName
    ? { "grpc.ssl_target_name_override": options.tls.serverName, "grpc.default_authority": options.tls.serverName }
    : {};
  const upstream = new grpc.Client(options.target, credentials, channelOptions);
  const server = new grpc.Server();

  const outgoing = (incoming: grpc.Metadata): grpc.Metadata => {
    const md = incoming.clone();
    for (const key of Object.keys(md.getMap())) if (key.startsWith(":") || key === "host" || key === "user-agent") md.remove(key);
    if (options.token && md.get("authorization").length === 0) md.set("authorization", `Bearer ${options.token}`);
    return md;
  };
  const callOptions = (call: { getDeadline(): grpc.Deadline }): grpc.CallOptions => {
    const deadline = call.getDeadline();
    return deadline === Infinity ? {} : { deadline };
  };

  for (const service of SERVICES) {
    const definition: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
    const implementation: grpc.UntypedServiceImplementation = {};
    for (const [name, method] of Object.entries(service)) {
      definition[name] = {
        ...method,
        requestSerialize: same,
        requestDeserialize: same,
        responseSerialize: same,
        responseDeserialize: same,
        originalName: name,
      };
      implementation[name] = forwarder(upstream, method, outgoing, callOptions);
    }
    server.addService(definition, implementation);
  }

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  return {
    endpoint: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => {
          upstream.close();
          resolve();
        });
        setTimeout(() => server.forceShutdown(), 1_000).unref();
      }),
  };
}

type Outgoing = (incoming: grpc.Metadata) => grpc.Metadata;
type Options = (call: { getDeadline(): grpc.Deadline }) => grpc.CallOptions;

/** The status of a failed upstream call, for the downstream caller. */
function statusOf(err: grpc.ServiceError): Partial<grpc.StatusObject> {
  return { code: err.code, details: err.details, metadata: err.metadata };
}

function forwarder(
  upstream: grpc.Client,
  method: { path: string; requestStream: boolean; responseStream: boolean },
  outgoing: Outgoing,
  options: Options,
): grpc.UntypedHandleCall {
  const { path } = method;
  if (!method.requestStream && !method.responseStream) {
    return (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      const up = upstream.makeUnaryRequest(path, same, same, call.request, outgoing(call.metadata), options(call), (err, reply) =>
        err ? callback(statusOf(err)) : callback(null, reply),
      );
      up.on("metadata", (md) => call.sendMetadata(md));
      call.on("cancelled", () => up.cancel());
    };
  }
  if (!method.requestStream) {
    return (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
      const up = upstream.makeServerStreamRequest(path, same, same, call.request, outgoing(call.metadata), options(call));
      pipeResponses(up, call);
    };
  }
  if (!method.responseStream) {
    return (call: grpc.ServerReadableStream<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      const up = upstream.makeClientStreamRequest(path, same, same, outgoing(call.metadata), options(call), (err, reply) =>
        err ? callback(statusOf(err)) : callback(null, reply),
      );
      up.on("metadata", (md) => call.sendMetadata(md));
      call.on("data", (chunk: Buffer) => up.write(chunk));
      call.on("end", () => up.end());
      call.on("cancelled", () => up.cancel());
    };
  }
  return (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
    const up = upstream.makeBidiStreamRequest(path, same, same, outgoing(call.metadata), options(call));
    call.on("data", (chunk: Buffer) => up.write(chunk));
    call.on("end", () => up.end());
    pipeResponses(up, call);
  };
}

function pipeResponses(
  up: grpc.ClientReadableStream<Buffer> | grpc.ClientDuplexStream<Buffer, Buffer>,
  call: grpc.ServerWritableStream<Buffer, Buffer> | grpc.ServerDuplexStream<Buffer, Buffer>,
): void {
  up.on("metadata", (md) => call.sendMetadata(md));
  up.on("data", (chunk: Buffer) => call.write(chunk));
  let failed: grpc.ServiceError | undefined;
  up.on("error", (err: grpc.ServiceError) => (failed = err));
  up.on("status", (status: grpc.StatusObject) => {
    if (failed || status.code !== grpc.status.OK) call.emit("error", { code: status.code, details: status.details, metadata: status.metadata });
    else call.end(status.metadata);
  });
  call.on("cancelled", () => up.cancel());
}
