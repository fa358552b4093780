// A client of one of the platform's services over gRPC, with the bearer
// token on every call and a default deadline. The service descriptors are
// generated: import them from "@opencrm/crm-client/gen/crm/<service>/v1/...".
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";

export function connect(service, { address, token, timeoutMs = 10000, tls = false }) {
  if (!address) throw new Error("connect: address is required, for example 127.0.0.1:50051");
  if (!token) throw new Error("connect: token is required (a JWT with the method's scopes)");
  const transport = createGrpcTransport({
    baseUrl: `${tls ? "https" : "http"}://${address}`,
    defaultTimeoutMs: timeoutMs,
    interceptors: [
      (next) => async (req) => {
        req.header.set("authorization", `Bearer ${token}`);
        return next(req);
      },
    ],
  });
  return createClient(service, transport);
}
