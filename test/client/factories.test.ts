/**
 * The static factories every client class inherits from BaseClient build an instance of the
 * class they are called on, with that class's options. Clients connect lazily, so nothing
 * needs to listen at the endpoint.
 */
import { describe, it } from "node:test";
import { Channel, credentials } from "@grpc/grpc-js";
import { expect } from "chai";
import { Client, CommandHandlerClient, DomainClient, QueryClient, SpeculativeClient, type BaseClient } from "../../src/client/index.js";
import { InvalidArgumentError } from "../../src/errors.js";

const ENDPOINT = "127.0.0.1:9";
const FROM_ENV = { envVar: "ANGZARR_TEST_UNSET_ENDPOINT", fallback: ENDPOINT };

/** The three factories of one class, each annotated with that class, so a wrong return type fails to compile. */
const FACTORIES: Array<[abstract new (...args: never[]) => BaseClient, (channel: Channel) => BaseClient[]]> = [
  [Client, (channel): Client[] => [Client.connect(ENDPOINT, { timeoutMs: 1000 }), Client.fromEnv(FROM_ENV), Client.fromChannel(channel)]],
  [
    CommandHandlerClient,
    (channel): CommandHandlerClient[] => [
      CommandHandlerClient.connect(ENDPOINT),
      CommandHandlerClient.fromEnv(FROM_ENV),
      CommandHandlerClient.fromChannel(channel),
    ],
  ],
  [QueryClient, (channel): QueryClient[] => [QueryClient.connect(ENDPOINT), QueryClient.fromEnv(FROM_ENV), QueryClient.fromChannel(channel)]],
  [
    SpeculativeClient,
    (channel): SpeculativeClient[] => [
      SpeculativeClient.connect(ENDPOINT, { sagaEndpoint: ENDPOINT }),
      SpeculativeClient.fromEnv(FROM_ENV),
      SpeculativeClient.fromChannel(channel),
    ],
  ],
];

describe("client factories", () => {
  for (const [clientClass, build] of FACTORIES) {
    it(`${clientClass.name}.connect, fromEnv and fromChannel build a ${clientClass.name}`, async () => {
      const channel = new Channel(ENDPOINT, credentials.createInsecure(), {});
      const built = build(channel);
      try {
        for (const client of built) {
          expect(client).to.be.instanceOf(clientClass);
          expect(client.endpoint).to.match(/127\.0\.0\.1:9$/); // fromChannel reports the channel target, dns:127.0.0.1:9
        }
      } finally {
        await Promise.all(built.map((c) => c.close()));
        channel.close();
      }
    });
  }

  it("DomainClient takes its domain from the options of every factory", async () => {
    const channel = new Channel(ENDPOINT, credentials.createInsecure(), {});
    const built = [
      DomainClient.connect(ENDPOINT, { domain: "orders", timeoutMs: 1000 }),
      DomainClient.fromEnv({ ...FROM_ENV, domain: "orders" }),
      DomainClient.fromChannel(channel, { domain: "orders" }),
    ];
    try {
      for (const client of built) {
        expect(client).to.be.instanceOf(DomainClient);
        expect(client.domain).to.equal("orders");
      }
      expect(() => DomainClient.fromEnv({ ...FROM_ENV, domain: "Orders" })).to.throw(InvalidArgumentError);
      // @ts-expect-error a DomainClient needs its domain
      expect(() => DomainClient.connect(ENDPOINT)).to.throw(InvalidArgumentError);
    } finally {
      await Promise.all(built.map((c) => c.close()));
      channel.close();
    }
  });

  it("fromEnv does not hand envVar and fallback on as client options", () => {
    process.env.ANGZARR_TEST_FACTORY_ENDPOINT = "127.0.0.1:10";
    try {
      const client = SpeculativeClient.fromEnv({ envVar: "ANGZARR_TEST_FACTORY_ENDPOINT", fallback: ENDPOINT, timeoutMs: 1000 });
      expect(client.endpoint).to.equal("127.0.0.1:10");
      void client.close();
    } finally {
      delete process.env.ANGZARR_TEST_FACTORY_ENDPOINT;
    }
  });
});
