// Typed calls and a rich error, from the README's "Clients" section.
import { create } from "@bufbuild/protobuf";

import { ConnectionSchema, Institution, createAggregatorClient, gatewayError } from "./index.js";

const client = createAggregatorClient({ address: process.argv[2] ?? "127.0.0.1:50051" });
const robinhood = create(ConnectionSchema, {
  provider: { case: "mesh", value: { institution: Institution.ROBINHOOD, authToken: "my-token" } },
});

const value = await client.getHoldingsValue({ connection: robinhood });
console.log("total value", value.totalValue, value.currency);

const institutions = await client.listInstitutions({});
console.log("institutions", institutions.institutions.length);

try {
  await client.getHoldings({
    connection: { provider: { case: "moneykit", value: { linkId: "mk_sandbox_rate_limited" } } },
  });
} catch (error) {
  const failure = gatewayError(error);
  console.log(failure.codeName, failure.errorInfo?.reason, "retry after", failure.retryDelaySeconds, "s");
}
