/**
 * Every node type has, in every locale, a message catalogue (<type>.json) with exactly the
 * keys of en-US and a help panel (<type>.html). en-US is the reference; the editor file and
 * the node's code may only use keys en-US defines. Node-RED loads these files from
 * dist/nodes/locales/<lang>/ (copied by the build), so the built copy is checked too.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { OPERATIONS } from '../src/protocol/catalogue';

const root = path.resolve(__dirname, '..', '..');
const REFERENCE = 'en-US';
const LOCALES = ['en-US', 'zh-CN', 'pl', 'ru'];

const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  'node-red': { nodes: Record<string, string> };
};
const TYPES = Object.keys(pkg['node-red'].nodes);

/** Flattens a catalogue to dotted keys, with each leaf's value. */
function flatten(
  obj: unknown,
  prefix = '',
  out = new Map<string, unknown>(),
): Map<string, unknown> {
  if (obj !== null && typeof obj === 'object' && !Array.isArray(obj)) {
    for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
      flatten(v, prefix ? `${prefix}.${k}` : k, out);
    }
  } else {
    out.set(prefix, obj);
  }
  return out;
}

function readCatalogue(lang: string, type: string): Map<string, unknown> {
  const file = path.join(root, 'locales', lang, `${type}.json`);
  assert.ok(fs.existsSync(file), `locales/${lang}/${type}.json is missing`);
  return flatten(JSON.parse(fs.readFileSync(file, 'utf8')));
}

/** i18next placeholders (__name__ and {{name}}) a string uses, sorted. */
function placeholders(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  return [...value.matchAll(/__\w+__|\{\{\s*[\w.]+\s*\}\}/g)].map((m) => m[0]).sort();
}

