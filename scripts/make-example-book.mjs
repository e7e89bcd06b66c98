#!/usr/bin/env node
/**
 * Builds examples/book.json (DESIGN §3) from real Deribit data of 2026-08-22 15:33:51 UTC.
 *
 *   node scripts/make-example-book.mjs [path/to/deribit-btc-eth-options-20260822T153351Z-chain.csv]
 *
 * With the full chain (default: the team copy in /work/shared/data/options, provenance in
 * shared/data/SOURCES.md) it first cuts the slice the book needs into examples/data/ (rows and columns
 * only, cells copied as text). Without it (a fresh clone) it builds from that committed slice.
 * Either way the book comes from examples/data/ only, so the output is the same.
 *
 * Market: each coin's index is the index_price of its first row in the source file (the first ticker
 * call after the summary), each expiry's forward the median `underlying` of that expiry's rows (an
 * actual cell: the lower median). Options carry vol = implied_volatility (Deribit mark_iv / 100).
 * The file has no USDC-settled options: the two BTC_USDC options take the vol of the inverse option
 * with the same expiry and strike. Quantities follow Deribit: inverse options in coins (1 coin per
 * contract), inverse futures/perpetuals in USD face, _USDC instruments in coins.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dataDir = join(root, "examples", "data");
const FULL_CHAIN = process.argv[2] ?? "/work/shared/data/options/deribit-btc-eth-options-20260822T153351Z-chain.csv";
const OPTIONS_SLICE = join(dataDir, "deribit-btc-eth-options-20260822T153351Z-book-options.csv");
const FORWARDS_SLICE = join(dataDir, "deribit-btc-eth-options-20260822T153351Z-forwards.csv");

const VALUATION_TIME = "2026-08-22T15:33:51Z";

// ---------------------------------------------------------------------------------------------
// The accounts. Inverse option quantities: coins; inverse futures/perps: USD face; _USDC: coins.
// "HEDGE" is replaced by the BTC-PERPETUAL amount that flattens the account's BTC delta.
// ---------------------------------------------------------------------------------------------
const ACCOUNTS = [
  {
    id: "covered-call",
    currency: "USD",
    collateral: { BTC: 5 },
    positions: { "BTC-25SEP26-90000-C": -5 },
  },
  {
    id: "short-strangle",
    currency: "USD",
    collateral: { USDC: 250_000 },
    positions: { "BTC-25SEP26-65000-P": -5, "BTC-25SEP26-90000-C": -5 },
  },
  {
    id: "calendar-spread",
    currency: "USD",
    collateral: { USDC: 150_000 },
    positions: {
      "BTC-25SEP26-80000-C": -4,
      "BTC-25DEC26-80000-C": 4,
      "ETH-25SEP26-2600-C": -20,
      "ETH-25DEC26-2600-C": 20,
    },
  },
  {
    id: "delta-hedged-book",
    currency: "USD",
    collateral: { USDC: 600_000 },
    positions: {
      "BTC-28AUG26-77000-C": 20,
      "BTC-28AUG26-77000-P": 20,
      "BTC-11SEP26-75000-P": 10,
      "BTC-30OCT26-70000-P": -15,
      "BTC-25DEC26-100000-C": -10,
      "BTC-26MAR27-80000-C": 8,
      "BTC-PERPETUAL": "HEDGE",
    },
  },
  {
    id: "perp-trader",
    currency: "USD",
    collateral: { USDC: 50_000, BTC: 0.5 },
    positions: { "BTC-PERPETUAL": 200_000, "ETH-PERPETUAL": -60_000, "BTC_USDC-PERPETUAL": 1.2 },
  },
  {
    id: "coin-margined-btc",
    currency: "BTC",
    collateral: { BTC: 3 },
    positions: { "BTC-25SEP26": -150_000, "BTC-25SEP26-95000-C": -1, "BTC-25SEP26-70000-P": 1 },
  },
  {
    id: "usdc-linear",
    currency: "USD",
    collateral: { USDC: 100_000 },
    positions: { "BTC_USDC-PERPETUAL": -1.5, "BTC_USDC-25SEP26-80000-C": 3, "BTC_USDC-25SEP26-70000-P": -2 },
  },
];

/** Instruments listed for browsing although no account holds them (ATM strikes across the curve). */
const EXTRA_OPTIONS = [
  "BTC-4SEP26-77000-C", "BTC-4SEP26-77000-P", "BTC-25SEP26-77000-C", "BTC-25SEP26-77000-P",
  "BTC-25JUN27-80000-C", "ETH-25SEP26-2400-C", "ETH-25SEP26-2400-P", "ETH-25SEP26-2200-P",
  "ETH-25DEC26-2000-P", "ETH-25JUN27-2500-C",
];
const DELTA_ONE = ["BTC-PERPETUAL", "ETH-PERPETUAL", "BTC-25SEP26", "BTC_USDC-PERPETUAL"];

// ---------------------------------------------------------------------------------------------

function readCsv(path) {
  const [head, ...lines] = readFileSync(path, "utf8").trim().split("\n");
  const cols = head.split(",");
  return lines.map((l) => {
    const v = l.split(",");
    if (v.length !== cols.length) throw new Error(`${path}: ragged row`);
    return Object.fromEntries(cols.map((c, i) => [c, v[i]]));
  });
}

function writeCsv(path, cols, rows) {
  writeFileSync(path, `${cols.join(",")}\n${rows.map((r) => cols.map((c) => r[c]).join(",")).join("\n")}\n`);
  console.log(`wrote ${path} (${rows.length} rows)`);
}

const isOptionName = (id) => /-[CP]$/.test(id);
/** The inverse option whose row gives an instrument's vol (itself, or the same option without _USDC). */
const sourceOption = (id) => id.replace("_USDC", "");

