/**
 * Every rejection of user input is a RiskError: a stable machine code, the JSON path of the
 * offending field (e.g. `instruments[3].strike`) and a sentence a user can act on.
 * Codes are part of the public contract: never rename one, only add.
 */
export const ERROR_CODES = {
  E_JSON: "the input is not valid JSON",
  E_TYPE: "a field has the wrong type",
  E_REQUIRED: "a required field is missing",
  E_NOT_FINITE: "a number is NaN or infinite",
  E_RANGE: "a number is outside its allowed range",
  E_NEGATIVE_PRICE: "a price, index, forward or strike is zero or negative",
  E_TIME: "a time stamp cannot be read",
  E_INSTRUMENT_NAME: "an instrument id cannot be parsed and gives no explicit fields",
  E_KIND: "an instrument kind, right or settlement is unknown",
  E_DUPLICATE_ID: "two instruments or two accounts share an id",
  E_UNKNOWN_INSTRUMENT: "a position names an instrument the book does not list",
  E_UNKNOWN_MARKET: "an instrument's underlying has no market",
  E_MISSING_VOL: "an option has no volatility",
  E_EXPIRED: "an option or future expires at or before the valuation time",
  E_UNKNOWN_ASSET: "a collateral asset or account currency has no price",
  E_PRESET: "an unknown preset or override",
  E_CAPACITY: "the book is larger than the engine's limits",
  E_BACKEND: "the requested backend cannot be loaded here",
  E_STATE: "the engine or session was used in a state that does not allow it",
  E_INTERNAL: "an internal error (a bug): please report it",
  E_UNKNOWN_FIELD: "a field that is not part of the book format (often a typo)",
  E_UNKNOWN_ACCOUNT: "an account id the book or session does not hold",
} as const;

export type RiskErrorCode = keyof typeof ERROR_CODES;

export class RiskError extends Error {
  override readonly name = "RiskError";
  readonly code: RiskErrorCode;
  /** JSON path of the offending field, "" for the whole document. */
  readonly path: string;

  constructor(code: RiskErrorCode, path: string, message: string) {
    super(path ? `${path}: ${message}` : message);
    this.code = code;
    this.path = path;
  }

  toJSON(): { code: RiskErrorCode; path: string; message: string } {
    return { code: this.code, path: this.path, message: this.message };
  }
}

export function isRiskError(e: unknown): e is RiskError {
  return e instanceof RiskError;
}
