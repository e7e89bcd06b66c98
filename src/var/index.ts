/**
 * VaR, expected shortfall, vol forecasts and correlation stress (issue 6). Importing this module
 * registers the `var` preset.
 */
export { computeVar, runVar, varContext, resolveVarOptions, VAR_METHODS } from "./compute.js";
export type {
  KernelHost, VarAccountResult, VarContext, VarMargin, VarMethod, VarOptions, VarResult, VolForecast,
} from "./compute.js";
export { formatVarTable, varCommand, varOptionsFromFlags } from "./command.js";
export type { VarFlags } from "./command.js";
export { dynamicRange, dynamicRangeDetail } from "./dynamic.js";
export type { DynamicRangeDetail, DynamicRangeOptions } from "./dynamic.js";
export { ewmaCovariance, ewmaVariances, DEFAULT_LAMBDA } from "./ewma.js";
export { fitGarch, garchForecast, garchLogLikelihood, garchVariances } from "./garch.js";
export type { GarchFit, GarchOptions, GarchParams } from "./garch.js";
export { cholesky, correlationOf, correlationOneStress, covarianceOf } from "./linalg.js";
export { normalQuantile, scenarioVarEs } from "./measures.js";
export type { VarEs } from "./measures.js";
export { accountExposure, deltaGammaCornishFisher, deltaNormal } from "./parametric.js";
export type { Exposure, ParametricFigures } from "./parametric.js";
export { getVarHistory, setVarHistory, varPreset, VAR_PRESET_DEFAULTS, VAR_PRESET_VERSION } from "./preset.js";
export type { VarPresetContext } from "./preset.js";
export { Xoshiro128 } from "./rng.js";
export { historicalScenarioSet, monteCarloScenarioSet } from "./scenarios.js";
export type { HistoricalSetOptions, MonteCarloSetOptions } from "./scenarios.js";
export { detExp, detLog } from "./detmath.js";
