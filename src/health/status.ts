/**
 * Account status (DESIGN §5) under one model: healthy (equity ≥ IM), restricted (MM ≤ equity < IM),
 * liquidation (equity < MM), bankrupt (equity < 0), with the margin ratio equity / MM and the distance
 * to each threshold (equity − IM, equity − MM, equity), in the account's currency.
 */
import type { Engine } from "../engine/engine.js";
import { AccountProbe, guard, toBook } from "./probe.js";
import type { Health, ModelOptions } from "./types.js";

export function accountHealth(engine: Engine, book: unknown, accountId?: string, opts: ModelOptions = {}): Health {
  return guard(() => new AccountProbe(engine, toBook(book), accountId, opts.model).health());
}
