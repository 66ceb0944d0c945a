/**
 * The external backend: a coordinator someone already runs, at `ANGZARR_ENDPOINT=host:port`.
 * Nothing is started or stopped; only plain commands and queries are assumed (no projectors,
 * sagas, multi-domain routing, auth or store access; see BACKEND_LIMITS) unless declared with
 * `capabilities` (`ANGZARR_CAPABILITIES=projectors,sagas`). Faults work: they come from a proxy
 * in front of the endpoint and from the orders test handler behind it.
 */
import * as grpc from "@grpc/grpc-js";
import { HealthService, ServingStatus } from "../server/health.js";
import { CAPABILITIES, capabilitiesOf, type Capability, type TestBackend } from "./backend.js";

/** Options of the external backend. */
export interface ExternalOptions {
  /** `host:port` of the coordinator (plaintext gRPC). @default process.env.ANGZARR_ENDPOINT */
  endpoint?: string;
  /** How long the start-up health check may take. @default 5000 */
  healthTimeoutMs?: number;
  /**
   * What the coordinator offers beyond plain commands and queries (the orders test handler's
   * projector, saga and process manager registered, inventory routed, ...). `auth` needs
   * `authTokens`; `seeding-snapshots` cannot be declared (the store is out of reach).
   * @default process.env.ANGZARR_CAPABILITIES (comma-separated), else none
   */
  capabilities?: readonly Capability[];
  /**
   * With `auth` declared: bearer tokens the endpoint accepts (it must refuse others).
   * @default process.env.ANGZARR_AUTH_TOKEN, else none
   */
  authTokens?: readonly string[];
}

/**
 * Parses declared capabilities of an external coordinator (`projectors,sagas`).
 * @throws Error for an unknown name, for `seeding-snapshots`, and for `auth` without a token.
 */
export function declaredCapabilities(list: string | readonly string[], authTokens: readonly string[] = []): Capability[] {
  const names = (typeof list === "string" ? list.split(",") : list).map((c) => c.trim()).filter((c) => c.length > 0);
  for (const name of names) {
    if (!(CAPABILITIES as readonly string[]).includes(name)) {
      throw new Error(`unknown capability "${name}" (expected some of ${CAPABILITIES.join(", ")})`);
    }
    if (name === "seeding-snapshots")
      throw new Error("capability seeding-snapshots cannot be declared for an external coordinator: its event store is out of reach");
    if (name === "auth" && authTokens.length === 0) throw new Error("capability auth needs the bearer token the coordinator accepts");
  }
  return [...new Set(names)] as Capability[];
}

const HealthClient = grpc.makeGenericClientConstructor(HealthService, "Health");

/**
 * Checks that the coordinator at the endpoint answers `grpc.health.v1.Health/Check` with
 * SERVING, and returns a backend for it. Throws when no endpoint is configured, or naming the
 * endpoint and the failure when it does not answer in time.
 */
export async function startExternalBackend(options: ExternalOptions = {}): Promise<TestBackend> {
  const endpoint = (options.endpoint ?? process.env.ANGZARR_ENDPOINT ?? "").trim();
  if (!/^[^\s:]+:\d{1,5}$|^\[[0-9A-Fa-f:.]+\]:\d{1,5}$/.test(endpoint)) {
    throw new Error(`the external backend needs ANGZARR_ENDPOINT=host:port (got "${endpoint}")`);
  }
  const status = await checkHealth(endpoint, options.healthTimeoutMs ?? 5_000);
  if (status !== ServingStatus.SERVING) {
    throw new Error(`coordinator at ${endpoint} is not serving (health status ${ServingStatus[status] ?? status})`);
  }
  const envToken = process.env.ANGZARR_AUTH_TOKEN?.trim();
  const authTokens = options.authTokens ?? (envToken ? [envToken] : []);
  const declared = declaredCapabilities(options.capabilities ?? process.env.ANGZARR_CAPABILITIES ?? "", authTokens);
  return {
    kind: "external",
    endpoint,
    capabilities: capabilitiesOf("external", declared),
    ...(declared.includes("auth") ? { auth: { endpoint, tokens: [...authTokens] } } : {}),
    stop: async () => undefined,
    [Symbol.asyncDispose]: async () => undefined,
  };
}

function checkHealth(endpoint: string, timeoutMs: number): Promise<ServingStatus> {
  const client = new HealthClient(endpoint, grpc.credentials.createInsecure());
  return new Promise<ServingStatus>((resolve, reject) => {
    // eslint-disable-next-line @typescript-eslint/no-unsafe-call -- grpc-js generic clients type their methods as Function
    client.check!(
      { service: "" },
      { deadline: Date.now() + timeoutMs, waitForReady: true },
      (error: grpc.ServiceError | null, reply?: { status: ServingStatus }) => {
        client.close();
        if (error)
          reject(new Error(`coordinator at ${endpoint} did not answer a health check within ${timeoutMs} ms: ${error.details}`, { cause: error }));
        else resolve(reply!.status);
      },
    );
  });
}
