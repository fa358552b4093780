// A client of one of the platform's services for browsers (and any runtime
// with fetch): the Connect protocol with JSON, or gRPC-Web, over HTTP/1.1 or
// HTTP/2, with the bearer token on every call and a default deadline. The
// service's origin must be in its CRM_HTTP_ALLOWED_ORIGINS.
import { createRegistry } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { file_crm_customer_v1_events } from "./gen/crm/customer/v1/events_pb.js";
import { file_crm_interaction_v1_events } from "./gen/crm/interaction/v1/events_pb.js";
import { file_crm_loyalty_v1_events } from "./gen/crm/loyalty/v1/events_pb.js";
import { file_crm_segmentation_v1_events } from "./gen/crm/segmentation/v1/events_pb.js";

// The event payloads (google.protobuf.Any in each feed event): JSON needs
// their types to read and write them; anyUnpack(event.payload, registry)
// opens one.
export const registry = createRegistry(file_crm_customer_v1_events, file_crm_interaction_v1_events,
  file_crm_loyalty_v1_events, file_crm_segmentation_v1_events);

export function bearer(token) {
  return (next) => async (req) => {
    req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
}

export function baseUrlOf({ baseUrl, address, tls = false }) {
  if (baseUrl !== undefined) return baseUrl;
  if (!address) throw new Error("connect: address (host:port) or baseUrl is required");
  return `${tls ? "https" : "http"}://${address}`;
}

export function webTransport({ protocol = "connect", token, timeoutMs = 10000, binary = false, ...where }) {
  if (!token) throw new Error("connect: token is required (a JWT with the method's scopes)");
  const options = {
    baseUrl: baseUrlOf(where), defaultTimeoutMs: timeoutMs, useBinaryFormat: binary,
    jsonOptions: { registry }, interceptors: [bearer(token)],
  };
  switch (protocol) {
    case "connect":
      return createConnectTransport(options);
    case "grpc-web":
      return createGrpcWebTransport(options);
    default:
      throw new Error(`connect: protocol ${protocol} is not one of connect, grpc-web`);
  }
}

export function connect(service, options) {
  return createClient(service, webTransport(options));
}
