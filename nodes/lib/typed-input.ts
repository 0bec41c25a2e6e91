/**
 * Evaluation of TypedInput properties (msg, flow, global, env, str, num, json, bool, jsonata)
 * against a message. JSONata expressions are prepared once, when the node starts. Synchronous
 * types call back synchronously, so a node without JSONata or async context stores adds no
 * event-loop turn to a message.
 */
import type { Node, NodeAPI, NodeMessage } from 'node-red';

export interface TypedValue {
  value: string;
  type: string;
}

export const TYPED_INPUT_TYPES = [
  'msg',
  'flow',
  'global',
  'env',
  'str',
  'num',
  'json',
  'bool',
  'jsonata',
];

type Callback = (err: Error | null, value?: unknown) => void;

export class TypedProperty {
  private readonly expr: unknown;

  /** Throws with a message naming `label` when a JSONata expression does not parse. */
  constructor(
    private readonly RED: NodeAPI,
    private readonly node: Node,
    readonly label: string,
    readonly prop: TypedValue,
  ) {
    if (!TYPED_INPUT_TYPES.includes(prop.type)) {
      throw new Error(`${label}: unsupported input type "${prop.type}"`);
    }
    if (prop.type === 'jsonata') {
      try {
        this.expr = RED.util.prepareJSONataExpression(prop.value, node);
      } catch (err) {
        throw new Error(`${label}: invalid JSONata expression: ${(err as Error).message}`, {
          cause: err,
        });
      }
    }
  }

  /** Where the value comes from, for error messages: `msg.payload.agent`, `flow.x`, ... */
  describe(): string {
    const { type, value } = this.prop;
    if (type === 'msg' || type === 'flow' || type === 'global') return `${type}.${value}`;
    if (type === 'env') return `env ${value}`;
    if (type === 'jsonata') return `JSONata ${value}`;
    return `${type} "${value}"`;
  }

  evaluate(msg: NodeMessage, cb: Callback): void {
    const { RED, node, prop } = this;
    try {
      if (prop.type === 'jsonata') {
        RED.util.evaluateJSONataExpression(
          this.expr as Parameters<typeof RED.util.evaluateJSONataExpression>[0],
          msg,
          (err, value) => cb(err ? new Error(`${this.label}: ${err.message}`) : null, value),
        );
        return;
      }
      if (prop.type === 'num') {
        const text = String(prop.value).trim();
        cb(null, text === '' ? undefined : Number(text));
        return;
      }
      if (prop.type === 'str') {
        cb(null, prop.value);
        return;
      }
      RED.util.evaluateNodeProperty(
        prop.value,
        prop.type,
        node,
        msg,
        (err: Error | null, value: unknown) => cb(err ? this.explain(msg, err) : null, value),
      );
    } catch (err) {
      cb(this.explain(msg, err as Error));
    }
  }

  /**
   * An error naming the field. Reading `msg.payload.agent` when msg.payload is null throws a
   * raw TypeError in Node-RED; say instead which part of the path is not an object.
   */
  private explain(msg: NodeMessage, err: Error): Error {
    if (this.prop.type === 'msg') {
      try {
        const parts = this.RED.util.normalisePropertyExpression(this.prop.value);
        let v: unknown = msg;
        let at = 'msg';
        for (const part of parts.slice(0, -1)) {
          v = (v as Record<string | number, unknown>)[part];
          at += typeof part === 'number' ? `[${part}]` : `.${part}`;
          if (v === null || typeof v !== 'object') {
            const what = v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
            return new Error(
              `${this.label}: ${at} is ${what}, not an object, so ${this.describe()} cannot be read`,
            );
          }
        }
      } catch {
        // fall through to Node-RED's own message
      }
    }
    return new Error(`${this.label}: ${err?.message ?? String(err)}`);
  }
}

/**
 * Evaluate several properties; calls back once with every value (by label) or the first error.
 * Synchronous when every property is.
 */
export function evaluateAll(
  props: readonly TypedProperty[],
  msg: NodeMessage,
  cb: (err: Error | null, values: Record<string, unknown>) => void,
): void {
  const values: Record<string, unknown> = {};
  let left = props.length;
  let finished = false;
  if (left === 0) {
    cb(null, values);
    return;
  }
  for (const p of props) {
    p.evaluate(msg, (err, value) => {
      if (finished) return;
      if (err) {
        finished = true;
        cb(err, values);
        return;
      }
      values[p.label] = value;
      if (--left === 0) {
        finished = true;
        cb(null, values);
      }
    });
  }
}
