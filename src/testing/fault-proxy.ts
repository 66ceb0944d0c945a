/**
 * Real network faults for tests: a TCP proxy between a gRPC client and a server that can
 * stall or drop connections, and an address where nothing listens.
 *
 * Faults are produced on real sockets, never simulated in the client: a held connection
 * makes the client hit its own deadline, a reset is a TCP RST the client's HTTP/2 stack sees.
 */
import net from "node:net";

/**
 * How the proxy treats traffic.
 * - `pass`: forward bytes both ways.
 * - `hold`: keep accepting connections but forward nothing in either direction (a server
 *   that never answers); held bytes are delivered in order when the mode returns to `pass`.
 * - `reset`: let the HTTP/2 connection preface and control frames through, then answer the
 *   first request frame (any frame on a stream other than 0) with a TCP RST; the server never
 *   sees that request. Non-HTTP/2 traffic is reset on its first bytes.
 */
export type FaultMode = "pass" | "hold" | "reset";

/** A running fault proxy; see {@link startFaultProxy}. */
export interface FaultProxy extends AsyncDisposable {
  /** `127.0.0.1:<port>` to give the client instead of the real server's address. */
  readonly endpoint: string;
  /** The current mode. */
  readonly mode: FaultMode;
  /** Switches the mode for existing and new connections. */
  setMode(mode: FaultMode): void;
  /** Stops accepting, destroys every proxied connection and releases the port. Safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Starts a fault proxy on 127.0.0.1 (a free port) forwarding to `target` (`host:port`),
 * in mode `pass`.
 * @throws Error when `target` is not `host:port`.
 * @example
 * const proxy = await startFaultProxy(backend.endpoint);
 * await using client = QueryClient.connect(proxy.endpoint); // `await using proxy` works too
 * proxy.setMode("hold"); // the next call runs into its deadline
 * await client.query("orders", root).getEventBook({ timeoutMs: 200 }); // rejects: DEADLINE_EXCEEDED
 * await proxy.close();
 */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const { host, port } = splitHostPort(target);
  const links = new Set<Link>();
  let mode: FaultMode = "pass";

