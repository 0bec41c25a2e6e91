#!/usr/bin/env node
// Writes the importable example flows in examples/ (Node-RED lists that folder under
// Import > Examples). One source for all of them keeps ids unique per example, layouts tidy
// and every example's cc-gateway the same embedded-simulator config node. The generator lives in
// scripts/examples/: toolkit.js (ids, node shapes, output counts from the operation catalogue),
// stories.js, nodes.js (one example per node), index.js (the list of example modules, the
// driver). It reads the compiled catalogue: run `npm run build` first.
//
//   node scripts/make-examples.js          write examples/nodes/*.json and examples/stories/*.json
//   node scripts/make-examples.js --check  exit 1 when a committed example differs
//
'use strict';
const examples = require('./examples');

module.exports = {
  buildAll: examples.buildAll,
  serialise: examples.serialise,
  seed003Bodies: examples.seed003Bodies,
};

if (require.main === module) examples.main();
