// The package's public surface: the client, the error decoder and the generated types.
export { type AggregatorClient, type AggregatorClientOptions, createAggregatorClient } from "./client.js";
export { type GatewayError, gatewayError } from "./errors.js";
export * from "./gen/aggregator/v1/aggregator_service_pb.js";
export * from "./gen/aggregator/v1/balance_pb.js";
export * from "./gen/aggregator/v1/connection_pb.js";
export * from "./gen/aggregator/v1/holdings_pb.js";
export * from "./gen/aggregator/v1/institution_pb.js";
export * from "./gen/aggregator/v1/order_pb.js";
export * from "./gen/aggregator/v1/result_pb.js";
export * from "./gen/aggregator/v1/source_pb.js";
