/**
 * The margin-model interface. A preset is a named, versioned parameter set reproducing a published
 * methodology; it turns the kernel's results for every account of a book into margins.
 */
import type { Kernel } from "../kernel/abi.js";
import type { ScenarioSet } from "../scenarios/scenario-set.js";
import type { Account, Book } from "../types.js";
import type { AccountMatrix } from "../engine/account-matrix.js";
import type { AccountsLayout, GridRun } from "../engine/grid-run.js";
import type { InstrumentTable } from "../engine/instrument-table.js";
import type { PriceHistory } from "../history/csv.js";

export interface WorstScenario {
  /** Underlying whose row holds the worst loss ("ALL" for joint sets). */
  underlying: string;
  /** Scenario index in the preset's set. */
  scenario: number;
  label: string;
  /** P&L in the account's currency (negative = loss). */
  pnl: number;
}

/** One model's margin of one account, in the account's currency. */
export interface MarginResult {
  /** Report key: "isolated", "cross", or the preset name. */
  model: string;
  /** Preset name and parameter version, e.g. "deribit-pm@2024-06". */
  version: string;
  currency: string;
  initial: number;
  maintenance: number;
  /** Named components (e.g. worst_case, roll_shock), account currency. */
  components: Record<string, number>;
  worst: WorstScenario | null;
}

/** What a preset gets: the book laid out once, a kernel, and helpers to run scenario sets. */
export interface PresetContext {
  book: Book;
  table: InstrumentTable;
  layout: AccountsLayout;
  kernel: Kernel;
  /** The book's risk.overrides (global keys and per-underlying objects). */
  overrides: Record<string, unknown>;
  /** Base instrument results (values, greeks) with no scenarios. */
  base: GridRun;
  /** Run a scenario set over every account of the book. */
  run(set: ScenarioSet): GridRun;
  /** Account matrix of account k under a run. */
  matrix(run: GridRun, k: number): AccountMatrix;
  /** Price history for presets that need one (var), from EvaluateOptions.history. */
  history?: PriceHistory | null;
}

export interface MarginPreset {
  name: string;
  version: string;
  /** Where the methodology and parameters come from. */
  source: string;
  /** Default parameters (names as in the source methodology). */
  defaults: Record<string, unknown>;
  /**
   * Margins of every account: result[k] lists the models this preset produces for account k
   * (standard gives "isolated" and "cross"; the others one result keyed by their name).
   */
  evaluate(ctx: PresetContext): MarginResult[][];
}

export type { Account };
