/**
 * Scenarios: how each dialled number behaves, which agents exist, and the simulator's clock.
 *
 * The default rules (docs/simulator.md) look at the LAST DIGIT of the number:
 *
 * | last digit | behaviour                                                   |
 * | ---------- | ----------------------------------------------------------- |
 * | 0          | busy after 1 s                                              |
 * | 9          | no answer (rings until the customer answer timeout)         |
 * | 8          | rejects after 3 s of ringing                                |
 * | 7          | fails (network error) after 0.5 s, before ringing           |
 * | 6          | answers after 2 s, hangs up 10 s later                      |
 * | 5          | answers after 2 s; consulted, hangs up when joined          |
 * | 4          | answers after 2 s; consulted, three-way / transfer refused  |
 * | any other  | answers after 2 s and stays until the agent hangs up        |
 *
 * The last two differ from "any other" only for a consulted external party (`whenJoined`).
 *
 * A scenario file's rules are tried first (first match wins), then these.
 */
import fs from 'node:fs';
import Ajv from 'ajv';
import type { CustomerBehaviour, Scenario, ScenarioRule } from './api';

export const DEFAULT_RULES: readonly ScenarioRule[] = [
  { match: '.*0', behaviour: { kind: 'busy', afterMs: 1000 } },
  { match: '.*9', behaviour: { kind: 'noAnswer' } },
  { match: '.*8', behaviour: { kind: 'reject', afterMs: 3000 } },
  { match: '.*7', behaviour: { kind: 'fail', afterMs: 500 } },
  { match: '.*6', behaviour: { kind: 'answer', afterMs: 2000, hangupAfterMs: 10_000 } },
  { match: '.*5', behaviour: { kind: 'answer', afterMs: 2000, whenJoined: 'leave' } },
  { match: '.*4', behaviour: { kind: 'answer', afterMs: 2000, whenJoined: 'refuse' } },
  { match: '.*', behaviour: { kind: 'answer', afterMs: 2000 } },
];

/** Default agents: 1001..1010 with extensions 8001..8010. */
export const DEFAULT_AGENT_COUNT = 10;
/** Default time an agent takes to pick up its own phone (ms, simulated). */
export const DEFAULT_AGENT_ANSWER_MS = 500;

const behaviourSchema = {
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'afterMs'],
      properties: {
        kind: { const: 'answer' },
        afterMs: { type: 'number', minimum: 0 },
        hangupAfterMs: { type: 'number', minimum: 0 },
        whenJoined: { enum: ['refuse', 'leave'] },
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind'],
      properties: {
        kind: { enum: ['busy', 'reject', 'fail'] },
        afterMs: { type: 'number', minimum: 0 },
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind'],
      properties: { kind: { const: 'noAnswer' } },
    },
  ],
};

const scenarioSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    $comment: { type: 'string' },
    rules: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['match', 'behaviour'],
        properties: {
          match: { type: 'string', minLength: 1, maxLength: 256 },
          behaviour: behaviourSchema,
          $comment: { type: 'string' },
        },
      },
    },
    agents: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          extension: { type: 'string', minLength: 1, maxLength: 32 },
          name: { type: 'string', minLength: 1, maxLength: 128 },
          answerAfterMs: { type: 'number', minimum: 0 },
          answers: { type: 'boolean' },
          domain: { type: 'string', minLength: 1, maxLength: 128 },
          wrapUpMs: { type: 'number', minimum: 0 },
          loggedIn: { type: 'boolean' },
          bound: { type: 'boolean' },
          inbound: { type: 'boolean' },
        },
      },
    },
    wrapUpMs: { type: 'number', minimum: 0 },
    recording: { type: 'boolean' },
    inboundMode: { enum: ['direct', 'ivr', 'forked'] },
    ivr: {
      type: 'object',
      additionalProperties: false,
      properties: {
        menu: {
          type: 'object',
          propertyNames: { pattern: '^[0-9*#]$' },
          additionalProperties: {
            type: 'object',
            additionalProperties: false,
            required: ['name'],
            properties: {
              name: { type: 'string', minLength: 1, maxLength: 128 },
              agents: { type: 'array', items: { type: 'string', maxLength: 128 } },
            },
          },
        },
        digits: {
          type: 'object',
          additionalProperties: { type: 'string', pattern: '^[0-9*#]$' },
        },
      },
    },
  },
};

const ajv = new Ajv({ allErrors: false, strict: false });
const validateScenarioFn = ajv.compile(scenarioSchema);

/** Check a scenario object; throws an Error naming the first problem. */
export function validateScenario(value: unknown): Scenario {
  if (!validateScenarioFn(value)) {
    const e = validateScenarioFn.errors?.[0];
    throw new Error(`invalid scenario: ${e?.instancePath || '(root)'} ${e?.message ?? ''}`.trim());
  }
  const scenario = value as Scenario;
  for (const r of scenario.rules ?? []) {
    try {
      new RegExp(`^(?:${r.match})$`);
    } catch (err) {
      throw new Error(`invalid scenario: rule "${r.match}": ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  return scenario;
}

/** Read and check a scenario JSON file. */
export function loadScenarioFile(file: string): Scenario {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read scenario ${file}: ${(err as Error).message}`, { cause: err });
  }
  return validateScenario(parsed);
}

/** Resolves a dialled number to its behaviour: the scenario's rules, then the defaults. */
export class NumberRules {
  private readonly rules: { re: RegExp; behaviour: CustomerBehaviour }[];
  private readonly cache = new Map<string, CustomerBehaviour>();

  constructor(scenario?: Scenario) {
    this.rules = [...(scenario?.rules ?? []), ...DEFAULT_RULES].map((r) => ({
      re: new RegExp(`^(?:${r.match})$`),
      behaviour: r.behaviour,
    }));
  }

  resolve(number: string): CustomerBehaviour {
    const hit = this.cache.get(number);
    if (hit) return hit;
    const found = this.rules.find((r) => r.re.test(number));
    // The last default rule matches everything, so `found` is always set.
    const behaviour = found ? found.behaviour : { kind: 'answer' as const, afterMs: 2000 };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(number, behaviour);
    return behaviour;
  }
}

export type Timer = ReturnType<typeof setTimeout>;

/**
 * The simulator's clock: every delay is simulated milliseconds divided by `speed`.
 * Timers are unref'd (the listening server keeps a process alive) and tracked so that
 * dispose() can cancel all of them.
 */
export class Clock {
  private readonly timers = new Set<Timer>();

  constructor(readonly speed: number) {
    if (!(speed > 0) || !Number.isFinite(speed)) throw new Error(`speed must be > 0 (${speed})`);
  }

  /** Simulated milliseconds since the epoch (real time scaled by the speed). */
  now(): number {
    return Date.now() * this.speed;
  }

  /** Real milliseconds for a simulated delay. */
  real(ms: number): number {
    return Math.max(0, ms / this.speed);
  }

  after(ms: number, fn: () => void): Timer {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, this.real(ms));
    t.unref();
    this.timers.add(t);
    return t;
  }

  cancel(t: Timer | undefined): void {
    if (t === undefined) return;
    clearTimeout(t);
    this.timers.delete(t);
  }

  get pending(): number {
    return this.timers.size;
  }

  clear(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

/** A small deterministic PRNG (mulberry32) so a `seed` gives repeatable ids and traffic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
