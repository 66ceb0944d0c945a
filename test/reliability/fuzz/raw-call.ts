/**
 * Raw gRPC calls: request bytes go on the wire exactly as given (identity serializers), and
 * the answer is reduced to its final status.
 */
import { Client, credentials, Metadata, status as Status, type ServiceError } from "@grpc/grpc-js";
import type { CallKind } from "./requests.js";

/** The final status of one call. */
export interface Outcome {
  code: Status;
  details: string;
}

const identity = (b: Buffer) => b;

/** A channel sending raw bytes; large enough limits that only the server's limits apply. */
export function rawClient(address: string): Client {
  return new Client(address, credentials.createInsecure(), {
    "grpc.max_send_message_length": -1,
    "grpc.max_receive_message_length": -1,
  });
}

/**
 * Calls `path` with `messages` (one for unary and server-streaming calls; each of them, then
 * half-close, for bidirectional ones) and resolves with the status; never rejects. A server
 * stream counts as answered (OK) with its first message, since some never end by design
 * (Health.Watch); the call is then cancelled.
 */
export function rawCall(client: Client, path: string, kind: CallKind, messages: Buffer[], deadlineMs: number): Promise<Outcome> {
  const options = { deadline: Date.now() + deadlineMs };
  return new Promise((resolve) => {
    const done = (err: ServiceError | null) => resolve(err ? { code: err.code, details: err.details } : { code: Status.OK, details: "" });
    if (kind === "unary") {
      client.makeUnaryRequest(path, identity, identity, messages[0]!, new Metadata(), options, (err) => done(err));
      return;
    }
    const call =
      kind === "server-stream"
        ? client.makeServerStreamRequest(path, identity, identity, messages[0]!, new Metadata(), options)
        : client.makeBidiStreamRequest(path, identity, identity, new Metadata(), options);
    call.on("data", () => {
      if (kind !== "server-stream") return;
      resolve({ code: Status.OK, details: "" });
      call.cancel();
    });
    call.on("error", () => undefined);
    call.on("status", (s) => resolve({ code: s.code, details: s.details }));
    if (kind === "bidi") {
      const duplex = call as ReturnType<Client["makeBidiStreamRequest"]>;
      for (const m of messages) duplex.write(m);
      duplex.end();
    }
  });
}
