import { ordersTestDomain } from "../../examples/orders/index.js";
/**
 * The backend of this worker process: started once in BeforeAll from ANGZARR_BACKEND
 * (embedded | container | external) and stopped in AfterAll.
 */
import { parseBackendKind, startBackend, type BackendKind, type TestBackend } from "../../src/testing/index.js";

export type Backend = TestBackend;

let backend: Backend | undefined;

/** ANGZARR_BACKEND, else `external` when ANGZARR_ENDPOINT is set, else `embedded`. */
export function backendKind(): BackendKind {
  const fallback = process.env.ANGZARR_ENDPOINT ? "external" : "embedded";
  return parseBackendKind((process.env.ANGZARR_BACKEND ?? "").trim() || fallback);
}

export async function startWorkerBackend(): Promise<Backend> {
  // The embedded backend also starts its authenticating coordinator (permission scenarios).
  backend = await startBackend(backendKind(), { embedded: { domain: ordersTestDomain, auth: true } });
  return backend;
}

export async function stopWorkerBackend(): Promise<void> {
  const b = backend;
  backend = undefined;
  await b?.stop();
}

export function currentBackend(): Backend {
  if (!backend) throw new Error("the test backend is not running (BeforeAll failed?)");
  return backend;
}