function neededOptions() {
  const ids = new Set(EXTRA_OPTIONS);
  for (const a of ACCOUNTS) for (const id of Object.keys(a.positions)) if (isOptionName(id)) ids.add(id);
  return ids;
}

/** Cut examples/data/ from the full chain. */
function cutSlice(fullPath) {
  const rows = readCsv(fullPath);
  const stamps = new Set(rows.map((r) => r.timestamp));
  if (stamps.size !== 1) throw new Error("expected one timestamp in the chain file");
  mkdirSync(dataDir, { recursive: true });

  const wanted = new Set([...neededOptions()].map(sourceOption));
  const optionCols = ["timestamp", "instrument_name", "currency", "option_type", "strike", "expiry_datetime",
    "underlying", "futures_instrument_name", "index_price", "mark_price", "implied_volatility", "delta", "vega"];
  const picked = rows.filter((r) => wanted.has(r.instrument_name));
  const missing = [...wanted].filter((id) => !picked.some((r) => r.instrument_name === id));
  if (missing.length) throw new Error(`not in the chain: ${missing.join(", ")}`);
  writeCsv(OPTIONS_SLICE, optionCols, picked);

  // One row per (currency, expiry): the row holding the chain's lower-median `underlying`, plus the
  // index of the currency's first row in the file.
  const firstIndex = new Map();
  const chains = new Map();
  for (const r of rows) {
    if (!firstIndex.has(r.currency)) firstIndex.set(r.currency, r.index_price);
    const key = `${r.currency} ${r.expiry_datetime}`;
    if (!chains.has(key)) chains.set(key, []);
    chains.get(key).push(r);
  }
  const fwdRows = [];
  for (const chain of chains.values()) {
    const sorted = [...chain].sort((a, b) => Number(a.underlying) - Number(b.underlying));
    const med = sorted[Math.floor((sorted.length - 1) / 2)];
    fwdRows.push({
      timestamp: med.timestamp,
      currency: med.currency,
      expiry_datetime: med.expiry_datetime,
      futures_instrument_name: med.futures_instrument_name,
      underlying: med.underlying,
      first_row_index_price: firstIndex.get(med.currency),
    });
  }
  fwdRows.sort((a, b) => a.currency.localeCompare(b.currency) || a.expiry_datetime.localeCompare(b.expiry_datetime));
  writeCsv(FORWARDS_SLICE, ["timestamp", "currency", "expiry_datetime", "futures_instrument_name", "underlying", "first_row_index_price"], fwdRows);
}

const isoZ = (s) => new Date(s).toISOString().replace(".000Z", "Z");

function buildBook() {
  const opts = new Map(readCsv(OPTIONS_SLICE).map((r) => [r.instrument_name, r]));
  const fwds = readCsv(FORWARDS_SLICE);

  const markets = {};
  for (const f of fwds) {
    const m = (markets[f.currency] ??= { index: Number(f.first_row_index_price), rate: 0, forwards: {} });
    m.forwards[isoZ(f.expiry_datetime)] = Number(f.underlying);
  }

  const instruments = [];
  const seen = new Set();
  const add = (inst) => {
    if (!seen.has(inst.id)) {
      seen.add(inst.id);
      instruments.push(inst);
    }
  };
  for (const id of DELTA_ONE) add({ id });
  const optionIds = [...neededOptions()].sort((a, b) => {
    const ra = opts.get(sourceOption(a));
    const rb = opts.get(sourceOption(b));
    return a.split("-")[0].localeCompare(b.split("-")[0]) || ra.expiry_datetime.localeCompare(rb.expiry_datetime) ||
      Number(ra.strike) - Number(rb.strike) || ra.option_type.localeCompare(rb.option_type);
  });
  // mark_iv has 2 decimals in percent; rounding to 4 decimals drops float noise such as 0.39880000000000004
  for (const id of optionIds) add({ id, vol: Number(Number(opts.get(sourceOption(id)).implied_volatility).toFixed(4)) });

  // Delta hedge with BTC-PERPETUAL from the exchange's deltas: Deribit's delta is ∂V/∂F, riskgrid's
  // ∂V/∂index = ∂V/∂F · F/index; the options' delta in coins becomes USD face (an inverse perpetual of
  // face Q has delta Q/index), rounded to Deribit's $10 step. Collateral is not hedged.
  const btcIndex = markets.BTC.index;
  const accounts = ACCOUNTS.map((a) => {
    const positions = {};
    for (const [id, q] of Object.entries(a.positions)) {
      if (q !== "HEDGE") positions[id] = q;
    }
    if (Object.values(a.positions).includes("HEDGE")) {
      let delta = 0;
      for (const [id, q] of Object.entries(positions)) {
        if (!isOptionName(id) || !id.startsWith("BTC-")) continue;
        const row = opts.get(id);
        const F = markets.BTC.forwards[isoZ(row.expiry_datetime)];
        delta += q * Number(row.delta) * (F / btcIndex);
      }
      positions["BTC-PERPETUAL"] = -Math.round((delta * btcIndex) / 10) * 10;
    }
    return { id: a.id, currency: a.currency, collateral: a.collateral, positions };
  });

  return {
    valuationTime: VALUATION_TIME,
    markets,
    instruments,
    accounts,
    risk: { presets: ["standard", "deribit-pm"], overrides: {} },
  };
}

if (existsSync(FULL_CHAIN)) cutSlice(FULL_CHAIN);
else console.log(`${FULL_CHAIN} not found: building from the committed slice in examples/data/`);
const book = buildBook();
const out = join(root, "examples", "book.json");
writeFileSync(out, `${JSON.stringify(book, null, 2)}\n`);
console.log(`wrote ${out}: ${book.instruments.length} instruments, ${book.accounts.length} accounts`);
