#!/usr/bin/env node
// A smoke test of aggregator.v1.AggregatorService from Node.js: it loads the
// contract from protos/ at run time (no generated code), calls every RPC of the
// service against a gateway in sandbox mode, plus one call that must fail with
// rich error details, and prints one JSON object summarising the results.
//
//   node smoke.js --address 127.0.0.1:50051 --include ../../.venv/lib/python3.11/site-packages
//
// Exit status: 0 when every call answered as expected, 1 on any unexpected
// failure (the reason goes to stderr), 2 on bad arguments or protos not found.
'use strict';

const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const SERVICE_PROTO = 'aggregator/v1/aggregator_service.proto';
const SERVICE_NAME = 'aggregator.v1.AggregatorService';
// The same conversions for the gRPC messages and the decoded error details:
// 64-bit integers and enums as strings, unset fields left out, and the name of
// the set branch of each oneof.
const CONVERSION = { longs: String, enums: String, defaults: false, oneofs: true };
const TYPE_URL_PREFIX = 'type.googleapis.com/';

const MESH = { mesh: { institution: 'INSTITUTION_ROBINHOOD', authToken: 'node-user' } };
const MONEYKIT = { moneykit: { linkId: 'mk_sandbox_brokerage' } };
const RATE_LIMITED = { moneykit: { linkId: 'mk_sandbox_rate_limited' } };

class UsageError extends Error {}

function parseArgs(argv) {
  const options = { address: '127.0.0.1:50051', includes: [], protos: path.join(REPO_ROOT, 'protos'), deadlineSeconds: 30 };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new UsageError(`${flag} needs a value`);
      i += 1;
      return argv[i];
    };
    switch (flag) {
      case '--address': options.address = value(); break;
      case '--include': options.includes.push(path.resolve(value())); break;
      case '--protos': options.protos = path.resolve(value()); break;
      case '--deadline-seconds': options.deadlineSeconds = Number(value()); break;
      case '-h':
      case '--help':
        process.stdout.write(
          'usage: node smoke.js [--address HOST:PORT] [--include DIR]... [--protos DIR] [--deadline-seconds N]\n' +
            '  --include  a proto include dir holding google/rpc/status.proto and\n' +
            '             google/rpc/error_details.proto (default: the repo\'s\n' +
            '             .venv site-packages, where googleapis-common-protos has them)\n');
        process.exit(0);
        break;
      default:
        throw new UsageError(`unknown argument ${flag}`);
    }
  }
  if (!(options.deadlineSeconds > 0)) throw new UsageError('--deadline-seconds must be positive');
  if (options.includes.length === 0) options.includes.push(...defaultIncludes());
  const status = 'google/rpc/status.proto';
  if (!options.includes.some((dir) => fs.existsSync(path.join(dir, status)))) {
    throw new UsageError(`no --include dir holds ${status} (googleapis-common-protos ships it in site-packages)`);
  }
  if (!fs.existsSync(path.join(options.protos, SERVICE_PROTO))) {
    throw new UsageError(`${SERVICE_PROTO} not found under ${options.protos}`);
  }
  return options;
}

// The site-packages of the repo's virtual environment, if there is one.
function defaultIncludes() {
  const lib = path.join(REPO_ROOT, '.venv', 'lib');
  if (!fs.existsSync(lib)) return [];
  return fs.readdirSync(lib)
    .filter((name) => name.startsWith('python'))
    .map((name) => path.join(lib, name, 'site-packages'));
}

// The service client, from the .proto files as they are now.
function loadService(options) {
  const includeDirs = [options.protos, ...options.includes];
  const definition = protoLoader.loadSync(SERVICE_PROTO, { ...CONVERSION, keepCase: false, includeDirs });
  const loaded = grpc.loadPackageDefinition(definition);
  const Client = SERVICE_NAME.split('.').reduce((node, name) => node[name], loaded);
  const methods = Object.keys(definition[SERVICE_NAME]);
  return { Client, methods };
}

// A protobufjs root for decoding the rich error details, from the same files.
function loadDetailTypes(options) {
  const root = new protobuf.Root();
  const includeDirs = [options.protos, ...options.includes];
  root.resolvePath = (_origin, target) => {
    if (path.isAbsolute(target)) return target;
    const found = includeDirs.map((dir) => path.join(dir, target)).find((file) => fs.existsSync(file));
    return found || target;
  };
  root.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto', SERVICE_PROTO], { keepCase: false });
  root.resolveAll();
  return root;
}

