import { BinaryReader, BinaryWriter } from "@bufbuild/protobuf/wire";
import {
  status as Status,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type UntypedServiceImplementation,
  type sendUnaryData,
} from "@grpc/grpc-js";

// grpc.health.v1 messages, written by hand (two one-field messages do not justify a proto
// input of their own). Field numbers and enum values follow the standard health protocol.

/** Serving status of a service (`grpc.health.v1.HealthCheckResponse.ServingStatus`). */
export enum ServingStatus {
  /** Status not known (the wire default). */
  UNKNOWN = 0,
  /** Ready for calls. */
  SERVING = 1,
  /** Up but not accepting calls, e.g. while stopping. */
  NOT_SERVING = 2,
  /** Sent by Watch for a service name the server does not know. */
  SERVICE_UNKNOWN = 3,
}

/** `grpc.health.v1.HealthCheckRequest`: the service to check ("" for the whole server). */
export interface HealthCheckRequest {
  /** Service name, e.g. `angzarr.CommandHandlerService`; "" for the server. */
  service: string;
}

/** `grpc.health.v1.HealthCheckResponse`. */
export interface HealthCheckResponse {
  /** The service's status. */
  status: ServingStatus;
}

function skipUnknown(reader: BinaryReader, tag: number): void {
  reader.skip(tag & 7, tag >>> 3);
}

/** Codec of HealthCheckRequest (a {@link MessageType}). */
export const HealthCheckRequest = {
  /** Full protobuf name. */
  $type: "grpc.health.v1.HealthCheckRequest" as const,
  /** Write the message in protobuf binary form. */
  encode(message: HealthCheckRequest, writer: BinaryWriter = new BinaryWriter()): BinaryWriter {
    if (message.service !== "") writer.uint32(10).string(message.service);
    return writer;
  },
  /** Read the message from protobuf bytes, skipping unknown fields. */
  decode(input: Uint8Array): HealthCheckRequest {
    const reader = new BinaryReader(input);
    const message: HealthCheckRequest = { service: "" };
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag === 10) message.service = reader.string();
      else skipUnknown(reader, tag);
    }
    return message;
  },
};

/** Codec of HealthCheckResponse (a {@link MessageType}). */
export const HealthCheckResponse = {
  /** Full protobuf name. */
  $type: "grpc.health.v1.HealthCheckResponse" as const,
  /** Write the message in protobuf binary form. */
  encode(message: HealthCheckResponse, writer: BinaryWriter = new BinaryWriter()): BinaryWriter {
    if (message.status !== ServingStatus.UNKNOWN) writer.uint32(8).int32(message.status);
    return writer;
  },
  /** Read the message from protobuf bytes, skipping unknown fields. */
  decode(input: Uint8Array): HealthCheckResponse {
    const reader = new BinaryReader(input);
    const message: HealthCheckResponse = { status: ServingStatus.UNKNOWN };
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag === 8) message.status = reader.int32();
      else skipUnknown(reader, tag);
    }
    return message;
  },
};

const serializeRequest = (m: HealthCheckRequest): Buffer => Buffer.from(HealthCheckRequest.encode(m).finish());
const serializeResponse = (m: HealthCheckResponse): Buffer => Buffer.from(HealthCheckResponse.encode(m).finish());

/**
 * Service definition of `grpc.health.v1.Health` for grpc-js servers and generic clients. Each
 * method is a grpc-js MethodDefinition.
 * @example
 * const Health = grpc.makeGenericClientConstructor(HealthService, "Health");
 * const health = new Health("127.0.0.1:1310", grpc.credentials.createInsecure());
 * health.check({ service: "" }, (err, res) => console.log(err ?? ServingStatus[res.status]));
 */
export const HealthService = {
  /** Unary Check: the current status of one service. */
  check: {
    /** gRPC method path. */
    path: "/grpc.health.v1.Health/Check",
    /** False: one request. */
    requestStream: false,
    /** False: one response. */
    responseStream: false,
    /** Request to bytes. */
    requestSerialize: serializeRequest,
    /** Bytes to request. */
    requestDeserialize: HealthCheckRequest.decode,
    /** Response to bytes. */
    responseSerialize: serializeResponse,
    /** Bytes to response. */
    responseDeserialize: HealthCheckResponse.decode,
  },
  /** Server-streaming Watch: the status now, then on every change, until the server stops. */
  watch: {
    /** gRPC method path. */
    path: "/grpc.health.v1.Health/Watch",
    /** False: one request. */
    requestStream: false,
    /** True: a stream of responses. */
    responseStream: true,
    /** Request to bytes. */
    requestSerialize: serializeRequest,
    /** Bytes to request. */
    requestDeserialize: HealthCheckRequest.decode,
    /** Response to bytes. */
    responseSerialize: serializeResponse,
    /** Bytes to response. */
    responseDeserialize: HealthCheckResponse.decode,
  },
} satisfies ServiceDefinition;

/**
 * Health state of one server: a status per service name ("" = the whole server), answered by
 * Check and streamed by Watch. `shutdown()` turns everything NOT_SERVING and ends every Watch
 * stream, so a graceful stop is not held open by watchers.
 * @internal
 */
export class HealthRegistry {
  readonly #statuses = new Map<string, ServingStatus>();
  readonly #watchers = new Map<string, Set<ServerWritableStream<HealthCheckRequest, HealthCheckResponse>>>();
  #stopped = false;

  constructor(services: readonly string[]) {
    for (const service of ["", ...services]) this.#statuses.set(service, ServingStatus.SERVING);
  }

  /** Set a service's status and notify its watchers. */
  set(service: string, status: ServingStatus): void {
    this.#statuses.set(service, status);
    for (const call of this.#watchers.get(service) ?? []) call.write({ status });
  }

  /** Mark everything NOT_SERVING and end all Watch streams. */
  shutdown(): void {
    this.#stopped = true;
    for (const service of this.#statuses.keys()) this.set(service, ServingStatus.NOT_SERVING);
    for (const calls of this.#watchers.values()) for (const call of calls) call.end();
    this.#watchers.clear();
  }

  /** The grpc-js implementation of HealthService. */
  implementation(): UntypedServiceImplementation {
    return {
      check: (call: ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>, callback: sendUnaryData<HealthCheckResponse>) => {
        const status = this.#statuses.get(call.request.service);
        if (status === undefined)
          callback({ code: Status.NOT_FOUND, details: "service not registered" }); // tonic-health's text
        else callback(null, { status });
      },
      watch: (call: ServerWritableStream<HealthCheckRequest, HealthCheckResponse>) => {
        const service = call.request.service;
        if (this.#stopped) {
          // Shutting down: report the final status and end at once instead of holding the stop open.
          call.write({ status: this.#statuses.get(service) ?? ServingStatus.SERVICE_UNKNOWN });
          return void call.end();
        }
        const watchers = this.#watchers.get(service) ?? new Set();
        this.#watchers.set(service, watchers);
        watchers.add(call);
        call.on("cancelled", () => watchers.delete(call));
        call.write({ status: this.#statuses.get(service) ?? ServingStatus.SERVICE_UNKNOWN });
      },
    };
  }
}
