/**
 * Channels to business-logic processes (command handlers, projectors, sagas, upcasters).
 * One grpc-js channel per address, opened on first use; every call has a deadline.
 */
import { Client, connectivityState, credentials, Metadata, status as Status, type ChannelCredentials, type ServiceError } from "@grpc/grpc-js";
import { injectTrace, startCallSpan } from "../../tracing.js";
import { DETAILS_TRAILER, RpcError } from "../rpc-error.js";

/** The parts of a generated grpc-js method definition a unary call needs. */
export interface UnaryMethod<Req, Res> {
  path: string;
  requestSerialize(value: Req): Buffer;
  responseDeserialize(value: Buffer): Res;
}

/** Timeouts for business calls. */
export interface BusinessCallOptions {
  /** Deadline of every call, in ms. */
  callTimeoutMs: number;
  /** How long the first call on a fresh or idle channel waits for the connection, in ms. */
  connectTimeoutMs: number;
}

/** gRPC message size limit, as the real coordinator's default `ANGZARR_GRPC_MESSAGE_SIZE_KB` (10 MiB). */
export const MESSAGE_SIZE_LIMIT = 10 * 1024 * 1024;

const CHANNEL_OPTIONS = {
  "grpc.max_receive_message_length": MESSAGE_SIZE_LIMIT,
  "grpc.max_send_message_length": MESSAGE_SIZE_LIMIT,
  // A restarted handler is found again within a second instead of grpc-js's default backoff (up to 2 min).
  "grpc.initial_reconnect_backoff_ms": 100,
  "grpc.max_reconnect_backoff_ms": 1000,
};

/**
 * The grpc-js target and credentials for an Angzarr handler address: `host:port`,
 * `http://host:port`, `https://host:port` (TLS) or a Unix socket path starting with `/` or `./`.
 */
export function grpcTarget(address: string): { target: string; creds: ChannelCredentials } {
  if (address.startsWith("/") || address.startsWith("./")) return { target: `unix:${address}`, creds: credentials.createInsecure() };
  if (address.startsWith("https://")) return { target: address.slice(8), creds: credentials.createSsl() };
  if (address.startsWith("http://")) return { target: address.slice(7), creds: credentials.createInsecure() };
  return { target: address, creds: credentials.createInsecure() };
}

/** Lazily opened channels to business-logic addresses. */
export class BusinessChannels {
  private readonly clients = new Map<string, Client>();

  constructor(private readonly options: BusinessCallOptions) {}

  /**
   * Calls `method` on the process at `address`. A non-OK answer becomes an {@link RpcError} with
   * the same code and message (and `grpc-status-details-bin`, when sent), so business statuses
   * pass through unchanged (§5.2); only a failure to connect names the address.
   */
  async call<Req, Res>(address: string, method: UnaryMethod<Req, Res>, request: Req): Promise<Res> {
    // A client span under the call being served; its traceparent goes to the business process.
    const span = startCallSpan(method.path.slice(1), "client");
    try {
      const client = this.client(address);
      await this.connected(client, address);
      const metadata = new Metadata();
      injectTrace(metadata, span.trace);
      const response = await new Promise<Res>((resolve, reject) => {
        client.makeUnaryRequest(
          method.path,
          method.requestSerialize,
          method.responseDeserialize,
          request,
          metadata,
          { deadline: Date.now() + this.options.callTimeoutMs },
          (err: ServiceError | null, value?: Res) => (err ? reject(toRpcError(err, address)) : resolve(value as Res)),
        );
      });
      span.end(Status.OK);
      return response;
    } catch (err) {
      span.end(err instanceof RpcError ? err.code : Status.UNKNOWN, err instanceof Error ? err.message : undefined);
      throw err;
    }
  }

  /** Closes every channel. */
  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }

  private client(address: string): Client {
    let client = this.clients.get(address);
    if (!client) {
      const { target, creds } = grpcTarget(address);
      client = new Client(target, creds, CHANNEL_OPTIONS);
      this.clients.set(address, client);
    }
    return client;
  }

  /**
   * Waits (up to the connect timeout) while the channel is idle or connecting. A channel in
   * failure is not waited for: the call then fails at once with grpc-js's UNAVAILABLE text.
   */
  private async connected(client: Client, address: string): Promise<void> {
    const channel = client.getChannel();
    const deadline = Date.now() + this.options.connectTimeoutMs;
    for (;;) {
      const state = channel.getConnectivityState(true);
      if (state !== connectivityState.IDLE && state !== connectivityState.CONNECTING) return;
      const changed = await new Promise<boolean>((resolve) => channel.watchConnectivityState(state, deadline, (err) => resolve(!err)));
      if (!changed) {
        throw new RpcError(Status.UNAVAILABLE, `Cannot connect to ${address}: no connection within ${this.options.connectTimeoutMs} ms`);
      }
    }
  }
}

/** grpc-js's own texts for a connection that could not be made (no answer from the handler). */
const NOT_CONNECTED = /^(No connection established|Name resolution failed|Failed to connect)\b/;

/**
 * The handler's status, unchanged; a connection failure gets `Cannot connect to <address>: `
 * in front, so a client does not take grpc-js's text for a failure to reach the coordinator.
 */
function toRpcError(err: ServiceError, address: string): RpcError {
  const details = err.metadata?.get(DETAILS_TRAILER)[0];
  const text = err.code === Status.UNAVAILABLE && NOT_CONNECTED.test(err.details) ? `Cannot connect to ${address}: ${err.details}` : err.details;
  return new RpcError(err.code, text, Buffer.isBuffer(details) ? details : undefined);
}
