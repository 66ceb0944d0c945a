/** A TCP proxy in front of a test server that can break its connections on demand. */
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";

export class TcpProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  /** `127.0.0.1:<port>` of the proxy. */
  address = "";

  private constructor(target: { host: string; port: number }) {
    this.#server = createServer((inbound) => {
      const outbound = connect(target.port, target.host);
      for (const s of [inbound, outbound]) {
        this.#sockets.add(s);
        s.on("error", () => {});
        s.on("close", () => this.#sockets.delete(s));
      }
      inbound.pipe(outbound);
      outbound.pipe(inbound);
    });
  }

  /** Listen on 127.0.0.1:0 and forward to `target` (`host:port`). */
  static async start(target: string): Promise<TcpProxy> {
    const [host, port] = [target.slice(0, target.lastIndexOf(":")), Number(target.slice(target.lastIndexOf(":") + 1))];
    const proxy = new TcpProxy({ host, port });
    await new Promise<void>((r) => proxy.#server.listen(0, "127.0.0.1", r));
    proxy.address = `127.0.0.1:${(proxy.#server.address() as AddressInfo).port}`;
    return proxy;
  }

  /** Break every connection with a TCP reset. */
  reset(): void {
    for (const s of this.#sockets) s.resetAndDestroy();
  }

  /** Close every connection cleanly (FIN). */
  end(): void {
    for (const s of this.#sockets) s.destroy();
  }

  /** Stop listening and break what is left. */
  close(): void {
    this.reset();
    this.#server.close();
  }
}
