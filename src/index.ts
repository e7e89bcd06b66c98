export { RiskError, ERROR_CODES, isRiskError } from "./errors.js";
export type { RiskErrorCode } from "./errors.js";
export type * from "./types.js";