  const server = net.createServer((client) => {
    const link = new Link(client, net.connect({ host, port }), () => mode);
    links.add(link);
    link.onClose(() => links.delete(link));
  });
  const listenPort = await listenOnLoopback(server);
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const link of links) link.destroy();
      await closed;
    })());

  return {
    endpoint: `127.0.0.1:${listenPort}`,
    get mode() {
      return mode;
    },
    setMode(next: FaultMode) {
      mode = next;
      for (const link of links) link.flush();
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * Returns `127.0.0.1:<port>` for a port that was bound and released just now, so nothing
 * listens there: connecting fails at once with ECONNREFUSED ("server unreachable").
 */
export async function closedPortEndpoint(): Promise<string> {
  const server = net.createServer();
  const port = await listenOnLoopback(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

/**
 * One proxied connection: a client socket, its upstream socket and the bytes held for each.
 * A side that ends or closes is ended on the other side once its held bytes are delivered
 * (a server's GOAWAY reaches the client intact); a socket error destroys both.
 */
class Link {
  private readonly toUpstream: Buffer[] = [];
  private readonly toClient: Buffer[] = [];
  private readonly scanner = new RequestFrameScanner();
  private upstreamReady = false;
  private clientDone = false;
  private upstreamDone = false;

  constructor(
    private readonly client: net.Socket,
    private readonly upstream: net.Socket,
    private readonly mode: () => FaultMode,
  ) {
    client.on("data", (chunk: Buffer) => {
      this.toUpstream.push(chunk);
      this.flush();
    });
    upstream.on("data", (chunk: Buffer) => {
      this.toClient.push(chunk);
      this.flush();
    });
    upstream.once("connect", () => {
      this.upstreamReady = true;
      this.flush();
    });
    const clientDone = () => {
      this.clientDone = true;
      this.flush();
    };
    const upstreamDone = () => {
      this.upstreamDone = true;
      this.flush();
    };
    client.once("end", clientDone).once("close", clientDone);
    upstream.once("end", upstreamDone).once("close", upstreamDone);
    // Errors are the expected outcome of faults; they end the pair.
    client.on("error", () => this.destroy());
    upstream.on("error", () => this.destroy());
  }

  /** Calls back once both sockets are closed. */
  onClose(callback: () => void): void {
    let open = 2;
    const closed = () => --open === 0 && callback();
    this.client.once("close", closed);
    this.upstream.once("close", closed);
  }

  /** Delivers held bytes as far as the current mode allows. */
  flush(): void {
    const mode = this.mode();
    if (mode === "hold") return;
    while (this.toClient.length > 0 && this.client.writable) this.client.write(this.toClient.shift()!);
    if (this.upstreamDone) this.client.end();
    if (!this.upstreamReady) return;
    while (this.toUpstream.length > 0 && this.upstream.writable) {
      const chunk = this.toUpstream.shift()!;
      if (this.scanner.push(chunk) && mode === "reset") {
        this.reset();
        return;
      }
      this.upstream.write(chunk);
    }
    if (this.clientDone) this.upstream.end();
  }

  /** Drops the client connection with a TCP RST and closes the upstream side. */
  private reset(): void {
    this.client.resetAndDestroy();
    this.upstream.destroy();
  }

  destroy(): void {
    this.client.destroy();
    this.upstream.destroy();
  }
}

/** The 24-byte client connection preface of HTTP/2 (RFC 9113 §3.4). */
const HTTP2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
const FRAME_HEADER_BYTES = 9;

/**
 * Follows the client-to-server byte stream of an HTTP/2 connection frame by frame and tells
 * when a frame on a request stream (stream id != 0: HEADERS, DATA, ...) begins. Frames on
 * stream 0 (SETTINGS, PING, WINDOW_UPDATE, GOAWAY) are connection control, not requests.
 */
class RequestFrameScanner {
  private prefaceLeft = HTTP2_PREFACE.length;
  private notHttp2 = false;
  private header = Buffer.alloc(0);
  private payloadLeft = 0;

  /** Consumes the next chunk; true when it contains the start of a request frame. */
  push(chunk: Buffer): boolean {
    let offset = 0;
    if (this.prefaceLeft > 0) {
      const expected = HTTP2_PREFACE.subarray(HTTP2_PREFACE.length - this.prefaceLeft);
      const seen = chunk.subarray(0, this.prefaceLeft);
      if (!seen.equals(expected.subarray(0, seen.length))) this.notHttp2 = true;
      this.prefaceLeft -= seen.length;
      offset = seen.length;
    }
    if (this.notHttp2) return true;
    let requestFrame = false;
    while (offset < chunk.length) {
      if (this.payloadLeft > 0) {
        const skip = Math.min(this.payloadLeft, chunk.length - offset);
        this.payloadLeft -= skip;
        offset += skip;
        continue;
      }
      const need = FRAME_HEADER_BYTES - this.header.length;
      this.header = Buffer.concat([this.header, chunk.subarray(offset, offset + need)]);
      offset += Math.min(need, chunk.length - offset);
      if (this.header.length < FRAME_HEADER_BYTES) break;
      this.payloadLeft = this.header.readUIntBE(0, 3);
      if ((this.header.readUInt32BE(5) & 0x7fffffff) !== 0) requestFrame = true;
      this.header = Buffer.alloc(0);
    }
    return requestFrame;
  }
}

/** Listens on 127.0.0.1 at a free port and returns the port. */
async function listenOnLoopback(server: net.Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return (server.address() as net.AddressInfo).port;
}

function splitHostPort(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(":");
  const port = Number(address.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`fault proxy target must be host:port, got "${address}"`);
  }
  return { host: address.slice(0, colon).replace(/^\[(.*)\]$/, "$1"), port };
}
