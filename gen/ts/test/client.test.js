// Runs against a running platform: CRM_PROFILE_ADDR, CRM_INTERACTION_ADDR,
// CRM_LOYALTY_ADDR and CRM_TOKEN (tools/client-tests.sh sets them). Every
// test runs over each transport: gRPC (Node), and the browser entry point's
// Connect and gRPC-Web transports, which run on fetch in Node as in browsers.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";
import { connect as connectNode } from "../index.js";
import { connect as connectWeb, registry } from "../web.js";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { CustomerService } from "../gen/crm/customer/v1/customer_service_pb.js";
import { CustomerKind } from "../gen/crm/customer/v1/customer_pb.js";
import { InteractionService } from "../gen/crm/interaction/v1/interaction_service_pb.js";
import { Channel, Direction, InteractionKind } from "../gen/crm/interaction/v1/interaction_pb.js";
import { LoyaltyService } from "../gen/crm/loyalty/v1/loyalty_service_pb.js";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run tools/client-tests.sh`);
  return v;
};
const token = env("CRM_TOKEN");
for (const protocol of ["grpc", "connect", "grpc-web"]) {
  const connect = (service, options) => (protocol === "grpc" ? connectNode : connectWeb)(service, { ...options, protocol });
  const customers = connect(CustomerService, { address: env("CRM_PROFILE_ADDR"), token });
  const interactions = connect(InteractionService, { address: env("CRM_INTERACTION_ADDR"), token });
  const loyalty = connect(LoyaltyService, { address: env("CRM_LOYALTY_ADDR"), token });
  const unique = `ts-${protocol.slice(-3)}-${Date.now()}`;

  describe(protocol, () => {
    test("a customer's purchase, timeline and points", async () => {
      await loyalty.createProgram({ program: { id: `${unique}`.slice(0, 20), displayName: "TS club", currencyCode: "EUR", pointsPerUnit: 1, autoEnrol: true } });
      const { customer } = await customers.createCustomer({
        customer: { kind: CustomerKind.PERSON, displayName: "Ada (TypeScript)", emails: [{ address: `${unique}@example.com` }] },
      });
      assert.match(customer.name, /^customers\//);
      for (const [n, units] of [[1, 20n], [2, 30n]]) {
        await interactions.logInteraction({
          interaction: {
            customer: customer.name, channel: Channel.WEB, direction: Direction.INBOUND, kind: InteractionKind.PURCHASE,
            occurTime: { seconds: BigInt(Math.floor(Date.now() / 1000) - n * 60), nanos: 0 },
            purchase: { orderId: `${unique}-${n}`, amount: { currencyCode: "EUR", units, nanos: 0 } },
          },
          requestId: `${unique}-purchase-${n}`,
        });
      }
      // The timeline, one per page.
      const first = await interactions.listInteractions({ customer: customer.name, pageSize: 1 });
      assert.equal(first.interactions.length, 1);
      assert.ok(first.nextPageToken);
      const second = await interactions.listInteractions({ customer: customer.name, pageSize: 1, pageToken: first.nextPageToken });
      assert.equal(second.interactions.length, 1);
      assert.notEqual(second.interactions[0].name, first.interactions[0].name);
      // Points arrive through the feed.
      let account;
      for (let i = 0; i < 100; i++) {
        try {
          ({ account } = await loyalty.getAccount({ program: `programs/${unique.slice(0, 20)}`, customer: customer.name }));
          if (account.balance === 50n) break;
        } catch (e) {
          if (!(e instanceof ConnectError) || e.code !== Code.NotFound) throw e;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(account?.balance, 50n);
    });

    test("a validation error names its field", async () => {
      await assert.rejects(
        customers.createCustomer({ customer: { kind: CustomerKind.PERSON, displayName: "Bad", emails: [{ address: "not an address" }] } }),
        (e) => {
          assert.ok(e instanceof ConnectError);
          assert.equal(e.code, Code.InvalidArgument);
          assert.match(e.rawMessage, /customer\.emails\[0\]\.address/);
          assert.ok(e.details.some((d) => d.desc?.typeName === "google.rpc.BadRequest" || d.type === "google.rpc.BadRequest"));
          return true;
        },
      );
    });

    test("a call without a valid token is refused", async () => {
      const anonymous = connect(CustomerService, { address: env("CRM_PROFILE_ADDR"), token: "not-a-token" });
      await assert.rejects(anonymous.listCustomers({ pageSize: 1 }), (e) => e instanceof ConnectError && e.code === Code.Unauthenticated);
    });

    test("a server-streaming call delivers the event feed", async () => {
      const ctl = new AbortController();
      let seen = 0;
      try {
        for await (const resp of customers.watchCustomerEvents({ afterSequence: 0n }, { signal: ctl.signal })) {
          assert.ok(resp.event.sequence > 0n);
          // The payload opens with the package's registry of event types.
          assert.match(anyUnpack(resp.event.payload, registry)?.$typeName ?? "", /^crm\.customer\.v1\./);
          if (++seen === 1) break;
        }
      } finally {
        ctl.abort();
      }
      assert.equal(seen, 1);
    });
  });
}
