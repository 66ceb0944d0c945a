/** Loopback ports for tests: a free one to bind, and whether something listens on one. */
import { connect } from "node:net";
import { closedPortEndpoint } from "../../src/testing/fault-proxy.js";

/** A loopback port nothing listens on (for a server to bind, or to be unreachable). */
export async function freePort(): Promise<number> {
  return Number((await closedPortEndpoint()).split(":")[1]);
}

/** True when a TCP connection to `host:port` is accepted. */
export function accepts(address: string): Promise<boolean> {
  const colon = address.lastIndexOf(":");
  return new Promise((resolve) => {
    const socket = connect({ host: address.slice(0, colon), port: Number(address.slice(colon + 1)) }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
