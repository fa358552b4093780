// A client of one of the platform's services, for Node: gRPC over HTTP/2 by
// default, or the Connect protocol or gRPC-Web over fetch (what browsers
// use, see web.js), with the bearer token on every call and a default
// deadline. The service descriptors are generated: import them from
// "@opencrm/crm-client/gen/crm/<service>/v1/...".
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { baseUrlOf, bearer, webTransport } from "./web.js";

export function connect(service, options) {
  const { protocol = "grpc", token, timeoutMs = 10000 } = options;
  if (protocol !== "grpc") return createClient(service, webTransport(options));
  if (!options.address && options.baseUrl === undefined) {
    throw new Error("connect: address is required, for example 127.0.0.1:50051");
  }
  if (!token) throw new Error("connect: token is required (a JWT with the method's scopes)");
  const transport = createGrpcTransport({ baseUrl: baseUrlOf(options), defaultTimeoutMs: timeoutMs, interceptors: [bearer(token)] });
  return createClient(service, transport);
}
