/*
 * The page's player under node, for the scripts beside this one: assets/values.js and assets/animation.js
 * loaded as the browser loads them, with the player's configuration (explorer.drawing.html_player.player_config)
 * where the page has it, in its JSON element.
 *
 *   const P = require("./page.js")(config);  // window.ExplorerPlayer; window.ExplorerValues is set too
 */
"use strict";
const fs = require("fs");
const path = require("path");

module.exports = function load(config) {
  const assets = path.join(__dirname, "..", "..", "assets");
  global.window = global;
  global.document = {getElementById: () => ({textContent: JSON.stringify(config)})};
  window.ExplorerValues = require(path.join(assets, "values.js"));
  // eslint-disable-next-line no-eval
  (0, eval)(fs.readFileSync(path.join(assets, "animation.js"), "utf8"));
  return window.ExplorerPlayer;
};
