/*
 * Renders a compact figure's text with the page's own code, under node: assets/values.js writes the labels,
 * hover texts and steps' texts from the figure's numbers, and assets/animation.js's captions are written from
 * the expanded steps, as in the page. Read by tests/test_golden_text.py.
 *
 *   node tests/js/render_texts.js < [{"config": player_config, "figures": [{"meta": raw string, "lang": "en"}]}]
 * prints, per figure: {"labels": [...], "hovers": [...], "steps": [[v, g], ...], "captions": [...]}
 */
"use strict";
const fs = require("fs");

const input = JSON.parse(fs.readFileSync(0, "utf8"));
const P = require("./page.js")(input.config);

const out = input.figures.map((f) => {
  const m = P.parse(f.meta);
  const captions = [];
  for (let k = -1; k < m.steps.length; k++) { captions.push(P.stepCaption(m, k, f.lang)); }
  return {
    ids: m.table.nodes.ids, labels: window.ExplorerValues.labels(m), hovers: window.ExplorerValues.hovers(m),
    steps: m.steps.map((s) => [s.v, s.g || []]), captions,
  };
});
process.stdout.write(JSON.stringify(out));
