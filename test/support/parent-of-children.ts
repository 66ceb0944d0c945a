/**
 * A stand-in parent for test/no-orphans.test.ts: starts a coordinator the way the reliability
 * suites do (test/reliability/support/child-coordinator.ts) and a private PostgreSQL server
 * (test/support/postgres.ts), prints what it started as one JSON line, then waits to be killed.
 */
import { startChildCoordinator } from "../reliability/support/child-coordinator.js";
import { startPrivateServer } from "./postgres.js";

const coordinator = await startChildCoordinator({ ANGZARR__STORAGE__TYPE: "memory", ANGZARR__TRANSPORT__TCP__PORT: "0" });
const postgres = await startPrivateServer();
process.stdout.write(
  `${JSON.stringify({ coordinator: coordinator.pid, coordinatorAddress: coordinator.address, postgres: postgres.pid, postgresUri: postgres.uri })}\n`,
);
setInterval(() => undefined, 60_000);
