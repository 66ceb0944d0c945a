import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import net from "node:net";
import * as grpc from "@grpc/grpc-js";
import { closedPortEndpoint, startFaultProxy, type FaultProxy } from "../../src/testing/fault-proxy.js";

/** A real grpc-js unary service on raw bytes: echoes the request and counts the calls. */
const bytes = (b: Buffer) => b;
const echoService = {
  echo: {
    path: "/test.Echo/Echo",
    requestStream: false,
    responseStream: false,
    requestSerialize: bytes,
    requestDeserialize: bytes,
    responseSerialize: bytes,
    responseDeserialize: bytes,
  },
} satisfies grpc.ServiceDefinition;
const EchoClient = grpc.makeGenericClientConstructor(echoService, "Echo");

interface EchoCall {
  value?: Buffer;
  error?: grpc.ServiceError;
  elapsedMs: number;
}

function echo(client: grpc.Client, text: string, timeoutMs = 2000): Promise<EchoCall> {
  const started = performance.now();
  return new Promise((resolve) => {
    client.makeUnaryRequest(echoService.echo.path, bytes, bytes, Buffer.from(text), { deadline: Date.now() + timeoutMs }, (error, value) =>
      resolve({ error: error ?? undefined, value, elapsedMs: performance.now() - started }),
    );
  });
}

describe("fault proxy", () => {
  let server: grpc.Server;
  let target: string;
  let calls = 0;

  before(async () => {
    server = new grpc.Server();
    server.addService(echoService, {
      echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, done: grpc.sendUnaryData<Buffer>) => {
        calls += 1;
        done(null, call.request);
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    target = `127.0.0.1:${port}`;
  });
  after(() => server.forceShutdown());

  async function withProxy(test: (proxy: FaultProxy, client: grpc.Client) => Promise<void>): Promise<void> {
    const proxy = await startFaultProxy(target);
    const client = new EchoClient(proxy.endpoint, grpc.credentials.createInsecure());
    try {
      await test(proxy, client);
    } finally {
      client.close();
      await proxy.close();
    }
  }

  it("passes calls through to the server", () =>
    withProxy(async (proxy, client) => {
      expect(proxy.mode).to.equal("pass");
      expect(proxy.endpoint).to.match(/^127\.0\.0\.1:\d+$/);
      const result = await echo(client, "hello");
      expect(result.error).to.equal(undefined);
      expect(result.value?.toString()).to.equal("hello");
    }));

  it("hold: the call ends with DEADLINE_EXCEEDED at the client's deadline, then recovers", () =>
    withProxy(async (proxy, client) => {
      expect((await echo(client, "warm-up")).value?.toString()).to.equal("warm-up");
      proxy.setMode("hold");
      const held = await echo(client, "held", 300);
      expect(held.error?.code).to.equal(grpc.status.DEADLINE_EXCEEDED);
      expect(held.elapsedMs).to.be.within(250, 1500);
      proxy.setMode("pass");
      expect((await echo(client, "after")).value?.toString()).to.equal("after");
    }));

  it("hold: a new connection is accepted but never answered", () =>
    withProxy(async (proxy, client) => {
      proxy.setMode("hold");
      const held = await echo(client, "held", 300);
      expect(held.error?.code).to.equal(grpc.status.DEADLINE_EXCEEDED);
    }));

  it("reset: an established connection is dropped mid-request with UNAVAILABLE; the server never sees it", () =>
    withProxy(async (proxy, client) => {
      expect((await echo(client, "warm-up")).value?.toString()).to.equal("warm-up");
      const before = calls;
      proxy.setMode("reset");
      const dropped = await echo(client, "dropped");
      expect(dropped.error?.code).to.equal(grpc.status.UNAVAILABLE);
      expect(dropped.elapsedMs).to.be.below(1500);
      expect(calls).to.equal(before);
    }));

  it("reset: a new connection gets through the HTTP/2 preface and is dropped on its first request", () =>
    withProxy(async (proxy, client) => {
      proxy.setMode("reset");
      const before = calls;
      const dropped = await echo(client, "dropped");
      expect(dropped.error?.code).to.equal(grpc.status.UNAVAILABLE);
      expect(calls).to.equal(before);
    }));

  it("reset: forwards the preface and control frames, then answers the first request frame with an RST", () =>
    withProxy(async (proxy) => {
      proxy.setMode("reset");
      const [host, port] = proxy.endpoint.split(":");
      const socket = net.connect({ host, port: Number(port) });
      const closed = new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
        socket.once("error", resolve);
        socket.once("close", () => resolve(undefined));
      });
      const frame = (type: number, flags: number, stream: number, payload = Buffer.alloc(0)) => {
        const header = Buffer.alloc(9);
        header.writeUIntBE(payload.length, 0, 3);
        header.writeUInt8(type, 3);
        header.writeUInt8(flags, 4);
        header.writeUInt32BE(stream, 5);
        return Buffer.concat([header, payload]);
      };
      // Preface split across writes, then an empty SETTINGS frame: the server's SETTINGS come back.
      socket.write(Buffer.from("PRI * HTTP/2.0\r\n"));
      socket.write(Buffer.concat([Buffer.from("\r\nSM\r\n\r\n"), frame(0x4, 0, 0)]));
      const serverSettings = await Promise.race([new Promise<Buffer>((resolve) => socket.once("data", resolve)), closed.then(() => Buffer.alloc(0))]);
      expect(serverSettings.length, "server frames reached the client").to.be.at.least(9);
      expect(serverSettings.readUInt8(3), "first server frame is SETTINGS").to.equal(0x4);
      socket.write(frame(0x1, 0x4, 1, Buffer.from([0x82])));
      const error = await closed;
      expect(error?.code).to.equal("ECONNRESET");
    }));

  it("pass: when the target is down the client gets UNAVAILABLE", async () => {
    const proxy = await startFaultProxy(await closedPortEndpoint());
    const client = new EchoClient(proxy.endpoint, grpc.credentials.createInsecure());
    try {
      expect((await echo(client, "nobody")).error?.code).to.equal(grpc.status.UNAVAILABLE);
    } finally {
      client.close();
      await proxy.close();
    }
  });

  it("close() drops open connections and releases the port", async () => {
    const proxy = await startFaultProxy(target);
    const client = new EchoClient(proxy.endpoint, grpc.credentials.createInsecure());
    try {
      expect((await echo(client, "open")).value?.toString()).to.equal("open");
      await proxy.close();
      const refused = await new Promise<NodeJS.ErrnoException>((resolve) => {
        const [host, port] = proxy.endpoint.split(":");
        net.connect({ host, port: Number(port) }).once("error", resolve);
      });
      expect(refused.code).to.equal("ECONNREFUSED");
      expect((await echo(client, "closed")).error?.code).to.equal(grpc.status.UNAVAILABLE);
    } finally {
      client.close();
    }
  });

  it("a closed port answers UNAVAILABLE at once", async () => {
    const client = new EchoClient(await closedPortEndpoint(), grpc.credentials.createInsecure());
    try {
      const result = await echo(client, "nobody");
      expect(result.error?.code).to.equal(grpc.status.UNAVAILABLE);
      expect(result.elapsedMs).to.be.below(1500);
    } finally {
      client.close();
    }
  });
});
