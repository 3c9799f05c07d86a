// A smoke test of the typed client: it calls every RPC of aggregator.v1.AggregatorService
// against a gateway in sandbox mode, plus calls that must fail with rich details, and prints
// one JSON object summarising the answers (messages in their proto3 JSON form).
//
//   node dist/smoke.js --address 127.0.0.1:50051
//
// Exit status: 0 when every call answered as expected; 1 on any unexpected failure, including
// an RPC of the service that is not called here (the reason goes to stderr); 2 on bad arguments.
import { create, enumToJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";

import {
  AggregatorService,
  type AggregatorClient,
  type PortfolioEntry,
  type PortfolioSummary,
  ConnectionSchema,
  GetHoldingsValueResponseSchema,
  CancelOrderResponseSchema,
  GetBalancesResponseSchema,
  GetOrderResponseSchema,
  OrderStatusSchema,
  ResultEnvelopeSchema,
  DataSourceSchema,
  RefreshStateSchema,
  Institution,
  InstitutionSchema,
  ProviderSchema,
  createAggregatorClient,
  gatewayError,
} from "./index.js";

const MESH = create(ConnectionSchema, {
  provider: { case: "mesh", value: { institution: Institution.ROBINHOOD, authToken: "typescript-user" } },
});
const MONEYKIT = create(ConnectionSchema, {
  provider: { case: "moneykit", value: { linkId: "mk_sandbox_brokerage" } },
});
const BALANCES = create(ConnectionSchema, {
  provider: { case: "moneykit", value: { linkId: "mk_sandbox_balances" } },
});
const BALANCES_ETH_WALLET = "acc_6Nc2Lq8WzK4vTb9XmR3pJh";
const RATE_LIMITED = create(ConnectionSchema, {
  provider: { case: "moneykit", value: { linkId: "mk_sandbox_rate_limited" } },
});

class UsageError extends Error {}

class UnexpectedAnswer extends Error {
  constructor(
    readonly rpc: string,
    message: string,
  ) {
    super(message);
  }
}

function parseAddress(argv: string[]): string {
  let address = "127.0.0.1:50051";
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === "--address" && i + 1 < argv.length) {
      address = argv[i + 1];
      i += 1;
    } else {
      throw new UsageError(`unknown argument ${argv[i]} (usage: smoke.js [--address HOST:PORT])`);
    }
  }
  return address;
}

async function call<T>(rpc: string, answer: () => Promise<T>): Promise<T> {
  try {
    return await answer();
  } catch (error) {
    const failure = gatewayError(error);
    throw new UnexpectedAnswer(rpc, `${failure.codeName}: ${failure.message}`);
  }
}

function entrySummary(entry: PortfolioEntry): Record<string, JsonValue> {
  const summary: Record<string, JsonValue> = {
    connectionIndex: entry.connectionIndex,
    provider: enumToJson(ProviderSchema, entry.provider),
    result: entry.result.case ?? "none",
  };
  if (entry.institution !== Institution.UNSPECIFIED) summary.institution = enumToJson(InstitutionSchema, entry.institution);
  if (entry.linkId) summary.linkId = entry.linkId;
  if (entry.result.case === "data") {
    const value = entry.result.value.value;
    if (value?.totalValue !== undefined) summary.totalValue = value.totalValue;
    if (value?.currency) summary.currency = value.currency;
    summary.holdings = entry.result.value.holdings?.holdings.length ?? 0;
  } else if (entry.result.case === "error") {
    summary.error = { code: entry.result.value.code, message: entry.result.value.message };
  }
  return summary;
}

function summarySummary(summary: PortfolioSummary | undefined): Record<string, JsonValue> {
  return {
    succeeded: summary?.succeeded ?? 0,
    failed: summary?.failed ?? 0,
    positions: summary?.positions.length ?? 0,
    totals: (summary?.totals ?? []).map((total) => ({ currency: total.currency, value: total.value ?? null })),
  };
}

async function expectFailure(rpc: string, expected: Code, attempt: () => Promise<unknown>) {
  try {
    await attempt();
  } catch (error) {
    const failure = gatewayError(error);
    if (failure.code !== expected) {
      throw new UnexpectedAnswer(rpc, `${failure.codeName}: ${failure.message}; expected ${Code[expected]}`);
    }
    return failure;
  }
  throw new UnexpectedAnswer(rpc, `succeeded; expected ${Code[expected]}`);
}

