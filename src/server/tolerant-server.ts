/**
 * A grpc-js server that blames the caller for bytes it cannot decode: grpc-js answers an
 * undecodable request with INTERNAL "Error deserializing request", as if the server had failed.
 * @module
 */
import {
  Server,
  status as Status,
  type handleServerStreamingCall,
  type handleUnaryCall,
  type MethodDefinition,
  type ServiceDefinition,
  type UntypedHandleCall,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";

/**
 * What a tolerant decoder hands to the handler instead of a request it could not decode.
 * Unary and server-streaming handlers never see one (the call is answered INVALID_ARGUMENT
 * first); client- and bidi-streaming handlers must check each message with {@link isMalformed}.
 */
export class MalformedRequest {
  /** `cannot decode the <path> request: <decoder message>`. */
  readonly message: string;

  constructor(path: string, cause: unknown) {
    this.message = `cannot decode the ${path} request: ${cause instanceof Error ? cause.message : String(cause)}`;
  }
}

/** True for a message the tolerant decoder could not decode. */
export function isMalformed(message: unknown): message is MalformedRequest {
  return message instanceof MalformedRequest;
}

/**
 * A grpc-js `Server` whose `addService` decodes requests tolerantly: an undecodable unary or
 * server-streaming request is answered INVALID_ARGUMENT `cannot decode the <path> request: …`
 * before the handler runs. Everything else is grpc-js's `Server`.
 * @internal
 */
export class TolerantServer extends Server {
  override addService(service: ServiceDefinition, implementation: UntypedServiceImplementation): void {
    const definition: Record<string, MethodDefinition<unknown, unknown>> = {};
    const guarded: UntypedServiceImplementation = {};
    for (const [name, method] of Object.entries(service)) {
      definition[name] = { ...method, requestDeserialize: tolerantDecoder(method) };
      const handler = implementation[name] ?? (method.originalName ? implementation[method.originalName] : undefined);
      if (handler) guarded[name] = guard(method, handler.bind(implementation));
    }
    super.addService(definition, guarded);
  }
}

function tolerantDecoder(method: MethodDefinition<unknown, unknown>): (bytes: Buffer) => unknown {
  return (bytes) => {
    try {
      return method.requestDeserialize(bytes);
    } catch (err) {
      return new MalformedRequest(method.path, err);
    }
  };
}

function guard(method: MethodDefinition<unknown, unknown>, handler: UntypedHandleCall): UntypedHandleCall {
  if (method.requestStream) return handler;
  if (method.responseStream) {
    const stream = handler as handleServerStreamingCall<unknown, unknown>;
    return ((call) => {
      if (isMalformed(call.request)) call.emit("error", { code: Status.INVALID_ARGUMENT, details: call.request.message });
      else stream(call);
    }) satisfies handleServerStreamingCall<unknown, unknown>;
  }
  const unary = handler as handleUnaryCall<unknown, unknown>;
  return ((call, callback) => {
    if (isMalformed(call.request)) callback({ code: Status.INVALID_ARGUMENT, details: call.request.message });
    else unary(call, callback);
  }) satisfies handleUnaryCall<unknown, unknown>;
}
