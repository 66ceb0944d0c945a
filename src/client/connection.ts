/**
 * One grpc-js channel and the single helper every RPC of every client goes through: deadline,
 * metadata, bearer token, abort signal, retry and error conversion live here and nowhere else.
 * @module
 */
import {
  Channel,
  Client as GrpcClient,
  credentials,
  Metadata,
  type ChannelCredentials,
  type ChannelInterface,
  type ChannelOptions,
  type ClientDuplexStream,
} from "@grpc/grpc-js";
import { ConnectionError, InvalidArgumentError, Status, toClientError, type ClientError } from "../errors.js";
import { enableOpenTelemetry, injectTrace, startCallSpan, type CallSpan, type TraceContext } from "../tracing.js";
import { parseEndpoint } from "./endpoint.js";
import {
  DEFAULT_CHANNEL_OPTIONS,
  mergeMetadata,
  resolveClientOptions,
  type CallOptions,
  type ClientOptions,
  type ResolvedClientOptions,
  type TlsOptions,
} from "./options.js";
import { ResultStream } from "./result-stream.js";
import { abortError, nextRetryDelay, sleep, type ResolvedRetryPolicy } from "./retry.js";
import { checkPositiveMs } from "./validate.js";

/** The parts of a generated method definition a call needs. */
export interface MethodDef<Req, Res> {
  readonly path: string;
  readonly requestSerialize: (value: Req) => Buffer;
  readonly responseDeserialize: (value: Buffer) => Res;
}

/** Commands are not idempotent: a RetryPolicy retries them only with `retryCommands`. */
export type CallKind = "query" | "command";

interface Cancellable {
  cancel(): void;
  on(event: "error" | "status", listener: () => void): unknown;
}

function pem(value: Buffer | string | undefined): Buffer | null {
  return value === undefined ? null : Buffer.isBuffer(value) ? value : Buffer.from(value);
}

function channelCredentials(tls: TlsOptions | undefined): ChannelCredentials {
  return tls ? credentials.createSsl(pem(tls.ca), pem(tls.key), pem(tls.cert)) : credentials.createInsecure();
}

/**
 * @internal A channel plus defaults, shared by the clients built on it. Clients created by
 * `connect`/`fromEnv` own their channel; `fromChannel` borrows one and never closes it.
 */
export class Connection {
  /** Endpoint as given (or the channel's target), for error messages. */
  readonly endpoint: string;
  /** The grpc-js channel. */
  readonly channel: ChannelInterface;
  /** Resolved client-wide options. */
  readonly options: ResolvedClientOptions;
  readonly #grpc: GrpcClient;
  readonly #ownsChannel: boolean;
  readonly #baseMetadata: Metadata;
  readonly #streams = new Map<Cancellable, object>();
  #closed = false;

  private constructor(endpoint: string, channel: ChannelInterface, options: ResolvedClientOptions, owns: boolean) {
    this.endpoint = endpoint;
    this.channel = channel;
    this.options = options;
    this.#ownsChannel = owns;
    this.#grpc = new GrpcClient(channel.getTarget(), credentials.createInsecure(), { channelOverride: channel });
    this.#baseMetadata = options.metadata.clone();
    // Client spans once @opentelemetry/api (an optional peer) has loaded, when it is installed.
    void enableOpenTelemetry();
    const token = options.token;
    if (typeof token === "string" && this.#baseMetadata.get("authorization").length === 0) {
      this.#baseMetadata.set("authorization", `Bearer ${token}`);
    }
  }

