/**
 * No file of the package keeps a merge-conflict marker: a half-resolved rebase once left them in
 * an editor template and help panels, which only the browser showed (the node type failed to
 * register). Checks every tracked text file under nodes/, locales/, resources/, src/, docs/,
 * examples/ and scripts/, and the README.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './support/seeds';

const DIRS = ['nodes', 'locales', 'resources', 'src', 'docs', 'examples', 'scripts'];
const TEXT = /\.(ts|js|html|json|md)$/;
const MARKER = /^(<{7} |={7}$|>{7} )/m;

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p));
    else if (TEXT.test(e.name)) out.push(p);
  }
  return out;
}

describe('repository: no merge-conflict markers', function () {
  it('no text file of the package holds <<<<<<<, ======= or >>>>>>> lines', () => {
    const all = [
      path.join(repoRoot, 'README.md'),
      ...DIRS.flatMap((d) => files(path.join(repoRoot, d))),
    ];
    const marked = all.filter((f) => MARKER.test(fs.readFileSync(f, 'utf8')));
    assert.deepEqual(
      marked.map((f) => path.relative(repoRoot, f)),
      [],
    );
  });
});
