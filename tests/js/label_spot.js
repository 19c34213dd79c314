/*
 * Places edge labels with the page's own labelSpot (assets/animation.js), under node, for
 * tests/test_edge_labels.py, which holds it to explorer/drawing/figure.py label_spot on the same cases.
 *
 *   node tests/js/label_spot.js < {"config": player_config, "cases": [{"pts", "w", "h", "rects", "bounds"}]}
 * prints one [x, y] per case.
 */
"use strict";
const fs = require("fs");
const path = require("path");

const input = JSON.parse(fs.readFileSync(0, "utf8"));
const assets = path.join(__dirname, "..", "..", "assets");
global.window = global;
global.document = {getElementById: () => ({textContent: JSON.stringify(input.config)})};
window.ExplorerValues = require(path.join(assets, "values.js"));
// eslint-disable-next-line no-eval
(0, eval)(fs.readFileSync(path.join(assets, "animation.js"), "utf8"));
const P = window.ExplorerPlayer;
process.stdout.write(JSON.stringify(input.cases.map((c) => P.labelSpot(c.pts, c.w, c.h, c.rects, c.bounds))));
