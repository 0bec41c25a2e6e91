#!/usr/bin/env node
// Node-RED looks for a node's .html, locales/ and icons/ beside the node's .js file,
// not at the package root. The build compiles nodes/*.ts to dist/nodes/*.js; this step
// copies the editor files, locales and icons next to them so that a checkout, an
// `npm pack` tarball and an `npm install` all load the same way.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'dist', 'nodes');

function copyDir(from, to, filter) {
  if (!fs.existsSync(from)) return;
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) copyDir(src, dst, filter);
    else if (!filter || filter(entry.name)) fs.copyFileSync(src, dst);
  }
}

fs.mkdirSync(out, { recursive: true });
copyDir(path.join(root, 'nodes'), out, (name) => name.endsWith('.html'));
copyDir(path.join(root, 'locales'), path.join(out, 'locales'));
copyDir(path.join(root, 'icons'), path.join(out, 'icons'));
// JSON Schemas are read at run time by the protocol layer.
copyDir(
  path.join(root, 'src', 'protocol', 'schemas'),
  path.join(root, 'dist', 'src', 'protocol', 'schemas'),
);
