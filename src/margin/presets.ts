/** Importing this module registers every built-in preset. */
import "./standard/index.js";
import "./deribit-pm/index.js";
import "./span/index.js";
import "../var/preset.js";
// derive-pmrm2 (another engineer): import "./derive/index.js";