async function run(client: AggregatorClient): Promise<Record<string, JsonValue>> {
  const results: Record<string, JsonValue> = {};

  const value = await call("GetHoldingsValue", () => client.getHoldingsValue({ connection: MESH }));
  results.GetHoldingsValue = toJson(GetHoldingsValueResponseSchema, value);

  const cancel = await call("CancelOrder", () => client.cancelOrder({ connection: MESH, orderId: "order-1" }));
  results.CancelOrder = toJson(CancelOrderResponseSchema, cancel);

  const holdings = await call("GetHoldings", () => client.getHoldings({ connection: MONEYKIT }));
  results.GetHoldings = {
    linkId: holdings.link?.linkId ?? null,
    holdings: holdings.holdings.length,
    securities: holdings.securities.length,
    accounts: holdings.accounts.length,
    result: holdings.result ? toJson(ResultEnvelopeSchema, holdings.result) : null,
    source: holdings.source ? toJson(DataSourceSchema, holdings.source) : null,
  };

  const institutions = await call("ListInstitutions", () => client.listInstitutions({}));
  results.ListInstitutions = {
    institutions: institutions.institutions.length,
    providers: institutions.providers.map((provider) => enumToJson(ProviderSchema, provider.provider)),
  };

  const connections = [MESH, MONEYKIT];
  const portfolio = await call("GetPortfolio", () => client.getPortfolio({ connections }));
  results.GetPortfolio = {
    entries: portfolio.entries.map(entrySummary),
    summary: summarySummary(portfolio.summary),
  };

  const messages: JsonValue[] = [];
  await call("StreamPortfolio", async () => {
    for await (const message of client.streamPortfolio({ connections })) {
      if (message.item.case === "summary") {
        messages.push({ item: "summary", ...summarySummary(message.item.value) });
      } else if (message.item.case === "entry") {
        messages.push({ item: "entry", ...entrySummary(message.item.value) });
      }
    }
  });
  results.StreamPortfolio = { messages };

  const headers: string[] = [];
  const info = await call("GetServerInfo", () =>
    client.getServerInfo({}, { onHeader: (header) => headers.push(header.get("aggregator-version") ?? "") }),
  );
  results.GetServerInfo = { version: info.version, versionHeader: headers[0] ?? null };

  const order = await call("GetOrder", () =>
    client.getOrder({ connection: MESH, orderId: "9B5827E4-7D08-4A71-B4C0-B1B4E5562592", isCryptocurrency: true }),
  );
  results.GetOrder = toJson(GetOrderResponseSchema, order);
  const pages: JsonValue[] = [];
  let pageToken = "";
  for (let page = 0; page < 10; page += 1) {
    const listed = await call("ListOrders", () => client.listOrders({ connection: MESH, pageSize: 4, pageToken }));
    pages.push(listed.orders.map((listedOrder) => enumToJson(OrderStatusSchema, listedOrder.status)));
    pageToken = listed.nextPageToken;
    if (!pageToken) break;
  }
  results.ListOrders = { pages };
  const confirmed = await call("CancelOrder", () =>
    client.cancelOrder({ connection: MESH, orderId: "order-2", confirm: true }),
  );
  results.ConfirmedCancelOrder = toJson(CancelOrderResponseSchema, confirmed);
  const refreshed = await call("RefreshConnection", () =>
    client.refreshConnection({ connection: MONEYKIT, wait: true }),
  );
  results.RefreshConnection = {
    state: enumToJson(RefreshStateSchema, refreshed.state),
    refreshedAfterPrevious:
      (refreshed.refreshedAt?.seconds ?? 0n) > (refreshed.previousRefreshedAt?.seconds ?? 0n),
  };
  const meshBalances = await call("GetBalances", () => client.getBalances({ connection: MESH }));
  const moneykitBalances = await call("GetBalances", () =>
    client.getBalances({ connection: BALANCES, accountIds: [BALANCES_ETH_WALLET] }),
  );
  results.GetBalances = {
    mesh: toJson(GetBalancesResponseSchema, meshBalances),
    moneykit: toJson(GetBalancesResponseSchema, moneykitBalances),
  };
  const listing = { connection: MONEYKIT, startDate: "2024-01-01", endDate: "2024-03-31", pageSize: 4 };
  const transactionPages: number[] = [];
  let transactionToken = "";
  let firstTransaction: JsonValue = null;
  do {
    const page = await call("ListInvestmentTransactions", () =>
      client.listInvestmentTransactions({ ...listing, pageToken: transactionToken }),
    );
    transactionPages.push(page.transactions.length);
    firstTransaction ??= page.transactions[0]
      ? { id: page.transactions[0].transactionId, amount: page.transactions[0].amount ?? null }
      : null;
    transactionToken = page.nextPageToken;
  } while (transactionToken && transactionPages.length < 10);
  results.ListInvestmentTransactions = { pages: transactionPages, first: firstTransaction };

  const limited = await expectFailure("GetHoldings", Code.ResourceExhausted, () =>
    client.getHoldings({ connection: RATE_LIMITED }),
  );
  results.error = {
    code: limited.code,
    codeName: limited.codeName,
    message: limited.message,
    detailTypes: limited.detailTypes,
    errorInfo: limited.errorInfo
      ? { reason: limited.errorInfo.reason, domain: limited.errorInfo.domain, metadata: limited.errorInfo.metadata }
      : null,
    retryDelaySeconds: limited.retryDelaySeconds ?? null,
    envelope: limited.envelope ? toJson(ResultEnvelopeSchema, limited.envelope) : null,
  };

  const invalid = await expectFailure("CancelOrder", Code.InvalidArgument, () =>
    client.cancelOrder({ connection: MESH, orderId: "" }),
  );
  results.badRequest = {
    codeName: invalid.codeName,
    reason: invalid.errorInfo?.reason ?? null,
    fieldViolations: invalid.fieldViolations.map((violation) => ({
      field: violation.field,
      description: violation.description,
    })),
  };

  const rpcs = AggregatorService.methods.map((method) => method.name);
  const missing = rpcs.filter((rpc) => !(rpc in results));
  if (missing.length > 0) throw new UnexpectedAnswer(missing[0], "is not called by the smoke test");
  results.rpcs = rpcs;
  return results;
}

async function main(): Promise<number> {
  let address: string;
  try {
    address = parseAddress(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`smoke.js: ${(error as Error).message}\n`);
    return 2;
  }
  try {
    const results = await run(createAggregatorClient({ address, defaultTimeoutMs: 30_000 }));
    process.stdout.write(`${JSON.stringify(results)}\n`);
    return 0;
  } catch (error) {
    const rpc = error instanceof UnexpectedAnswer ? ` of ${error.rpc}` : "";
    const reason = error instanceof ConnectError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`smoke.js: unexpected failure${rpc}: ${reason}\n`);
    return 1;
  }
}

process.exitCode = await main();
