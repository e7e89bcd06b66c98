/** Importing this module registers every built-in preset. */
import "./standard/index.js";
