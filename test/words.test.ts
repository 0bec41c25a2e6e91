/**
 * User-facing text names vendors and event families ("the Conpeek dialog webhooks", "the Era /
 * Incoplax ccsevents"), never the project's internal reference numbers of the vendor documents
 * ("seed 003"). Scanned: the README, docs/*.md, every locale file (node names, status texts,
 * errors, help panels), the examples and the editor files of the nodes. Code comments under
 * src/ and test/ may keep the numbers.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './support/seeds';

/** Every file under `dir` (relative to the repository), recursively. */
function filesUnder(dir: string, keep: (name: string) => boolean = () => true): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(repoRoot, rel), { withFileTypes: true })) {
      const child = path.join(rel, e.name);
      if (e.isDirectory()) walk(child);
      else if (keep(e.name)) out.push(child);
    }
  };
  walk(dir);
  return out;
}

const SEED_NUMBER = /seed\s*\d/i;

describe('words in user-facing text', () => {
  const files = [
    'README.md',
    ...filesUnder('docs', (n) => n.endsWith('.md')),
    ...filesUnder('locales'),
    ...filesUnder('examples'),
    ...filesUnder('nodes', (n) => n.endsWith('.html')),
  ];

  it('scans the README, the docs, the locales, the examples and the editor files', () => {
    for (const must of [
      'README.md',
      path.join('docs', 'protocol.md'),
      path.join('docs', 'simulator.md'),
      path.join('locales', 'en-US', 'cc-dialog-events.json'),
      path.join('locales', 'ru', 'cc-ccs-events.html'),
      path.join('examples', 'stories', 'dialog-webhooks-in.json'),
      path.join('nodes', 'cc-gateway.html'),
    ]) {
      assert.ok(files.includes(must), `${must} is not scanned`);
    }
  });

  it('never says "seed N": the vendor or the event family is named instead', () => {
    const found: string[] = [];
    for (const rel of files) {
      const lines = fs.readFileSync(path.join(repoRoot, rel), 'utf8').split('\n');
      lines.forEach((line, i) => {
        const m = SEED_NUMBER.exec(line);
        if (m)
          found.push(
            `${rel}:${i + 1}: ...${line.slice(Math.max(0, m.index - 30), m.index + 30)}...`,
          );
      });
    }
    assert.deepEqual(found, []);
  });
});