function deadline(options) {
  return new Date(Date.now() + options.deadlineSeconds * 1000);
}

function unary(client, method, request, options) {
  return new Promise((resolve, reject) => {
    client[method](request, { deadline: deadline(options) }, (error, response) => {
      if (error) reject(Object.assign(error, { rpc: method }));
      else resolve(response);
    });
  });
}

function serverStream(client, method, request, options) {
  return new Promise((resolve, reject) => {
    const messages = [];
    const call = client[method](request, { deadline: deadline(options) });
    call.on('data', (message) => messages.push(message));
    call.on('error', (error) => reject(Object.assign(error, { rpc: method })));
    call.on('end', () => resolve(messages));
  });
}

// The google.rpc.Status of a failed call, from its grpc-status-details-bin
// trailer, with every detail Any unpacked into its message.
function richStatus(error, root) {
  const [bytes] = error.metadata ? error.metadata.get('grpc-status-details-bin') : [];
  if (!bytes) return null;
  const Status = root.lookupType('google.rpc.Status');
  const status = Status.decode(bytes);
  const details = status.details.map((any) => {
    // protobufjs bundles google.protobuf.Any as JSON with the proto's own field
    // names, so it is not camel-cased like the types parsed from .proto files.
    const typeUrl = any.type_url !== undefined ? any.type_url : any.typeUrl;
    if (!typeUrl || !typeUrl.startsWith(TYPE_URL_PREFIX)) throw new Error(`unexpected type URL ${typeUrl}`);
    const typeName = typeUrl.slice(TYPE_URL_PREFIX.length);
    const type = root.lookupType(typeName);
    return { typeName, message: type.toObject(type.decode(any.value), CONVERSION) };
  });
  return { code: status.code, message: status.message, details };
}

// With `oneofs: true`, every proto3 `optional` field also sets a synthetic oneof
// property (`_totalValue: "totalValue"`); they say nothing more, so drop them.
function withoutSyntheticOneofs(value) {
  if (Array.isArray(value)) return value.map(withoutSyntheticOneofs);
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
  const copy = {};
  for (const [key, field] of Object.entries(value)) {
    const synthetic = key.startsWith('_') && field === key.slice(1) && key.slice(1) in value;
    if (!synthetic) copy[key] = withoutSyntheticOneofs(field);
  }
  return copy;
}

function durationSeconds(duration) {
  if (!duration) return undefined;
  return Number(duration.seconds || 0) + (duration.nanos || 0) / 1e9;
}

function entrySummary(entry) {
  const summary = {
    connectionIndex: entry.connectionIndex || 0,
    provider: entry.provider,
    result: entry.result,
  };
  if (entry.institution) summary.institution = entry.institution;
  if (entry.linkId) summary.linkId = entry.linkId;
  if (entry.result === 'data') {
    // Unset (not reported) values stay absent from the summary, never zero.
    summary.totalValue = entry.data.value && entry.data.value.totalValue;
    summary.currency = entry.data.value && entry.data.value.currency;
    summary.holdings = ((entry.data.holdings && entry.data.holdings.holdings) || []).length;
  } else if (entry.result === 'error') {
    summary.error = { code: entry.error.code || 0, message: entry.error.message };
  }
  return summary;
}

function summarySummary(summary) {
  return {
    succeeded: summary.succeeded || 0,
    failed: summary.failed || 0,
    positions: (summary.positions || []).length,
    totals: (summary.totals || []).map((total) => ({ currency: total.currency, value: total.value })),
  };
}

