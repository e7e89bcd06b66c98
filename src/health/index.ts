/**
 * Account health (DESIGN §5): status and distances, what-if and pre-trade verdict, max order size,
 * liquidation price, partial-liquidation plan, explain. Every function takes an engine, a book (JSON
 * text, BookInput or a parsed Book), an account id (optional when the book has one account) and a
 * model key (`opts.model`: "isolated", "cross", "deribit-pm", …; default the account's primary model).
 * None of them changes the book.
 */
export { accountHealth } from "./status.js";
export { whatIf, verdictOf } from "./what-if.js";
export type { PositionChange, Verdict, VerdictRule, WhatIfResult, WhatIfState } from "./what-if.js";
export { maxOrderSize } from "./max-order.js";
export type { MaxOrderOptions, MaxOrderResult, Side, SizePoint } from "./max-order.js";
export { liquidationPrice } from "./liquidation-price.js";
export type { LiquidationLevel, LiquidationPriceOptions, LiquidationPriceResult } from "./liquidation-price.js";
export { liquidationPlan, PLAN_RULE } from "./plan.js";
export type { DriftEstimate, LiquidationPlan, PlanComparisons, PlanOptions, PlanStep, UniformCut } from "./plan.js";
export { explain } from "./explain.js";
export type { Explanation, MarginContribution, ScenarioContribution, WorstScenarioExplained } from "./explain.js";
export { AccountProbe, COST_DEFAULTS, defaultStep, primaryModel, presetOfModel } from "./probe.js";
export type { CostParams, MarketScale, Measure } from "./probe.js";
export type { Health, ModelOptions, Order } from "./types.js";
