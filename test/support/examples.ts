/**
 * Test support for the examples: each flow of examples/ loaded in node-red-node-test-helper with
 * our nodes and the core nodes it uses; lookups by node name, message collection, waiting.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

export { until } from './wait';

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const helper = require('node-red-node-test-helper');

helper.init(require.resolve('node-red'));

export type Msg = Record<string, any>;
export type FlowNode = Record<string, any> & { id: string; type: string };

export const root = path.resolve(__dirname, '..', '..', '..');
export const EXAMPLES = path.join(root, 'examples');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
export const OUR_TYPES = Object.keys(pkg['node-red'].nodes);

/** Our node modules, compiled beside this test (dist/nodes). */
const ourModules: Record<string, unknown> = {};
for (const type of OUR_TYPES) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ourModules[type] = require(path.join(root, 'dist', 'nodes', `${type}.js`));
}

/** Core node modules of the installed Node-RED, found by the type they register. */
function coreModules(): Record<string, string> {
  const dir = path.join(path.dirname(require.resolve('@node-red/nodes/package.json')), 'core');
  const out: Record<string, string> = {};
  for (const sub of fs.readdirSync(dir)) {
    const subDir = path.join(dir, sub);
    if (!fs.statSync(subDir).isDirectory()) continue;
    for (const f of fs.readdirSync(subDir)) {
      if (!f.endsWith('.js')) continue;
      const file = path.join(subDir, f);
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/registerType\(\s*["']([^"']+)["']/g)) out[m[1]] ??= file;
    }
  }
  return out;
}
const CORE = coreModules();

/** The runtime's httpNode, recorded by a pseudo node module loaded with each flow. */
let httpNode: http.RequestListener | undefined;
function recordHttpNode(RED: { httpNode: http.RequestListener }): void {
  httpNode = RED.httpNode;
}

function listExamples(dir = EXAMPLES): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listExamples(p));
    else if (e.name.endsWith('.json')) out.push(p);
  }
  return out.sort();
}

/** Every file under examples/ (Import > Examples lists them all, so each must be a flow). */
export const EXAMPLE_FILES = listExamples().map((file) => ({
  file,
  rel: path.relative(EXAMPLES, file),
  data: readJson(file),
}));
export const FLOWS = EXAMPLE_FILES.filter((e) => Array.isArray(e.data)) as {
  file: string;
  rel: string;
  data: FlowNode[];
}[];

function readJson(file: string): unknown {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** A fresh copy of an example with the simulators (contact center, WebRTC) sped up for the test. */
export function example(
  rel: string,
  simulator: Record<string, unknown> = { simSpeed: 10 },
  webrtc: Record<string, unknown> = { speed: 10 },
): FlowNode[] {
  const found = FLOWS.find((e) => e.rel === rel);
  assert.ok(found, `examples/${rel} is missing`);
  const flow = JSON.parse(JSON.stringify(found.data)) as FlowNode[];
  for (const n of flow) {
    if (n.type === 'cc-gateway') Object.assign(n, simulator);
    if (n.type === 'cc-webrtc-account') Object.assign(n, webrtc);
    if (n.type === 'cc-chat-app') n.speed = 10;
  }
  return flow;
}

export async function load(flow: FlowNode[]): Promise<void> {
  const types = new Set(flow.map((n) => n.type));
  const modules: unknown[] = [recordHttpNode];
  for (const t of types) {
    if (t === 'tab') continue;
    if (ourModules[t]) modules.push(ourModules[t]);
    else if (CORE[t]) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(CORE[t]);
      if (!modules.includes(mod)) modules.push(mod);
    } else assert.fail(`node type ${t} is neither ours nor a core node`);
  }
  // Credentials an example carries inline go to the runtime's credential store, as the editor
  // does when it deploys an imported flow (they are never left in the flow's configuration).
  const credentials: Record<string, unknown> = {};
  const nodes = flow.map((n) => {
    if (!n.credentials) return n;
    const { credentials: c, ...rest } = n;
    credentials[n.id] = c;
    return rest as FlowNode;
  });
  await helper.load(modules, nodes, credentials);
}

/** The node of an example by its name (names are unique within an example). */
export function byName(flow: FlowNode[], name: string, type?: string): FlowNode {
  const found = flow.filter((n) => n.name === name && (!type || n.type === type));
  assert.equal(found.length, 1, `one node named "${name}" expected, found ${found.length}`);
  return found[0];
}

/** Messages arriving at a node (usually a debug node), collected as they come. */
export function collect(id: string): Msg[] {
  const node = helper.getNode(id);
  assert.ok(node, `node ${id} not running`);
  const got: Msg[] = [];
  node.on('input', (msg: Msg) => {
    got.push(msg);
  });
  return got;
}

export function press(flow: FlowNode[], injectName: string): void {
  helper.getNode(byName(flow, injectName, 'inject').id).receive({});
}

/** The runtime's httpNode of the flow loaded last (undefined before a load). */
export function examplesHttpNode(): http.RequestListener | undefined {
  return httpNode;
}

export function forgetHttpNode(): void {
  httpNode = undefined;
}
