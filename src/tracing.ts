/**
 * W3C Trace Context (`traceparent`, `tracestate`) carried as gRPC metadata from SDK client calls
 * through the coordinator into its business-logic calls, with or without OpenTelemetry.
 *
 * Without OpenTelemetry every hop continues the trace it received (or starts one) with a fresh
 * span id, so every per-request log line names the same trace. With `@opentelemetry/api`
 * installed (an optional peer dependency, never required) the same hops are OpenTelemetry
 * spans of the globally registered tracer provider.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import type { Metadata } from "@grpc/grpc-js";
import type * as OtelApi from "@opentelemetry/api";

/** One hop of a trace, as a `traceparent` header carries it. */
export interface TraceContext {
  /** 32 lowercase hex digits, not all zero. */
  readonly traceId: string;
  /** 16 lowercase hex digits, not all zero: the span that made the call. */
  readonly spanId: string;
  /** The `sampled` trace flag. */
  readonly sampled: boolean;
  /** The `tracestate` header, passed on unchanged. @default absent */
  readonly traceState?: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZEROS = /^0+$/;

/**
 * Parses a `traceparent` header (W3C Trace Context level 1); undefined when it is absent or
 * invalid (an invalid header is ignored, as the specification asks).
 * @param traceState - the `tracestate` header, kept when the `traceparent` is valid.
 * @example
 * parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
 * // { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", sampled: true }
 */
export function parseTraceparent(value: string | undefined, traceState?: string): TraceContext | undefined {
  const m = value === undefined ? null : TRACEPARENT.exec(value.trim());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m;
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  if (ZEROS.test(traceId!) || ZEROS.test(spanId!)) return undefined;
  const ctx = { traceId: traceId!, spanId: spanId!, sampled: (parseInt(flags!, 16) & 1) === 1 };
  return traceState ? { ...ctx, traceState } : ctx;
}

/** The `traceparent` header of `ctx` (version 00). */
export function formatTraceparent(ctx: TraceContext): string {
  return `00-${ctx.traceId}-${ctx.spanId}-${ctx.sampled ? "01" : "00"}`;
}

/** The trace context a call's metadata carries, if any. */
export function traceFromMetadata(metadata: Metadata): TraceContext | undefined {
  const parent = metadata.get("traceparent")[0];
  const state = metadata.get("tracestate").map(String).join(",");
  return parseTraceparent(typeof parent === "string" ? parent : undefined, state || undefined);
}

/** Sets `traceparent` (and `tracestate`, when `ctx` has one) on outgoing metadata. */
export function injectTrace(metadata: Metadata, ctx: TraceContext): void {
  metadata.set("traceparent", formatTraceparent(ctx));
  if (ctx.traceState) metadata.set("tracestate", ctx.traceState);
  else metadata.remove("tracestate");
}

interface Active {
  trace: TraceContext;
  otel?: OtelApi.Context;
}

const active = new AsyncLocalStorage<Active>();

/** The trace context of the SDK span running now (a server call being handled, a client call). */
export function currentTrace(): TraceContext | undefined {
  return active.getStore()?.trace;
}

let otel: typeof OtelApi | undefined;
let loading: Promise<boolean> | undefined;

/**
 * Turns on OpenTelemetry spans: with `api` (the `@opentelemetry/api` module) at once, otherwise
 * by importing `@opentelemetry/api` if it is installed. The coordinator and the servers call it
 * when they start and the client when it connects; call it yourself (and await it) to have
 * spans from the very first call. Resolves to whether spans are on.
 * @param api - the `@opentelemetry/api` module. @default imported when installed
 * @example
 * import * as api from "@opentelemetry/api";
 * await enableOpenTelemetry(api);
 */
export function enableOpenTelemetry(api?: unknown): Promise<boolean> {
  if (api !== undefined) {
    otel = api as typeof OtelApi;
    return (loading = Promise.resolve(true));
  }
  loading ??= import("@opentelemetry/api").then(
    (module) => {
      // The ESM build has every named export; a CommonJS interop namespace may have them under default.
      const m = module as unknown as Record<string, unknown>;
      otel ??= (m.ROOT_CONTEXT !== undefined ? m : m.default) as typeof OtelApi;
      return true;
    },
    () => otel !== undefined,
  );
  return loading;
}

/** A span of a gRPC call. @internal */
export interface CallSpan {
  /** This hop's context: what goes into outgoing `traceparent` headers. */
  readonly trace: TraceContext;
  /** Runs `fn` with this span current (for nested calls and for OpenTelemetry's active context). */
  run<T>(fn: () => T): T;
  /** Ends the span with the call's gRPC status code (0 = OK). */
  end(code: number, message?: string): void;
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString("hex");
}

/**
 * Starts the span of one gRPC call. A server span continues `remote` (the caller's
 * `traceparent`); a client span continues the span running now. Without OpenTelemetry only
 * the ids are made.
 * @param name - `package.Service/Method`.
 * @internal
 */
export function startCallSpan(name: string, kind: "client" | "server", remote?: TraceContext): CallSpan {
  const current = kind === "server" ? undefined : active.getStore();
  const parent = kind === "server" ? remote : current?.trace;
  const own = (): TraceContext => ({
    traceId: parent?.traceId ?? hex(16),
    spanId: hex(8),
    sampled: parent?.sampled ?? true,
    ...(parent?.traceState ? { traceState: parent.traceState } : {}),
  });
  const api = otel;
  if (!api) {
    const trace = own();
    return { trace, run: (fn) => active.run({ trace }, fn), end: () => undefined };
  }
  let parentCtx: OtelApi.Context;
  if (kind === "server") {
    parentCtx = remote
      ? api.trace.setSpanContext(api.ROOT_CONTEXT, {
          traceId: remote.traceId,
          spanId: remote.spanId,
          traceFlags: remote.sampled ? api.TraceFlags.SAMPLED : api.TraceFlags.NONE,
          isRemote: true,
          ...(remote.traceState ? { traceState: api.createTraceState(remote.traceState) } : {}),
        })
      : api.ROOT_CONTEXT;
  } else {
    parentCtx = current?.otel ?? api.context.active();
  }
  const [service, method] = name.split("/");
  const span = api.trace.getTracer("angzarr-client").startSpan(
    name,
    {
      kind: kind === "server" ? api.SpanKind.SERVER : api.SpanKind.CLIENT,
      attributes: { "rpc.system": "grpc", "rpc.service": service ?? name, "rpc.method": method ?? name },
    },
    parentCtx,
  );
  const sc = span.spanContext();
  const valid = api.trace.isSpanContextValid(sc);
  // A span that records has its own ids; without an SDK (no-op tracer) or when sampled out, this
  // hop still gets a fresh span id of its own, keeping the sampling decision when there is one.
  const trace: TraceContext =
    !valid || !span.isRecording()
      ? { ...own(), ...(valid ? { sampled: (sc.traceFlags & api.TraceFlags.SAMPLED) === api.TraceFlags.SAMPLED } : {}) }
      : {
          traceId: sc.traceId,
          spanId: sc.spanId,
          sampled: (sc.traceFlags & api.TraceFlags.SAMPLED) === api.TraceFlags.SAMPLED,
          ...(sc.traceState?.serialize() ? { traceState: sc.traceState.serialize() } : parent?.traceState ? { traceState: parent.traceState } : {}),
        };
  const otelCtx = api.trace.setSpan(parentCtx, span);
  return {
    trace,
    run: (fn) => active.run({ trace, otel: otelCtx }, () => api.context.with(otelCtx, fn)),
    end: (code, message) => {
      span.setAttribute("rpc.grpc.status_code", code);
      if (code !== 0) span.setStatus({ code: api.SpanStatusCode.ERROR, ...(message ? { message } : {}) });
      span.end();
    },
  };
}
