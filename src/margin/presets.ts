/** Importing this module registers every built-in preset. */
import "./standard/index.js";
import "./deribit-pm/index.js";
import "./span/index.js";
import "../var/preset.js";
import "./derive/preset.js";
