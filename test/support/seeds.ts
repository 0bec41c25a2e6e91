/**
 * Helpers that read the vendor seed copies in test/fixtures/seeds.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Repository root (tests run from dist/test). */
export const repoRoot = path.resolve(__dirname, '..', '..', '..');

export function readSeed(prefix: string): string {
  const dir = path.join(repoRoot, 'test', 'fixtures', 'seeds');
  const file = fs.readdirSync(dir).find((f) => f.startsWith(`${prefix}_`));
  if (!file) throw new Error(`seed ${prefix} not found in ${dir}`);
  return fs.readFileSync(path.join(dir, file), 'utf8');
}

/** The JSON bodies of seed 003 as the exact text the seed shows (for verbatim posts), in order. */
export function seedRawBodies(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(/\nBody\n/).slice(1)) {
    const start = part.indexOf('{');
    let depth = 0;
    for (let i = start; i < part.length; i++) {
      if (part[i] === '{') depth++;
      else if (part[i] === '}' && --depth === 0) {
        out.push(part.slice(start, i + 1));
        break;
      }
    }
  }
  return out;
}

/** The JSON bodies of seed 003, parsed, in order. */
export function seedBodies(text: string): Record<string, unknown>[] {
  return seedRawBodies(text).map((t) => JSON.parse(t) as Record<string, unknown>);
}
