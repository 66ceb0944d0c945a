/**
 * A tap in front of a real coordinator: a grpc-js server offering the coordinator's services
 * that forwards every call to it, records what the client sent (metadata, deadline, request)
 * and counts server-side cancellations. A test that needs an answer the coordinator would not
 * give (a status, a call that never answers, other trailers, a stream that stays open) sets a
 * hook; everything else is the coordinator's own answer.
 */
import {
  Client,
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  status as Status,
  type ClientDuplexStream,
  type ClientReadableStream,
  type MethodDefinition,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceError,
  type StatusObject,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { CommandHandlerCoordinatorServiceService } from "../../../src/gen/angzarr/command_handler.js";
import { ProcessManagerCoordinatorServiceService } from "../../../src/gen/angzarr/process_manager.js";
import { ProjectorCoordinatorServiceService } from "../../../src/gen/angzarr/projector.js";
import { EventQueryServiceService } from "../../../src/gen/angzarr/query.js";
import { SagaCoordinatorServiceService } from "../../../src/gen/angzarr/saga.js";

/** One call the tap received. */
export interface TappedCall {
  /** The method name, e.g. `HandleCommand`, `GetEvents`, `ExecuteSpeculative`. */
  method: string;
  /** The metadata the client sent. */
  metadata: Metadata;
  /** The call's deadline in epoch milliseconds (Infinity for none). */
  deadline: number;
  /** The decoded request; undefined for client-streaming calls. */
  request: unknown;
}

/** What {@link CoordinatorTap.intercept} may answer: a status, a call that never answers, or nothing (forward). */
export type Interception = Partial<StatusObject> | "hang" | undefined;

type AnyMethod = MethodDefinition<unknown, unknown>;

const SERVICES = [
  CommandHandlerCoordinatorServiceService,
  EventQueryServiceService,
  SagaCoordinatorServiceService,
  ProcessManagerCoordinatorServiceService,
  ProjectorCoordinatorServiceService,
] as unknown as Array<Record<string, AnyMethod>>;

/** Request headers that belong to the hop, not to the call. */
const HOP_HEADERS = new Set(["user-agent", "content-type", "te", "accept-encoding", "grpc-accept-encoding", "grpc-timeout"]);

/** See the module comment; start one with {@link CoordinatorTap.start}. */
export class CoordinatorTap {
  /** Every call received, in order. */
  readonly calls: TappedCall[] = [];
  /** Server-side cancellations of calls that were still open. */
  cancellations = 0;
  /** Answer a call instead of the coordinator; undefined forwards it. Runs before forwarding. */
  intercept: (call: TappedCall) => Interception | Promise<Interception> = () => undefined;
  /** Rewrites a failure the coordinator answered (code, message, trailers) before the client sees it. */
  rewriteFailure: (method: string, failure: StatusObject) => StatusObject | Promise<StatusObject> = (_, failure) => failure;
  /** Server streams stay open, re-sending the coordinator's answer every few milliseconds until cancelled. */
  repeatStreams = false;
  /** `host:port` (or `unix:path`) to give the client. */
  address = "";
  readonly #server = new Server();
  readonly #upstream: Client;
  /** What {@link stop} must end besides the server: hanging calls and repeating streams. */
  readonly #releases = new Set<() => void>();

  private constructor(upstream: string) {
    this.#upstream = new Client(upstream, credentials.createInsecure());
    for (const service of SERVICES) {
      const impl: UntypedServiceImplementation = {};
      for (const [name, method] of Object.entries(service)) {
        const label = method.path.slice(method.path.lastIndexOf("/") + 1);
        impl[name] = method.requestStream
          ? (call: ServerDuplexStream<unknown, unknown>) => this.#bidi(label, method, call)
          : method.responseStream
            ? (call: ServerWritableStream<unknown, unknown>) => void this.#serverStream(label, method, call)
            : (call: ServerUnaryCall<unknown, unknown>, callback: (e: Partial<StatusObject> | null, r?: unknown) => void) =>
                void this.#unary(label, method, call, callback);
      }
      this.#server.addService(service, impl);
    }
  }

  /** Starts a tap forwarding to the coordinator at `upstream`, listening on `address` (default 127.0.0.1:0). */
  static async start(upstream: string, opts: { address?: string; credentials?: ServerCredentials } = {}): Promise<CoordinatorTap> {
    const tap = new CoordinatorTap(upstream);
    const address = opts.address ?? "127.0.0.1:0";
    const port = await new Promise<number>((resolve, reject) =>
      tap.#server.bindAsync(address, opts.credentials ?? ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    tap.address = address.startsWith("unix:") ? address : `127.0.0.1:${port}`;
    return tap;
  }

  /** The recorded calls of `method`. */
  callsOf(method: string): TappedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Stops at once: open calls end (hanging ones with UNAVAILABLE), the connection to the coordinator closes. */
  stop(): void {
    for (const release of [...this.#releases]) release();
    this.#server.forceShutdown();
    this.#upstream.close();
  }

  #record(method: string, call: { metadata: Metadata; getDeadline(): Date | number }, request: unknown): TappedCall {
    const tapped = { method, metadata: call.metadata, deadline: Number(call.getDeadline()), request };
    this.calls.push(tapped);
    return tapped;
  }

  /** Counts a cancellation unless the tap already ended the call (grpc-js reports those too). */
  #watchCancel(call: { on(event: "cancelled", fn: () => void): unknown }, ended: () => boolean, onCancel: () => void): void {
    call.on("cancelled", () => {
      if (!ended()) this.cancellations++;
      onCancel();
    });
  }

  /** Runs the intercept hook; true when it answered (or hangs) the call. */
  async #intercepted(tapped: TappedCall, fail: (status: Partial<StatusObject>) => void): Promise<boolean> {
    const answer = await this.intercept(tapped);
    if (answer === "hang") {
      const release = () => {
        this.#releases.delete(release);
        fail({ code: Status.UNAVAILABLE, details: "tap stopped" });
      };
      this.#releases.add(release);
      return true;
    }
    if (answer) fail({ metadata: new Metadata(), ...answer });
    return answer !== undefined;
  }

  async #unary(
    method: string,
    definition: AnyMethod,
    call: ServerUnaryCall<unknown, unknown>,
    callback: (err: Partial<StatusObject> | null, res?: unknown) => void,
  ): Promise<void> {
    let done = false;
    const answer = (err: Partial<StatusObject> | null, res?: unknown) => {
      if (done) return;
      done = true;
      callback(err, res);
    };
    // eslint-disable-next-line prefer-const -- assigned after the cancel watcher that reads it is set up
    let upstream: { cancel(): void } | undefined;
    this.#watchCancel(
      call,
      () => done,
      () => upstream?.cancel(),
    );
    if (await this.#intercepted(this.#record(method, call, call.request), answer)) return;
    upstream = this.#upstream.makeUnaryRequest(
      definition.path,
      definition.requestSerialize,
      definition.responseDeserialize,
      call.request,
      forwarded(call.metadata),
      options(call.getDeadline()),
      (err, res) => {
        if (!err) return answer(null, res);
        void Promise.resolve(this.rewriteFailure(method, statusOf(err))).then((failure) => answer(failure));
      },
    );
  }

  async #serverStream(method: string, definition: AnyMethod, call: ServerWritableStream<unknown, unknown>): Promise<void> {
    let ended = false;
    // eslint-disable-next-line prefer-const -- assigned after the cancel watcher that reads it is set up
    let upstream: ClientReadableStream<unknown> | undefined;
    let timer: NodeJS.Timeout | undefined;
    const fail = (status: Partial<StatusObject>) => {
      if (ended) return;
      ended = true;
      call.emit("error", status);
    };
    this.#watchCancel(
      call,
      () => ended,
      () => {
        upstream?.cancel();
        clearInterval(timer);
      },
    );
    if (await this.#intercepted(this.#record(method, call, call.request), fail)) return;
    const answered: unknown[] = [];
    upstream = this.#upstream.makeServerStreamRequest(
      definition.path,
      definition.requestSerialize,
      definition.responseDeserialize,
      call.request,
      forwarded(call.metadata),
      options(call.getDeadline()),
    );
    upstream.on("data", (message: unknown) => {
      answered.push(message);
      call.write(message);
    });
    // grpc-js emits 'error' before 'end' for a failed stream; the rewrite may finish after 'end'.
    let failed = false;
    upstream.on("error", (err: ServiceError) => {
      failed = true;
      void Promise.resolve(this.rewriteFailure(method, statusOf(err))).then(fail);
    });
    upstream.on("end", () => {
      if (failed || ended || call.cancelled) return;
      if (!this.repeatStreams) {
        ended = true;
        call.end();
        return;
      }
      const release = () => {
        clearInterval(timer);
        this.#releases.delete(release);
      };
      this.#releases.add(release);
      timer = setInterval(() => {
        if (call.cancelled) return release();
        for (const message of answered) call.write(message);
      }, 5);
    });
  }

  #bidi(method: string, definition: AnyMethod, call: ServerDuplexStream<unknown, unknown>): void {
    let ended = false;
    const upstream: ClientDuplexStream<unknown, unknown> = this.#upstream.makeBidiStreamRequest(
      definition.path,
      definition.requestSerialize,
      definition.responseDeserialize,
      forwarded(call.metadata),
      options(call.getDeadline()),
    );
    this.#record(method, call, undefined);
    this.#watchCancel(
      call,
      () => ended,
      () => upstream.cancel(),
    );
    call.on("data", (message: unknown) => upstream.write(message));
    // A cancel also ends the readable side, just before 'cancelled'; only a half-close is passed on.
    call.on("end", () => setImmediate(() => call.cancelled || upstream.end()));
    upstream.on("data", (message: unknown) => call.write(message));
    upstream.on("error", (err: ServiceError) => {
      if (ended || call.cancelled) return;
      ended = true;
      call.emit("error", statusOf(err));
    });
    upstream.on("end", () => {
      if (ended || call.cancelled) return;
      ended = true;
      call.end();
    });
  }
}

/** The call's own metadata, without the headers of the client-to-tap hop. */
function forwarded(metadata: Metadata): Metadata {
  const copy = metadata.clone();
  for (const header of HOP_HEADERS) copy.remove(header);
  return copy;
}

function options(deadline: Date | number): { deadline?: Date | number } {
  return Number.isFinite(Number(deadline)) ? { deadline } : {};
}

function statusOf(err: ServiceError): StatusObject {
  return { code: err.code, details: err.details, metadata: err.metadata ?? new Metadata() };
}
