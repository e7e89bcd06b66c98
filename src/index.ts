/**
 * riskgrid — portfolio risk kernel for crypto derivatives.
 *
 *   import { init } from "riskgrid";
 *   const engine = await init({ backend: "auto" });
 *   const report = engine.evaluate(book);
 */
import { Engine } from "./engine/engine.js";
// Registers the built-in presets even for callers that only use the registry (presetNames, getPreset).
import "./margin/presets.js";
import { type BackendChoice, loadKernel, loadKernelSync } from "./kernel/select.js";

export interface InitOptions {
  /** `auto` (default): simd when the host validates the SIMD build, else scalar. */
  backend?: BackendChoice;
}

/** Load a kernel asynchronously (works on a browser's main thread). */
export async function init(options: InitOptions = {}): Promise<Engine> {
  return new Engine(await loadKernel(options.backend ?? "auto"));
}

/** Load a kernel synchronously (Node, workers). */
export function initSync(options: InitOptions = {}): Engine {
  return new Engine(loadKernelSync(options.backend ?? "auto"));
}

export { Engine, statusOf } from "./engine/engine.js";
export type { EvaluateOptions } from "./engine/engine.js";
export { RiskError, ERROR_CODES, isRiskError } from "./errors.js";
export type { RiskErrorCode } from "./errors.js";
export type * from "./types.js";
export type * from "./report/types.js";
export type { MarginResult, MarginPreset, WorstScenario } from "./margin/types.js";
export type { BackendName } from "./kernel/abi.js";
export type { BackendChoice } from "./kernel/select.js";
export { presetNames, getPreset } from "./margin/registry.js";
export { parseBook } from "./book/index.js";
export {
  accountHealth, whatIf, maxOrderSize, liquidationPrice, liquidationPlan, explain,
} from "./health/index.js";
export type {
  Health, Order, ModelOptions, WhatIfResult, Verdict, MaxOrderResult, MaxOrderOptions, Side, LiquidationPriceResult,
  LiquidationPriceOptions, LiquidationLevel, LiquidationPlan, PlanOptions, PlanStep, CostParams, Explanation,
  MarginContribution, ScenarioContribution, WorstScenarioExplained,
} from "./health/index.js";
export {
  computeVar, dynamicRange, setVarHistory, ewmaVariances, ewmaCovariance, fitGarch, garchForecast,
  historicalScenarioSet, monteCarloScenarioSet, correlationOneStress, deltaNormal, deltaGammaCornishFisher,
} from "./var/index.js";
export { parsePriceCsv } from "./history/index.js";
export type { PriceHistory } from "./history/index.js";
export { Session, STATUS_CODES } from "./session/session.js";
export type { SessionResult, SessionOptions } from "./session/session.js";
