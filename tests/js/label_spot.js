/*
 * Places edge labels with the page's own labelSpot (assets/animation.js), under node, for
 * tests/test_edge_labels.py, which holds it to explorer/drawing/figure.py label_spot on the same cases.
 *
 *   node tests/js/label_spot.js < {"config": player_config, "cases": [{"pts", "w", "h", "rects", "bounds"}]}
 * prints one [x, y] per case.
 */
"use strict";
const fs = require("fs");

const input = JSON.parse(fs.readFileSync(0, "utf8"));
const P = require("./page.js")(input.config);
process.stdout.write(JSON.stringify(input.cases.map((c) => P.labelSpot(c.pts, c.w, c.h, c.rects, c.bounds))));
