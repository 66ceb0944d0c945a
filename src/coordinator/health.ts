/**
 * `grpc.health.v1.Health` (COORDINATOR.md §3): only the empty service name is registered,
 * SERVING from start-up until shutdown; other names are NOT_FOUND for Check. The two messages
 * are encoded by hand: `HealthCheckRequest{string service = 1}`,
 * `HealthCheckResponse{ServingStatus status = 1}`.
 */
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import {
  status as Status,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";

/** `grpc.health.v1.HealthCheckResponse.ServingStatus`. */
export enum ServingStatus {
  /** Status not known (the wire default). */
  UNKNOWN = 0,
  /** The coordinator accepts calls (from start-up until shutdown begins). */
  SERVING = 1,
  /** Shutting down: sent to every watcher before their streams end. */
  NOT_SERVING = 2,
  /** Sent by Watch for a service name other than "" (the only one registered). */
  SERVICE_UNKNOWN = 3,
}

/** `grpc.health.v1.HealthCheckRequest`. */
export interface HealthCheckRequest {
  service: string;
}

/** `grpc.health.v1.HealthCheckResponse`. */
export interface HealthCheckResponse {
  status: ServingStatus;
}

/** Decodes `HealthCheckRequest`. */
export function decodeHealthRequest(bytes: Uint8Array): HealthCheckRequest {
  const reader = new BinaryReader(bytes);
  const request = { service: "" };
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) request.service = reader.string();
    else reader.skip(wireType, field);
  }
  return request;
}

/** Encodes `HealthCheckRequest`. */
export function encodeHealthRequest(request: HealthCheckRequest): Buffer {
  const writer = new BinaryWriter();
  if (request.service) writer.uint32((1 << 3) | WireType.LengthDelimited).string(request.service);
  return Buffer.from(writer.finish());
}

/** Encodes `HealthCheckResponse`. */
export function encodeHealthResponse(response: HealthCheckResponse): Buffer {
  const writer = new BinaryWriter();
  if (response.status !== ServingStatus.UNKNOWN) writer.uint32((1 << 3) | WireType.Varint).int32(response.status);
  return Buffer.from(writer.finish());
}

/** Decodes `HealthCheckResponse`. */
export function decodeHealthResponse(bytes: Uint8Array): HealthCheckResponse {
  const reader = new BinaryReader(bytes);
  const response = { status: ServingStatus.UNKNOWN };
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.Varint) response.status = reader.int32();
    else reader.skip(wireType, field);
  }
  return response;
}

/** The grpc-js definition of `grpc.health.v1.Health` (Check and Watch). */
export const HealthService = {
  check: {
    path: "/grpc.health.v1.Health/Check",
    requestStream: false,
    responseStream: false,
    requestSerialize: encodeHealthRequest,
    requestDeserialize: decodeHealthRequest,
    responseSerialize: encodeHealthResponse,
    responseDeserialize: decodeHealthResponse,
  },
  watch: {
    path: "/grpc.health.v1.Health/Watch",
    requestStream: false,
    responseStream: true,
    requestSerialize: encodeHealthRequest,
    requestDeserialize: decodeHealthRequest,
    responseSerialize: encodeHealthResponse,
    responseDeserialize: decodeHealthResponse,
  },
} satisfies ServiceDefinition;

/** Serving state of the coordinator, with Check/Watch handlers. */
export class Health {
  private status = ServingStatus.SERVING;
  private readonly watchers = new Set<ServerWritableStream<HealthCheckRequest, HealthCheckResponse>>();

  /** Handlers to register with `server.addService(HealthService, …)`. */
  readonly implementation: UntypedServiceImplementation = {
    check: (call: ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>, callback: sendUnaryData<HealthCheckResponse>) => {
      if (call.request.service !== "") callback({ code: Status.NOT_FOUND, details: "service not registered" });
      else callback(null, { status: this.status });
    },
    watch: (call: ServerWritableStream<HealthCheckRequest, HealthCheckResponse>) => {
      // An unregistered name is reported as SERVICE_UNKNOWN and watched until shutdown, per the protocol.
      call.write({ status: call.request.service === "" ? this.status : ServingStatus.SERVICE_UNKNOWN });
      if (this.status !== ServingStatus.SERVING) return void call.end();
      this.watchers.add(call);
      call.on("cancelled", () => this.watchers.delete(call));
    },
  };

  /** Reports NOT_SERVING to every watcher and ends their streams (call before shutting down). */
  shutdown(): void {
    this.status = ServingStatus.NOT_SERVING;
    for (const call of this.watchers) {
      if (call.request.service === "") call.write({ status: this.status });
      call.end();
    }
    this.watchers.clear();
  }
}
