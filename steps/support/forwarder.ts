/**
 * A TCP forwarder to the test backend that counts what passes: the connections it accepted and
 * the HTTP/2 PING frames the client sent (read from the client's frame headers). Steps use it
 * to reach the backend over a Unix socket or a late-bound port, and to observe connection reuse
 * and keep-alive for real.
 */
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { mkdtemp, rm } from "node:fs/promises";
import { StateSlot } from "./state-slot.js";
import type { AngzarrWorld } from "./world.js";

export interface CountingForwarder {
  /** `127.0.0.1:<port>` or the socket path it listens on. */
  readonly endpoint: string;
  /** Client connections accepted so far. */
  readonly connections: number;
  /** Client connections still open. */
  readonly open: number;
  /** HTTP/2 PING frames (not acknowledgements) the clients sent. */
  readonly pings: number;
  close(): Promise<void>;
}

const PREFACE_LENGTH = 24; // "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
const PING = 0x6;

/** Reads HTTP/2 frame headers from one client's byte stream and reports PING frames. */
function frameSniffer(onPing: () => void): (chunk: Buffer) => void {
  let buffered = Buffer.alloc(0);
  let prefaceLeft = PREFACE_LENGTH;
  let skip = 0; // payload bytes of the current frame still to pass
  return (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      if (prefaceLeft > 0) {
        const n = Math.min(prefaceLeft, buffered.length);
        prefaceLeft -= n;
        buffered = buffered.subarray(n);
        if (prefaceLeft > 0) return;
      }
      if (skip > 0) {
        const n = Math.min(skip, buffered.length);
        skip -= n;
        buffered = buffered.subarray(n);
        if (skip > 0) return;
      }
      if (buffered.length < 9) return;
      const length = buffered.readUIntBE(0, 3);
      const type = buffered[3]!;
      const flags = buffered[4]!;
      if (type === PING && (flags & 0x1) === 0) onPing();
      buffered = buffered.subarray(9);
      skip = length;
    }
  };
}

/** Where a forwarder listens: a TCP port on 127.0.0.1 (0 = any free one) or a Unix socket path. */
export type Listen = { port: number } | { path: string };

/** Starts a forwarder to the backend, closed with the scenario. */
export async function startCountingForwarder(world: AngzarrWorld, listen: Listen = { port: 0 }): Promise<CountingForwarder> {
  const target = world.backend.endpoint;
  const i = target.lastIndexOf(":");
  const upstreamAddress = { host: target.slice(0, i), port: Number(target.slice(i + 1)) };
  const sockets = new Set<net.Socket>();
  let connections = 0;
  let open = 0;
  let pings = 0;
  const server = net.createServer((client) => {
    connections++;
    open++;
    const upstream = net.connect(upstreamAddress);
    const sniff = frameSniffer(() => pings++);
    client.on("data", sniff);
    let closed = false;
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => {
        sockets.delete(s);
        if (!closed) {
          closed = true;
          open--;
        }
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    if ("port" in listen) server.listen(listen.port, "127.0.0.1", () => resolve());
    else server.listen(listen.path, () => resolve());
  });
  const address = server.address();
  const endpoint = typeof address === "string" ? address : `127.0.0.1:${address!.port}`;
  let closing: Promise<void> | undefined;
  const forwarder: CountingForwarder = {
    endpoint,
    get connections() {
      return connections;
    },
    get open() {
      return open;
    },
    get pings() {
      return pings;
    },
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      })),
  };
  world.track(forwarder);
  return forwarder;
}

/** The scenario's temporary directory, once made. */
const TEMP_DIR = new StateSlot<{ dir?: string }>(() => ({}));

/** A temporary directory for the scenario (Unix sockets), removed with it. */
export async function scenarioTempDir(world: AngzarrWorld): Promise<string> {
  const temp = world.state(TEMP_DIR);
  if (!temp.dir) {
    const created = await mkdtemp(path.join(os.tmpdir(), "angzarr-c-"));
    world.track({ close: () => rm(created, { recursive: true, force: true }) });
    temp.dir = created;
  }
  return temp.dir;
}
