/** The `derive-pmrm2` preset: Derive (Lyra v2) PMRM_2 portfolio margin. */
export * from "./params.js";
export * from "./model.js";
export * from "./from-book.js";
export * from "./preset.js";