  /**
   * Open a channel to `endpoint` (lazily: nothing connects before the first call).
   * @throws InvalidArgumentError for a malformed endpoint or contradicting options.
   */
  static open(endpoint: string, opts: ClientOptions = {}): Connection {
    const parsed = parseEndpoint(endpoint);
    if (parsed.security === "tls" && opts.tls === false) {
      throw new InvalidArgumentError(`endpoint ${JSON.stringify(endpoint)} is https:// but tls is false`);
    }
    if (parsed.security === "plaintext" && opts.tls) {
      throw new InvalidArgumentError(`endpoint ${JSON.stringify(endpoint)} is http:// but tls is set; use https://`);
    }
    const resolved = resolveClientOptions(parsed.security === "tls" && !opts.tls ? { ...opts, tls: true } : opts);
    const channelOptions: ChannelOptions = { ...DEFAULT_CHANNEL_OPTIONS };
    if (resolved.keepaliveMs !== undefined) channelOptions["grpc.keepalive_time_ms"] = resolved.keepaliveMs;
    if (resolved.tls?.serverName) {
      channelOptions["grpc.ssl_target_name_override"] = resolved.tls.serverName;
      channelOptions["grpc.default_authority"] = resolved.tls.serverName;
    }
    Object.assign(channelOptions, resolved.channelOptions);
    const channel = new Channel(parsed.target, channelCredentials(resolved.tls), channelOptions);
    return new Connection(endpoint, channel, resolved, true);
  }

  /** Use an existing channel without owning it: `close()` leaves it open. */
  static borrow(channel: ChannelInterface, opts: ClientOptions = {}): Connection {
    return new Connection(channel.getTarget(), channel, resolveClientOptions(opts), false);
  }

  /** True once `close()` ran. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Unary call: the one path of every non-streaming RPC. Rejects with a ClientError. */
  unary<Req, Res>(method: MethodDef<Req, Res>, request: Req, opts: CallOptions = {}, kind: CallKind): Promise<Res> {
    const span = startCallSpan(method.path.slice(1), "client");
    const result = this.#unary(method, request, opts, kind, span.trace);
    result.then(
      () => span.end(Status.OK),
      (err: unknown) => endWithError(span, err),
    );
    return result;
  }