/** Literal keys of this node's namespace used by its editor file and code. */
function usedKeys(type: string): string[] {
  const keys = new Set<string>();
  const prefix = `${type}.`;
  const sources: string[] = [];
  for (const f of [`${type}.html`, `${type}.ts`]) {
    const p = path.join(root, 'nodes', f);
    if (fs.existsSync(p)) sources.push(fs.readFileSync(p, 'utf8'));
  }
  for (const src of sources) {
    // data-i18n="key", data-i18n="[placeholder]key;[title]key2", _("key"), RED._('key'), 'key' in status texts
    for (const m of src.matchAll(/data-i18n\s*=\s*"([^"]+)"/g)) {
      for (const part of m[1].split(';')) keys.add(part.replace(/^\[[^\]]*\]/, '').trim());
    }
    for (const m of src.matchAll(/(['"`])([a-zA-Z0-9-]+(?:\.[A-Za-z0-9_-]+)+)\1/g)) {
      keys.add(m[2]);
    }
  }
  return [...keys]
    .filter(
      (k) =>
        k.startsWith(prefix) &&
        !/\.(html|js|json|ts|svg|png)$/.test(k) &&
        !/^[^.]+\.(read|write)$/.test(k),
    )
    .map((k) => k.slice(prefix.length));
}

describe('locales', () => {
  it('has the node types to check', () => {
    assert.ok(TYPES.length >= 9, `package.json lists ${TYPES.length} node types`);
  });

  for (const type of TYPES) {
    describe(type, () => {
      it(`${REFERENCE} catalogue has the node's namespace and the keys its code and editor use`, () => {
        const ref = readCatalogue(REFERENCE, type);
        assert.ok(
          [...ref.keys()].some((k) => k.startsWith(`${type}.`)),
          `locales/${REFERENCE}/${type}.json has no "${type}" section`,
        );
        const missing = usedKeys(type)
          .map((k) => `${type}.${k}`)
          .filter((k) => !ref.has(k) && ![...ref.keys()].some((r) => r.startsWith(`${k}.`)));
        assert.deepEqual(
          missing,
          [],
          `keys used by nodes/${type}.* but not in locales/${REFERENCE}`,
        );
        for (const [k, v] of ref) {
          assert.ok(
            typeof v === 'string' && v.length > 0,
            `${REFERENCE} ${k} is empty or not text`,
          );
        }
      });

      for (const lang of LOCALES.filter((l) => l !== REFERENCE)) {
        it(`${lang} catalogue has exactly the keys of ${REFERENCE}, translated text with the same placeholders`, () => {
          const ref = readCatalogue(REFERENCE, type);
          const cat = readCatalogue(lang, type);
          const lacking = [...ref.keys()].filter((k) => !cat.has(k));
          const extra = [...cat.keys()].filter((k) => !ref.has(k));
          assert.deepEqual(lacking, [], `locales/${lang}/${type}.json lacks keys`);
          assert.deepEqual(extra, [], `locales/${lang}/${type}.json has keys ${REFERENCE} lacks`);
          for (const [k, v] of ref) {
            const t = cat.get(k);
            assert.ok(typeof t === 'string' && t.length > 0, `${lang} ${k} is empty`);
            assert.deepEqual(placeholders(t), placeholders(v), `${lang} ${k}: placeholders differ`);
          }
        });
      }

      for (const lang of LOCALES) {
        it(`${lang} help panel exists for the type and is built beside the node`, () => {
          const file = path.join(root, 'locales', lang, `${type}.html`);
          assert.ok(fs.existsSync(file), `locales/${lang}/${type}.html is missing`);
          const html = fs.readFileSync(file, 'utf8');
          assert.match(
            html,
            new RegExp(`data-help-name=["']${type}["']`),
            `${lang}/${type}.html: no data-help-name="${type}"`,
          );
          assert.ok(
            html.replace(/<[^>]+>/g, '').trim().length > 40,
            `${lang}/${type}.html is empty`,
          );
          for (const ext of ['json', 'html']) {
            const built = path.join(root, 'dist', 'nodes', 'locales', lang, `${type}.${ext}`);
            assert.ok(fs.existsSync(built), `dist/nodes/locales/${lang}/${type}.${ext} not built`);
          }
        });
      }
    });
  }

  /**
   * Message fields the event nodes emit (see src/tracker/api.ts, src/hub/api.ts and the nodes'
   * build functions) that each help panel must name, in every locale.
   */
  const DOCUMENTED: Record<string, string[]> = {
    'cc-dialog-events': [
      'dialog',
      'seance_id',
      'agent',
      'ccs_call_id',
      'call',
      'ended_by',
      'uniqueId',
      'agents',
      'ccs_call_ids',
      'closedBy',
      'closeCause',
      'HANGUP',
      'DIALOG_LEFT',
      'source',
    ],
    'cc-ccs-events': ['call', 'connection', 'connection_ids', 'call_ids', 'recording', 'dtmf'],
    'cc-seance-events': ['seance', 'dialog_uuids', 'agent', 'agents', 'transferChain', 'uniqueId'],
  };
  for (const [type, fields] of Object.entries(DOCUMENTED)) {
    it(`every locale's help panel of ${type} names the message fields it emits`, () => {
      for (const lang of LOCALES) {
        const html = fs.readFileSync(path.join(root, 'locales', lang, `${type}.html`), 'utf8');
        const named = new Set(
          [...html.matchAll(/<code>([^<]+)<\/code>|<dt[^>]*>\s*(\w+)/g)].map((m) =>
            (m[1] ?? m[2]).trim(),
          ),
        );
        const missing = fields.filter((f) => !named.has(f));
        assert.deepEqual(missing, [], `${lang}/${type}.html does not name these fields`);
      }
    });
  }

  it('has, for each operation node, a text for every catalogue stage, outcome and parameter its status and editor show', () => {
    const ops: Record<string, string[]> = {
      'cc-preview-call': ['previewObCall'],
      'cc-consult': ['startAtxfer'],
      'cc-threeway': ['threewayAtxfer'],
      'cc-complete-transfer': ['completeAtxfer'],
      'cc-call-control': OPERATIONS.filter((o) =>
        ['callControl', 'agentControl', 'supervisorControl'].includes(o.kind),
      ).map((o) => o.name),
    };
    const missing: string[] = [];
    for (const [type, names] of Object.entries(ops)) {
      const keys = readCatalogue(REFERENCE, type);
      const need = new Set([`${type}.stage.sent`]);
      for (const o of OPERATIONS.filter((x) => names.includes(x.name))) {
        for (const s of Object.values(o.stages)) need.add(`${type}.stage.${s}`);
        for (const s of o.outcomes) need.add(`${type}.outcome.${s}`);
        for (const p of o.params) need.add(`${type}.param.${p.name}`);
      }
      for (const k of need) if (!keys.has(k)) missing.push(k);
    }
    assert.deepEqual(missing, [], `locales/${REFERENCE} lacks texts for catalogue entries`);
  });

  it('the help panels of a locale have the same sections as en-US', () => {
    const sections = (html: string) => [...html.matchAll(/<h3>/g)].length;
    for (const type of TYPES) {
      const refFile = path.join(root, 'locales', REFERENCE, `${type}.html`);
      if (!fs.existsSync(refFile)) continue; // reported above
      const ref = sections(fs.readFileSync(refFile, 'utf8'));
      for (const lang of LOCALES.filter((l) => l !== REFERENCE)) {
        const file = path.join(root, 'locales', lang, `${type}.html`);
        if (!fs.existsSync(file)) continue;
        assert.equal(sections(fs.readFileSync(file, 'utf8')), ref, `${lang}/${type}.html sections`);
      }
    }
  });
});
