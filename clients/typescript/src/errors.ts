// A failed call's google.rpc.Status details, decoded with the generated types. connect-node
// reads the grpc-status-details-bin trailer; each detail is unpacked here by its type.
import { ConnectError, Code } from "@connectrpc/connect";

import { type ResultEnvelope, ResultEnvelopeSchema } from "./gen/aggregator/v1/result_pb.js";
import {
  type BadRequest_FieldViolation,
  type ErrorInfo,
  BadRequestSchema,
  ErrorInfoSchema,
  LocalizedMessageSchema,
  RetryInfoSchema,
} from "./gen/google/rpc/error_details_pb.js";

export interface GatewayError {
  /** The gRPC status code, and its canonical name (`RESOURCE_EXHAUSTED`). */
  code: Code;
  codeName: string;
  /** The status message, for developers. */
  message: string;
  /** `google.rpc.ErrorInfo`: an UPPER_SNAKE `reason`, the `domain`, `metadata`. */
  errorInfo?: ErrorInfo;
  /** `google.rpc.LocalizedMessage`: text meant for the end user, when the upstream gave one. */
  localizedMessage?: string;
  /** `google.rpc.RetryInfo`: how long to wait before trying again. */
  retryDelaySeconds?: number;
  /** `google.rpc.BadRequest`: which request fields are wrong, and why. */
  fieldViolations: BadRequest_FieldViolation[];
  /** The upstream's status envelope. */
  envelope?: ResultEnvelope;
  /** The fully qualified type of every detail, in the order sent. */
  detailTypes: string[];
}

export function gatewayError(error: unknown): GatewayError {
  const failure = ConnectError.from(error);
  const [errorInfo] = failure.findDetails(ErrorInfoSchema);
  const [localized] = failure.findDetails(LocalizedMessageSchema);
  const [retry] = failure.findDetails(RetryInfoSchema);
  const [badRequest] = failure.findDetails(BadRequestSchema);
  const [envelope] = failure.findDetails(ResultEnvelopeSchema);
  const delay = retry?.retryDelay;
  return {
    code: failure.code,
    codeName: canonicalName(failure.code),
    message: failure.rawMessage,
    errorInfo,
    localizedMessage: localized?.message,
    retryDelaySeconds: delay === undefined ? undefined : Number(delay.seconds) + delay.nanos / 1e9,
    fieldViolations: badRequest?.fieldViolations ?? [],
    envelope,
    detailTypes: failure.details.map((detail) => ("desc" in detail ? detail.desc.typeName : detail.type)),
  };
}

/** `ResourceExhausted` as gRPC spells it: `RESOURCE_EXHAUSTED`. */
function canonicalName(code: Code): string {
  return Code[code].replace(/(?<=[a-z])(?=[A-Z])/g, "_").toUpperCase();
}
