/**
 * A coordinator with bearer-token authentication on, for the permission scenario: clients that
 * send a token it does not know are refused with PERMISSION_DENIED. The one started here has
 * no routes: authentication is checked before any routing or handler call.
 */
import { randomBytes } from "node:crypto";
import { silentLogger, startCoordinator } from "../../src/coordinator/index.js";
import type { AngzarrWorld } from "./world.js";

let shared: Promise<{ endpoint: string; stop: () => Promise<void> }> | undefined;

/**
 * A coordinator that requires a bearer token: the backend's own (capability `auth`), else one
 * started here (once per worker) that accepts only a random secret token.
 */
export async function startAuthCoordinator(world: AngzarrWorld): Promise<{ endpoint: string }> {
  const offered = world.backend.auth;
  if (offered) return { endpoint: offered.endpoint };
  const validToken = "valid-" + randomBytes(8).toString("hex");
  shared ??= startCoordinator({
    host: "127.0.0.1",
    port: 0,
    storage: { type: "memory" },
    routes: {},
    auth: { tokens: [validToken] },
    logger: silentLogger,
  }).then((handle) => ({ endpoint: handle.address, stop: () => handle.stop(1_000) }));
  const { endpoint } = await shared;
  return { endpoint };
}

/** Stops the auth coordinator of this worker, if one was started. */
export async function stopAuthCoordinator(): Promise<void> {
  const running = shared;
  shared = undefined;
  if (running) await (await running).stop();
}