async function run(options) {
  const { Client, methods } = loadService(options);
  const root = loadDetailTypes(options);
  const client = new Client(options.address, grpc.credentials.createInsecure());
  const results = {};
  try {
    const value = await unary(client, 'GetHoldingsValue', { connection: MESH }, options);
    results.GetHoldingsValue = withoutSyntheticOneofs(value);

    const cancel = await unary(client, 'CancelOrder', { connection: MESH, orderId: 'order-1' }, options);
    results.CancelOrder = cancel;

    const holdings = await unary(client, 'GetHoldings', { connection: MONEYKIT }, options);
    results.GetHoldings = {
      linkId: holdings.link && holdings.link.linkId,
      holdings: (holdings.holdings || []).length,
      securities: (holdings.securities || []).length,
      accounts: (holdings.accounts || []).length,
      result: holdings.result,
      source: holdings.source,
    };

    const institutions = await unary(client, 'ListInstitutions', {}, options);
    results.ListInstitutions = {
      institutions: (institutions.institutions || []).length,
      providers: (institutions.providers || []).map((provider) => provider.provider),
    };

    const connections = [MESH, MONEYKIT];
    const portfolio = await unary(client, 'GetPortfolio', { connections }, options);
    results.GetPortfolio = {
      entries: (portfolio.entries || []).map(entrySummary),
      summary: summarySummary(portfolio.summary || {}),
    };

    const messages = await serverStream(client, 'StreamPortfolio', { connections }, options);
    results.StreamPortfolio = {
      messages: messages.map((message) => (message.item === 'summary'
        ? { item: 'summary', ...summarySummary(message.summary) }
        : { item: message.item, ...entrySummary(message.entry) })),
    };

    results.GetOrder = await outcome(client, 'GetOrder', { connection: MESH, orderId: 'order-1' }, options);
    results.ListOrders = await outcome(client, 'ListOrders', { connection: MESH, pageSize: 2 }, options);
    results.RefreshConnection = await outcome(client, 'RefreshConnection', { connection: MONEYKIT }, options);
    results.GetBalances = await outcome(client, 'GetBalances', { connection: MESH }, options);
    results.ListInvestmentTransactions = await outcome(client, 'ListInvestmentTransactions', {
      connection: MONEYKIT, startDate: '2023-01-01', endDate: '2023-12-31',
    }, options);

    results.error = await expectRateLimited(client, root, options);
  } finally {
    client.close();
  }
  const missing = methods.filter((method) => !(method in results));
  if (missing.length > 0) throw new Error(`the smoke test does not call ${missing.join(', ')}`);
  results.rpcs = methods;
  return results;
}

// The answer of a call, or the status code it failed with: what the smoke test reports of the
// RPCs it only calls to show the client reaches them.
async function outcome(client, method, request, options) {
  try {
    return { ok: withoutSyntheticOneofs(await unary(client, method, request, options)) };
  } catch (error) {
    if (typeof error.code !== 'number') throw error;
    return { code: error.code };
  }
}

// GetHoldings of the sandbox's rate-limited link must fail with
// RESOURCE_EXHAUSTED and a google.rpc.Status carrying the rich details.
async function expectRateLimited(client, root, options) {
  let error;
  try {
    await unary(client, 'GetHoldings', { connection: RATE_LIMITED }, options);
  } catch (caught) {
    error = caught;
  }
  if (!error) throw new Error('GetHoldings of mk_sandbox_rate_limited succeeded; expected RESOURCE_EXHAUSTED');
  if (error.code !== grpc.status.RESOURCE_EXHAUSTED) throw error;
  const status = richStatus(error, root);
  if (!status) throw new Error('the RESOURCE_EXHAUSTED error carries no grpc-status-details-bin trailer');
  if (status.code !== error.code) throw new Error(`google.rpc.Status code ${status.code} is not the call's ${error.code}`);
  const find = (typeName) => {
    const detail = status.details.find((d) => d.typeName === typeName);
    return detail && detail.message;
  };
  const retryInfo = find('google.rpc.RetryInfo');
  const summary = {
    code: error.code,
    codeName: grpc.status[error.code],
    message: error.details,
    statusMessage: status.message,
    detailTypes: status.details.map((detail) => detail.typeName),
    errorInfo: find('google.rpc.ErrorInfo'),
    retryDelaySeconds: durationSeconds(retryInfo && retryInfo.retryDelay),
    envelope: find('aggregator.v1.ResultEnvelope'),
  };
  const localized = find('google.rpc.LocalizedMessage');
  if (localized) summary.localizedMessage = localized;
  return summary;
}

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`smoke.js: ${error.message}\n`);
    return 2;
  }
  try {
    const results = await run(options);
    process.stdout.write(`${JSON.stringify(results)}\n`);
    return 0;
  } catch (error) {
    const rpc = error.rpc ? ` of ${error.rpc}` : '';
    const code = error.code !== undefined ? ` (gRPC code ${error.code} ${grpc.status[error.code] || ''})` : '';
    process.stderr.write(`smoke.js: unexpected failure${rpc}${code}: ${error.stack || error.message}\n`);
    return 1;
  }
}

main().then((code) => { process.exitCode = code; });
