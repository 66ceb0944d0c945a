/**
 * Endpoint strings accepted by every client, turned into grpc-js targets.
 * @module
 */
import { InvalidArgumentError } from "../errors.js";

/** An endpoint string understood by the SDK. */
export interface ParsedEndpoint {
  /** The grpc-js target, e.g. `127.0.0.1:1310` or `unix:/run/angzarr/ch-orders.sock`. */
  readonly target: string;
  /** `tls` for `https://`, `plaintext` for `http://`, undefined when the endpoint does not say. */
  readonly security: "tls" | "plaintext" | undefined;
  /** TCP or a Unix domain socket. */
  readonly transport: "tcp" | "unix";
}

const FORMS = "expected host:port, http://host:port, https://host:port, unix:/path, unix:///path or /path.sock";
const HOSTNAME = /^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*$/;
const IPV6 = /^\[[0-9A-Fa-f:.]+(%[A-Za-z0-9]+)?\]$/;

function invalid(endpoint: string, reason: string): InvalidArgumentError {
  return new InvalidArgumentError(`invalid endpoint ${JSON.stringify(endpoint)}: ${reason}; ${FORMS}`);
}

function hostPort(endpoint: string, authority: string, defaultPort?: number): string {
  const colon = authority.lastIndexOf(":");
  const hasPort = colon > authority.lastIndexOf("]");
  const host = hasPort ? authority.slice(0, colon) : authority;
  const portText = hasPort ? authority.slice(colon + 1) : undefined;
  if (host === "") throw invalid(endpoint, "missing host");
  if (!HOSTNAME.test(host) && !IPV6.test(host)) throw invalid(endpoint, `bad host ${JSON.stringify(host)}`);
  if (portText === undefined) {
    if (defaultPort === undefined) throw invalid(endpoint, "missing port");
    return `${host}:${defaultPort}`;
  }
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535)) throw invalid(endpoint, `bad port ${JSON.stringify(portText)}`);
  return `${host}:${port}`;
}

/**
 * Parse an endpoint: `host:port` (TCP, plaintext unless the client enables TLS),
 * `http://host[:port]` (plaintext, port 80 by default), `https://host[:port]` (TLS, port 443 by
 * default), `unix:/path`, `unix:///path` or an absolute `/path.sock` (Unix domain socket).
 * @throws InvalidArgumentError naming the endpoint and what is wrong with it.
 */
export function parseEndpoint(endpoint: string): ParsedEndpoint {
  if (typeof endpoint !== "string" || endpoint.length === 0) throw invalid(String(endpoint), "empty endpoint");
  if (/\s/.test(endpoint)) throw invalid(endpoint, "contains whitespace");
  if (endpoint.startsWith("/")) return { target: `unix:${endpoint}`, security: undefined, transport: "unix" };
  if (endpoint.startsWith("unix:")) {
    const rest = endpoint.slice("unix:".length);
    const path = rest.startsWith("//") ? rest.slice(2) : rest;
    if (rest.startsWith("//") && !path.startsWith("/")) throw invalid(endpoint, "unix:// must be followed by an absolute path");
    if (path === "") throw invalid(endpoint, "missing socket path");
    return { target: `unix:${path}`, security: undefined, transport: "unix" };
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(endpoint);
  if (scheme) {
    const name = scheme[1]!.toLowerCase();
    if (name !== "http" && name !== "https") throw invalid(endpoint, `unsupported scheme ${JSON.stringify(name)}`);
    const authority = endpoint.slice(scheme[0].length).replace(/\/$/, "");
    if (authority.includes("/")) throw invalid(endpoint, "a path is not allowed");
    const tls = name === "https";
    return {
      target: hostPort(endpoint, authority, tls ? 443 : 80),
      security: tls ? "tls" : "plaintext",
      transport: "tcp",
    };
  }
  if (endpoint.includes("/")) throw invalid(endpoint, "unexpected '/'");
  return { target: hostPort(endpoint, endpoint), security: undefined, transport: "tcp" };
}

/**
 * The endpoint in environment variable `envVar`, or `fallback` when it is unset or blank.
 * Reads the environment once and never writes it.
 */
export function endpointFromEnv(envVar: string, fallback: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[envVar]?.trim();
  return value ? value : fallback;
}
