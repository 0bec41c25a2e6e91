// The example generator's driver: every example module, in one list, and the code that builds
// and writes (or checks) examples/. A family adds its examples as a module beside stories.js and
// nodes.js (exporting `{ 'relative/path.json': () => nodes }`) and one line in MODULES.
'use strict';
const fs = require('fs');
const path = require('path');
const { root, seed003Bodies } = require('./toolkit');

/** The example modules, in the order their examples are written. */
const MODULES = [
  require('./stories'),
  require('./nodes'),
  require('./agents'),
  require('./platforms'),
  require('./chat'),
  require('./webrtc'),
  require('./vendors'),
  require('./call-features'),
  require('./batch'),
];

/** Every example: relative path under examples/ -> flow. */
function buildAll() {
  const out = {};
  for (const mod of MODULES) {
    for (const [rel, build] of Object.entries(mod)) {
      if (rel in out) throw new Error(`examples/${rel} is built by two example modules`);
      out[rel] = build();
    }
  }
  return out;
}

function serialise(nodes) {
  return JSON.stringify(nodes, null, 2) + '\n';
}

function main() {
  const check = process.argv.includes('--check');
  let differs = 0;
  for (const [rel, nodes] of Object.entries(buildAll())) {
    const file = path.join(root, 'examples', rel);
    const text = serialise(nodes);
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    if (current === text) continue;
    if (check) {
      console.error(`examples/${rel} differs from what scripts/make-examples.js generates`);
      differs++;
    } else {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
      console.log(`wrote examples/${rel}`);
    }
  }
  if (differs) process.exit(1);
}

module.exports = { MODULES, buildAll, serialise, seed003Bodies, main };
