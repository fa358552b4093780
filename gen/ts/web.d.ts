import type { Client, Interceptor, Transport } from "@connectrpc/connect";
import type { DescService, Registry } from "@bufbuild/protobuf";

/** Where a service is: a base URL, or host:port (with tls for https). */
export interface Where {
  /** For example "https://crm.example.com/profile", or "" for the page's own origin. */
  baseUrl?: string;
  /** host:port of the service, for example "127.0.0.1:50051". */
  address?: string;
  /** With address: use https instead of http. */
  tls?: boolean;
}

/** How to reach a service from a browser. */
export interface WebOptions extends Where {
  /** A JWT whose scopes cover the methods called. */
  token: string;
  /** Default deadline of each call in milliseconds (10000). */
  timeoutMs?: number;
  /** "connect" (default) or "grpc-web". */
  protocol?: "connect" | "grpc-web";
  /** Send protobuf instead of JSON (false). */
  binary?: boolean;
}

/** The types of the feeds' event payloads, for anyUnpack. */
export declare const registry: Registry;
/** An interceptor that sends "authorization: Bearer <token>". */
export declare function bearer(token: string): Interceptor;
/** The base URL of a service. */
export declare function baseUrlOf(where: Where): string;
/** A fetch-based transport (Connect or gRPC-Web) with the token on every call. */
export declare function webTransport(options: WebOptions): Transport;
/** A client of one service, for browsers. */
export declare function connect<T extends DescService>(service: T, options: WebOptions): Client<T>;
