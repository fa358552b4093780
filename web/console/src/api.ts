// The connection to the platform: Connect over HTTP to this page's origin
// (the console server routes each service's path to it), with the bearer
// token of the session on every call.
import { createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { CustomerService } from "@gen/crm/customer/v1/customer_service_pb.js";
import { InteractionService } from "@gen/crm/interaction/v1/interaction_service_pb.js";
import { SegmentationService } from "@gen/crm/segmentation/v1/segmentation_service_pb.js";
import { LoyaltyService } from "@gen/crm/loyalty/v1/loyalty_service_pb.js";
import { AuditService } from "@gen/crm/audit/v1/audit_service_pb.js";
import { getToken } from "./session";

export { CustomerService, InteractionService, SegmentationService, LoyaltyService };

/** The services as the console server's X-CRM-Service header names them. */
export const SERVICES = ["profile", "interaction", "segmentation", "loyalty"] as const;
export type ServiceName = (typeof SERVICES)[number];

/**
 * Makes the transport; token() is asked on every call (it changes on
 * sign-in). With service, every call names it in the X-CRM-Service header:
 * the console server needs that for what every service serves (audit,
 * status), whose paths name no service.
 */
export function makeTransport(baseUrl: string, token: () => string | null, service?: ServiceName): Transport {
  const auth: Interceptor = (next) => (req) => {
    const t = token();
    if (t) req.header.set("Authorization", "Bearer " + t);
    if (service) req.header.set("X-CRM-Service", service);
    return next(req);
  };
  return createConnectTransport({ baseUrl, interceptors: [auth], useBinaryFormat: false });
}

export const transport = makeTransport(window.location.origin, () => getToken(sessionStorage));

/** Clients for calls outside queries (streams, one-off actions). */
export const customers = createClient(CustomerService, transport);
export const interactions = createClient(InteractionService, transport);
export const segmentation = createClient(SegmentationService, transport);
export const loyalty = createClient(LoyaltyService, transport);

/** Each service's audit trail. */
export const audits = Object.fromEntries(
  SERVICES.map((s) => [s, createClient(AuditService, makeTransport(window.location.origin, () => getToken(sessionStorage), s))]),
) as Record<ServiceName, ReturnType<typeof createClient<typeof AuditService>>>;

/** A fresh id for a write that may be retried (the services deduplicate by it). */
export function requestId(): string {
  return crypto.randomUUID();
}