  #unary<Req, Res>(method: MethodDef<Req, Res>, request: Req, opts: CallOptions, kind: CallKind, trace: TraceContext): Promise<Res> {
    try {
      const deadline = this.#deadline(opts);
      const policy = this.options.retry;
      if (policy && (kind === "query" || policy.retryCommands)) {
        return this.#unaryWithRetry(method, request, opts, deadline, policy, trace);
      }
      const md = this.#metadataFor(opts, trace);
      return md instanceof Metadata
        ? this.#attempt(method, request, md, deadline, opts.signal)
        : md.then((m) => this.#attempt(method, request, m, deadline, opts.signal));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async #unaryWithRetry<Req, Res>(
    method: MethodDef<Req, Res>,
    request: Req,
    opts: CallOptions,
    deadline: number,
    policy: ResolvedRetryPolicy,
    trace: TraceContext,
  ): Promise<Res> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#attempt(method, request, await this.#metadataFor(opts, trace), deadline, opts.signal);
      } catch (err) {
        const delay = this.#closed ? undefined : nextRetryDelay(policy, attempt, err as ClientError, deadline);
        if (delay === undefined) throw err;
        await sleep(delay, opts.signal);
      }
    }
  }

  #attempt<Req, Res>(method: MethodDef<Req, Res>, request: Req, metadata: Metadata, deadline: number, signal: AbortSignal | undefined): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      if (this.#closed) return reject(this.#closedError());
      let onAbort: (() => void) | undefined;
      try {
        const call = this.#grpc.makeUnaryRequest(
          method.path,
          method.requestSerialize,
          method.responseDeserialize,
          request,
          metadata,
          { deadline },
          (err, response) => {
            if (onAbort) signal!.removeEventListener("abort", onAbort);
            if (!err) resolve(response!);
            else if (signal?.aborted) reject(abortError(signal));
            // grpc-js reports UNAVAILABLE "Channel closed before call started" when close() won the race.
            else reject(this.#closed ? this.#closedError() : toClientError(err, this.endpoint));
          },
        );
        if (signal) {
          onAbort = () => call.cancel();
          signal.addEventListener("abort", onAbort, { once: true });
        }
      } catch (err) {
        reject(this.#startError(err));
      }
    });
  }

  /**
   * Server-streaming call as a lazily started {@link ResultStream}. The deadline runs from the
   * start of each iteration; a failure before the first message is retried under the policy.
   */
  serverStream<Req, Res, Out>(
    method: MethodDef<Req, Res>,
    request: Req,
    opts: CallOptions = {},
    owner: object,
    map: (message: Res) => Out,
  ): ResultStream<Out> {
    if (opts.timeoutMs !== undefined) checkPositiveMs(opts.timeoutMs, "timeoutMs");
    return new ResultStream(() => this.#streamMessages(method, request, opts, owner, map));
  }

  async *#streamMessages<Req, Res, Out>(
    method: MethodDef<Req, Res>,
    request: Req,
    opts: CallOptions,
    owner: object,
    map: (message: Res) => Out,
  ): AsyncGenerator<Out, void, undefined> {
    const deadline = this.#deadline(opts);
    const span = startCallSpan(method.path.slice(1), "client");
    let failure: unknown;
    try {
      yield* this.#streamAttempts(method, request, opts, owner, map, deadline, span.trace);
    } catch (err) {
      failure = err;
      throw err;
    } finally {
      if (failure === undefined) span.end(Status.OK);
      else endWithError(span, failure);
    }
  }

  async *#streamAttempts<Req, Res, Out>(
    method: MethodDef<Req, Res>,
    request: Req,
    opts: CallOptions,
    owner: object,
    map: (message: Res) => Out,
    deadline: number,
    trace: TraceContext,
  ): AsyncGenerator<Out, void, undefined> {
    const { signal } = opts;
    for (let attempt = 1; ; attempt++) {
      const metadata = await this.#metadataFor(opts, trace);
      if (signal?.aborted) throw abortError(signal);
      if (this.#closed) throw this.#closedError();
      let call;
      try {
        call = this.#grpc.makeServerStreamRequest(method.path, method.requestSerialize, method.responseDeserialize, request, metadata, { deadline });
      } catch (err) {
        throw this.#startError(err);
      }
      const release = this.#track(call, owner, signal);
      let received = false;
      try {
        for await (const message of call as AsyncIterable<Res>) {
          received = true;
          yield map(message);
        }
        return;
      } catch (err) {
        const error = signal?.aborted ? abortError(signal) : toClientError(err, this.endpoint);
        const delay = !received && !this.#closed && this.options.retry ? nextRetryDelay(this.options.retry, attempt, error, deadline) : undefined;
        if (delay === undefined) throw error;
        await sleep(delay, signal);
      } finally {
        release();
      }
    }
  }

  /**
   * Open a bidirectional stream. Resolves once the metadata (possibly an async token) is ready.
   * Bidirectional sessions are open-ended: they get a deadline only when `opts.timeoutMs` is given.
   */
  async duplex<Req, Res>(
    method: MethodDef<Req, Res>,
    opts: CallOptions,
    owner: object,
  ): Promise<{ call: ClientDuplexStream<Req, Res>; release: () => void }> {
    if (opts.timeoutMs !== undefined) checkPositiveMs(opts.timeoutMs, "timeoutMs");
    const span = startCallSpan(method.path.slice(1), "client");
    const metadata = await Promise.resolve(this.#metadataFor(opts, span.trace)).catch((err: unknown) => {
      endWithError(span, err);
      throw err;
    });
    if (opts.signal?.aborted) throw abortError(opts.signal);
    if (this.#closed) throw this.#closedError();
    try {
      const call = this.#grpc.makeBidiStreamRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        metadata,
        opts.timeoutMs === undefined ? {} : { deadline: Date.now() + opts.timeoutMs },
      );
      call.once("status", (status: { code: number; details: string }) => span.end(status.code, status.details));
      return { call, release: this.#track(call, owner, opts.signal) };
    } catch (err) {
      span.end(Status.UNKNOWN);
      throw this.#startError(err);
    }
  }

  /**
   * Wait until the channel is connected.
   * @throws ConnectionError when it is not ready within `timeoutMs` (default: the client's timeout).
   */
  waitForReady(opts: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = opts.timeoutMs ?? this.options.timeoutMs;
    checkPositiveMs(timeoutMs, "timeoutMs");
    if (this.#closed) return Promise.reject(this.#closedError());
    return new Promise((resolve, reject) => {
      this.#grpc.waitForReady(Date.now() + timeoutMs, (err) => {
        if (err) reject(new ConnectionError(`cannot reach ${this.endpoint} within ${timeoutMs} ms`, this.endpoint, { cause: err }));
        else resolve();
      });
    });
  }

  /** Cancel the open streams started by `owner`. */
  cancelStreams(owner: object): void {
    for (const [call, o] of this.#streams) if (o === owner) call.cancel();
  }

  /** Cancel every open stream and, when owned, close the channel. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const call of this.#streams.keys()) call.cancel();
    this.#streams.clear();
    if (this.#ownsChannel) this.channel.close();
  }

  #deadline(opts: CallOptions): number {
    if (opts.timeoutMs === undefined) return Date.now() + this.options.timeoutMs;
    checkPositiveMs(opts.timeoutMs, "timeoutMs");
    return Date.now() + opts.timeoutMs;
  }

  /** The call's metadata; `trace` becomes its `traceparent` unless the caller set one. */
  #metadataFor(opts: CallOptions, trace?: TraceContext): Metadata | Promise<Metadata> {
    const token = this.options.token;
    if (typeof token === "function") return this.#withTokenFrom(token, opts, trace);
    const md = this.#baseMetadata.clone();
    if (opts.metadata) mergeMetadata(md, opts.metadata);
    if (trace && md.get("traceparent").length === 0) injectTrace(md, trace);
    return md;
  }

  async #withTokenFrom(token: () => string | Promise<string>, opts: CallOptions, trace?: TraceContext): Promise<Metadata> {
    let value: string;
    try {
      value = await token();
    } catch (err) {
      throw new ConnectionError(`token provider failed: ${(err as Error)?.message ?? String(err)}`, this.endpoint, {
        cause: err,
      });
    }
    if (typeof value !== "string" || value === "") {
      throw new InvalidArgumentError("token provider returned no token (expected a non-empty string)");
    }
    const md = this.#baseMetadata.clone();
    if (md.get("authorization").length === 0) md.set("authorization", `Bearer ${value}`);
    if (opts.metadata) mergeMetadata(md, opts.metadata);
    if (trace && md.get("traceparent").length === 0) injectTrace(md, trace);
    return md;
  }

  /** Register an open stream; the returned release cancels it unless it already ended. */
  #track(call: Cancellable, owner: object, signal: AbortSignal | undefined): () => void {
    this.#streams.set(call, owner);
    let ended = false;
    call.on("status", () => (ended = true));
    const onAbort = () => call.cancel();
    signal?.addEventListener("abort", onAbort, { once: true });
    return () => {
      signal?.removeEventListener("abort", onAbort);
      this.#streams.delete(call);
      if (ended) return;
      // grpc-js emits the CANCELLED status as an 'error' event after cancel(); nobody listens anymore.
      call.on("error", () => {});
      call.cancel();
    };
  }

  #closedError(): ConnectionError {
    return new ConnectionError(`the client for ${this.endpoint} is closed; calls after close() are refused`, this.endpoint);
  }

  #startError(err: unknown): ClientError {
    // A borrowed channel closed by its owner makes grpc-js throw "Channel has been shut down".
    return /shut down/i.test((err as Error)?.message ?? "")
      ? new ConnectionError(`the channel to ${this.endpoint} is closed`, this.endpoint, { cause: err })
      : toClientError(err, this.endpoint);
  }
}

/** Ends a client span with the status code of a failed call (UNKNOWN when it has none). */
function endWithError(span: CallSpan, err: unknown): void {
  const code = (err as ClientError | undefined)?.code;
  span.end(typeof code === "number" ? code : Status.UNKNOWN, err instanceof Error ? err.message : undefined);
}
