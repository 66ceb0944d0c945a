import { InvalidArgumentError } from "../errors.js";

/**
 * The `host:port` a handler program should listen on, from `HOST` (default `127.0.0.1`; use
 * `0.0.0.0` or `::` in containers) and `PORT` (default 0, any free port). IPv6 hosts are
 * bracketed. Reads the environment, never writes it; a bad PORT is an InvalidArgumentError.
 * @example
 * const server = await runAggregateServer(PlayerAggregate, addressFromEnv());
 */
export function addressFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const host = env.HOST || "127.0.0.1";
  const portText = env.PORT || "0";
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new InvalidArgumentError(`PORT must be a port number from 0 to 65535, got ${JSON.stringify(portText)}`);
  }
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}
