/**
 * The flow library's scorecard (`npx node-red-dev validate`) needs a catalogue server this
 * machine cannot reach, so its rules are checked here against the package as it is built:
 * license, repository, name, keyword, node-red.version, engines.node, literal type names in
 * the editor files, every non-config node used in an example, at most 6 dependencies.
 * ("Dependencies at their latest versions" needs the registry and is not checked.)
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

// semver as Node-RED itself resolves it (node-red depends on it), not a package of ours.
interface Semver {
  satisfies(version: string, range: string): boolean;
  minVersion(range: string): { version: string } | null;
  validRange(range: string): string | null;
}
const semverPath = require.resolve('semver', {
  paths: [path.dirname(require.resolve('node-red'))],
});
// eslint-disable-next-line @typescript-eslint/no-require-imports
const semver: Semver = require(semverPath);

interface Pkg {
  name: string;
  license?: string;
  repository?: string | { url?: string };
  bugs?: string | { url?: string };
  keywords?: string[];
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  'node-red'?: { version?: string; nodes?: Record<string, string> };
}

const pkg: Pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const nodeRedSection = pkg['node-red'] ?? {};
const nodeFiles: Record<string, string> = nodeRedSection.nodes ?? {};

/** The Node.js minimum of each Node-RED line we support (5.x: engines >=22.9, not installed here). */
function nodeRedNodeMinimums(): Record<string, string> {
  const installed = JSON.parse(
    fs.readFileSync(require.resolve('node-red/package.json'), 'utf8'),
  ) as { version: string; engines: { node: string } };
  const result: Record<string, string> = { '5.0.0': '>=22.9.0' };
  result[installed.version.replace(/-.*$/, '')] = installed.engines.node;
  return result;
}

/** The literal types registered by an editor file, with their categories. */
export function registeredTypes(html: string): { type: string; category?: string }[] {
  const out: { type: string; category?: string }[] = [];
  const re = /RED\.nodes\.registerType\(\s*(['"])([^'"]+)\1\s*,\s*\{/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(html)) !== null) {
    const after = html.slice(m.index, m.index + 600);
    const cat = /category\s*:\s*(['"])([^'"]+)\1/.exec(after);
    out.push({ type: m[2], category: cat?.[2] });
  }
  return out;
}

function listJson(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listJson(p));
    else if (e.name.endsWith('.json')) out.push(p);
  }
  return out;
}

describe('scorecard: flow-library conventions (node-red-dev validate rules)', () => {
  it('has a license', () => {
    assert.ok(pkg.license && pkg.license.trim().length > 0, 'package.json license is missing');
  });

  it('has a repository or bugs URL', () => {
    const url = (v: Pkg['repository']) => (typeof v === 'string' ? v : v?.url);
    assert.ok(url(pkg.repository) || url(pkg.bugs), 'package.json repository / bugs missing');
  });

  it('is named with a scope or the node-red-contrib- prefix', () => {
    assert.match(
      pkg.name,
      /^(@[a-z0-9][\w.-]*\/[a-z0-9][\w.-]*|node-red-contrib-[a-z0-9][\w.-]*)$/,
    );
  });

  it('has the node-red keyword', () => {
    assert.ok((pkg.keywords ?? []).includes('node-red'), 'keywords lack "node-red"');
  });

  it('declares a node-red.version that Node-RED 4.1 and 5.x satisfy', () => {
    const range = nodeRedSection.version;
    assert.ok(range && semver.validRange(range), `node-red.version ${range} is not a range`);
    for (const v of ['4.1.0', '4.1.15', '5.0.0', '5.9.0']) {
      assert.ok(semver.satisfies(v, range), `Node-RED ${v} does not satisfy ${range}`);
    }
  });

  it("declares an engines.node that every supported Node-RED's minimum Node satisfies", () => {
    const engines = pkg.engines?.node;
    assert.ok(engines && semver.validRange(engines), `engines.node ${engines} is not a range`);
    for (const [nr, nodeRange] of Object.entries(nodeRedNodeMinimums())) {
      const min = semver.minVersion(nodeRange);
      assert.ok(min, `no minimum in ${nodeRange}`);
      assert.ok(
        semver.satisfies(min.version, engines),
        `Node-RED ${nr} runs on Node ${min.version}, which engines.node ${engines} excludes`,
      );
    }
  });

  it('has at most 6 dependencies', () => {
    const deps = Object.keys(pkg.dependencies ?? {});
    assert.ok(deps.length <= 6, `${deps.length} dependencies: ${deps.join(', ')}`);
  });

  it('lists node files that exist, each with an editor file registering its literal type', () => {
    assert.ok(Object.keys(nodeFiles).length > 0, 'package.json node-red.nodes is empty');
    for (const [type, file] of Object.entries(nodeFiles)) {
      const src = path.join(root, 'nodes', `${type}.ts`);
      assert.ok(fs.existsSync(src), `${type}: nodes/${type}.ts missing`);
      assert.equal(file, `dist/nodes/${type}.js`, `${type}: entry should be the compiled node`);
      const htmlFile = path.join(root, 'nodes', `${type}.html`);
      assert.ok(fs.existsSync(htmlFile), `${type}: nodes/${type}.html missing`);
      const types = registeredTypes(fs.readFileSync(htmlFile, 'utf8')).map((t) => t.type);
      assert.deepEqual(types, [type], `nodes/${type}.html must register exactly '${type}'`);
    }
  });

  it('registers unique type names', () => {
    const all = Object.keys(nodeFiles).flatMap((type) => {
      const htmlFile = path.join(root, 'nodes', `${type}.html`);
      return fs.existsSync(htmlFile)
        ? registeredTypes(fs.readFileSync(htmlFile, 'utf8')).map((t) => t.type)
        : [];
    });
    assert.equal(new Set(all).size, all.length, `duplicate types: ${all.join(', ')}`);
  });

  it('uses every non-config node in some examples/**/*.json flow', () => {
    const used = new Set<string>();
    for (const file of listJson(path.join(root, 'examples'))) {
      const data: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (!Array.isArray(data)) continue;
      for (const n of data) if (n && typeof n.type === 'string') used.add(n.type);
    }
    const missing: string[] = [];
    for (const type of Object.keys(nodeFiles)) {
      const htmlFile = path.join(root, 'nodes', `${type}.html`);
      if (!fs.existsSync(htmlFile)) continue; // reported by the editor-file rule
      const reg = registeredTypes(fs.readFileSync(htmlFile, 'utf8')).find((t) => t.type === type);
      if (reg?.category === 'config') continue;
      if (!used.has(type)) missing.push(type);
    }
    assert.deepEqual(missing, [], `not used in any example: ${missing.join(', ')}`);
  });

  it('ships what the editor and the loader need (files, built node beside its .html)', () => {
    const files = (pkg as unknown as { files?: string[] }).files ?? [];
    for (const needed of ['dist/nodes', 'examples']) {
      assert.ok(files.includes(needed), `package.json files lacks ${needed}`);
    }
  });
});
