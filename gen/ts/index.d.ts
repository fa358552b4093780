import type { Client } from "@connectrpc/connect";
import type { DescService } from "@bufbuild/protobuf";
import type { WebOptions } from "./web.js";

/** Where and how to reach a service. */
export interface ConnectOptions extends Omit<WebOptions, "protocol"> {
  /** "grpc" (default, HTTP/2), "connect" or "grpc-web" (fetch, as in browsers). */
  protocol?: "grpc" | "connect" | "grpc-web";
}

/** A client of one service with the bearer token on every call. */
export declare function connect<T extends DescService>(service: T, options: ConnectOptions): Client<T>;
