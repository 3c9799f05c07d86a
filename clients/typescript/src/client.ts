// The gateway's client: connect-node's gRPC transport (HTTP/2) and the service descriptor that
// protoc-gen-es generated, so every request and response is a generated type.
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";

import { AggregatorService } from "./gen/aggregator/v1/aggregator_service_pb.js";

export type AggregatorClient = Client<typeof AggregatorService>;

export interface AggregatorClientOptions {
  /** The gateway's `host:port`. */
  address: string;
  /** Sent as `authorization: Bearer <apiKey>` when the gateway authenticates callers. */
  apiKey?: string;
  /** PEM root certificates: turns TLS on (plaintext without them, as on loopback). */
  rootCertificates?: string;
  /** A PEM certificate chain and private key for mutual TLS. */
  clientCertificate?: { chain: string; key: string };
  /** The deadline of a call that sets no `timeoutMs` of its own (default 10 s). */
  defaultTimeoutMs?: number;
}

export function createAggregatorClient(options: AggregatorClientOptions): AggregatorClient {
  const tls = options.rootCertificates !== undefined || options.clientCertificate !== undefined;
  const transport = createGrpcTransport({
    baseUrl: `${tls ? "https" : "http"}://${options.address}`,
    defaultTimeoutMs: options.defaultTimeoutMs ?? 10_000,
    interceptors: options.apiKey === undefined ? [] : [bearer(options.apiKey)],
    nodeOptions: tls
      ? {
          ca: options.rootCertificates,
          cert: options.clientCertificate?.chain,
          key: options.clientCertificate?.key,
        }
      : {},
  });
  return createClient(AggregatorService, transport);
}

function bearer(apiKey: string): Interceptor {
  return (next) => async (request) => {
    request.header.set("authorization", `Bearer ${apiKey}`);
    return next(request);
  };
}
