/**
 * The engine: one kernel, and `evaluate(book)` → Report (DESIGN §6).
 */
import type { Kernel } from "../kernel/abi.js";
import { GREEKS, N_GREEKS } from "../kernel/abi.js";
import { parseBook } from "../book/index.js";
import { RiskError } from "../errors.js";
import { defaultGrid } from "../scenarios/grid.js";
import type { ScenarioSet } from "../scenarios/scenario-set.js";
import type { Book, BookInput } from "../types.js";
import type { PriceHistory } from "../history/csv.js";
import { accountMatrix, assetPriceUsd } from "./account-matrix.js";
import { type GridRun, layoutAccounts, runGrid } from "./grid-run.js";
import { buildInstrumentTable, markPrice } from "./instrument-table.js";
import { getPreset } from "../margin/registry.js";
import type { MarginResult, PresetContext } from "../margin/types.js";
import { collateralLines } from "../margin/collateral.js";
import type {
  AccountReport, AccountStatus, CapitalEfficiencyRow, GreekSet, InstrumentReport, Report, WorstLoss,
} from "../report/types.js";
import "../margin/presets.js";
import { Session, type SessionOptions } from "../session/session.js";

export interface EvaluateOptions {
  /** Portfolio presets to evaluate (besides standard's isolated and cross). Default: the book's risk.presets. */
  presets?: string[];
  /** Daily price history for the `var` preset (parsePriceCsv / loadPriceHistory). */
  history?: PriceHistory | null;
}

const zeroGreeks = (): GreekSet => ({ delta: 0, gamma: 0, vega: 0, theta: 0, rho: 0 });

export function statusOf(equity: number, im: number, mm: number): AccountStatus {
  if (equity < 0) return "bankrupt";
  if (equity < mm) return "liquidation";
  if (equity < im) return "restricted";
  return "healthy";
}

export class Engine {
  constructor(readonly kernel: Kernel) {}

  get backend(): string {
    return this.kernel.backend;
  }

  /** Validate a book (JSON text or object) without evaluating it. */
  parse(input: string | BookInput | unknown): Book {
    return parseBook(input);
  }

  /**
   * Open a tick session over a book (deribit-pm on every account): lay it out once, update markets,
   * positions and collateral in place, re-evaluate without re-marshalling.
   */
  open(input: string | BookInput | unknown, options: SessionOptions = {}): Session {
    return new Session(this, this.kernel, parseBook(input), options);
  }

  /** Prepare the shared context presets and finer calls work on. */
  context(book: Book, options: EvaluateOptions = {}): PresetContext {
    const table = buildInstrumentTable(book);
    const layout = layoutAccounts(table, book.accounts);
    const run = (set: ScenarioSet): GridRun => runGrid(this.kernel, table, layout, set);
    const base = run(defaultGrid(table.underlyings));
    return {
      book, table, layout, kernel: this.kernel, overrides: book.risk.overrides, base, run,
      matrix: (r, k) => accountMatrix(r, k, book.accounts[k]),
      history: options.history ?? null,
    };
  }

  evaluate(input: string | BookInput | unknown, options: EvaluateOptions = {}): Report {
    try {
      return this.evaluateBook(parseBook(input), options);
    } catch (e) {
      if (e instanceof RiskError) throw e;
      throw new RiskError("E_INTERNAL", "", `internal error: ${(e as Error).message}`);
    }
  }

  evaluateBook(book: Book, options: EvaluateOptions = {}): Report {
    const requested = options.presets ?? book.risk.presets;
    const presets = ["standard", ...requested.filter((p) => p !== "standard")];
    presets.forEach((p) => getPreset(p));
    const ctx = this.context(book, options);
    const { table, base } = ctx;

    const instruments: InstrumentReport[] = table.instruments.map((x, i) => ({
      id: x.id, kind: x.kind, underlying: x.underlying, settlement: x.settlement,
      price: markPrice(table, i, base.value[i]), value: base.value[i], forward: table.fwd[i], tau: table.tau[i],
      vol: x.kind === "option" ? x.vol! : null,
      delta: base.delta[i], gamma: base.gamma[i], vega: base.vega[i], theta: base.theta[i], rho: base.rho[i],
    }));

    const margins: MarginResult[][] = book.accounts.map(() => []);
    for (const name of presets) {
      getPreset(name).evaluate(ctx).forEach((list, k) => margins[k].push(...list));
    }
    const primaryKey = requested.length === 0 || requested[0] === "standard" ? "cross" : requested[0];

    const accounts: AccountReport[] = book.accounts.map((acct, k) => {
      const m = ctx.matrix(base, k);
      const toAcct = assetPriceUsd(book, acct.currency);
      const collateralValue = collateralLines(book, acct, book.risk.overrides)
        .reduce((s, l) => s + l.valueUsd * l.weight, 0) / toAcct;
      const equity = collateralValue + m.positionsValue;
      const margin: Record<string, MarginResult> = {};
      for (const r of margins[k]) margin[r.model] = r;
      const primary = margin[primaryKey];
      const iso = margin.isolated?.initial ?? NaN;
      const capitalEfficiency: CapitalEfficiencyRow[] = Object.values(margin).map((r) => ({
        model: r.model, initial: r.initial, released: iso - r.initial,
        releasedPct: iso > 0 ? (iso - r.initial) / iso : 0,
      }));
      return {
        id: acct.id, currency: acct.currency, equity, collateralValue, positionsValue: m.positionsValue,
        greeks: accountGreeks(ctx, base, k),
        gridWorst: gridWorst(m.rows, m.pnl, m.nScen, base.set),
        margin, primaryModel: primaryKey,
        status: statusOf(equity, primary.initial, primary.maintenance),
        marginRatio: primary.maintenance > 0 ? equity / primary.maintenance : null,
        capitalEfficiency,
      };
    });
    return {
      valuationTime: new Date(book.valuationTime).toISOString(), backend: this.kernel.backend, presets,
      instruments, accounts,
    };
  }
}

function accountGreeks(ctx: PresetContext, run: GridRun, k: number): AccountReport["greeks"] {
  const B = Math.max(1, ctx.table.buckets.length);
  const byUnderlying: Record<string, GreekSet> = {};
  const byExpiry: AccountReport["greeks"]["byExpiry"] = {};
  const held = new Set(ctx.book.accounts[k].positions.map((p) => ctx.table.indexOf.get(p.instrument)!)
    .map((i) => ctx.table.bucketOf[i]));
  ctx.table.buckets.forEach((b, bi) => {
    if (!held.has(bi)) return;
    const g = run.greeks.subarray((k * B + bi) * N_GREEKS, (k * B + bi + 1) * N_GREEKS);
    const row = { underlying: b.underlying, expiry: b.spot ? "spot" : b.expiry === null ? "perpetual" : new Date(b.expiry).toISOString(), ...zeroGreeks() };
    const u = (byUnderlying[b.underlying] ??= zeroGreeks());
    GREEKS.forEach((name, j) => {
      row[name] = g[j];
      u[name] += g[j];
    });
    byExpiry[b.label] = row;
  });
  return { byUnderlying, byExpiry };
}

function gridWorst(rows: string[], pnl: Float64Array, S: number, set: ScenarioSet): WorstLoss[] {
  return rows.map((u, r) => {
    let worst = 0;
    let at = -1;
    for (let s = 0; s < S; s++) {
      if (pnl[r * S + s] < worst) {
        worst = pnl[r * S + s];
        at = s;
      }
    }
    return { underlying: u, scenario: at < 0 ? "none" : set.label[at], pnl: worst };
  });
}
