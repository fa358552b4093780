import type { Client } from "@connectrpc/connect";
import type { DescService } from "@bufbuild/protobuf";

/** Where and how to reach a service. */
export interface ConnectOptions {
  /** host:port of the service, for example "127.0.0.1:50051". */
  address: string;
  /** A JWT whose scopes cover the methods called. */
  token: string;
  /** Default deadline of each call in milliseconds (10000). */
  timeoutMs?: number;
  /** Use TLS (https) instead of plain HTTP/2. */
  tls?: boolean;
}

/** A client of one service with the bearer token on every call. */
export declare function connect<T extends DescService>(service: T, options: ConnectOptions): Client<T>;
