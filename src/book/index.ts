/** The book: parsing Deribit names, validating input into a `Book`, and writing it back as JSON. */
export { parseInstrumentName, parseExpiryCode, DERIBIT_EXPIRY_HOUR_UTC } from "./instrument-name.js";
export type { ParsedInstrumentName } from "./instrument-name.js";
export {
  parseBook, parseTimestamp, joinPath, MAX_JSON_DEPTH, MAX_VOL, MAX_ABS_RATE,
  MIN_PRICE, MAX_PRICE, MAX_CONTRACT_SIZE, MAX_YEARS_TO_EXPIRY, MAX_DISCOUNT,
} from "./parse.js";
export { bookToJSON, formatTime } from "./serialize.js";
