/**
 * A JSON Schema validator compiled on its first use, ajv itself loaded then: Node-RED loads the
 * whole palette at start, and compiling schemas there cost hundreds of ms. Every family's
 * schemas (callbacks, envelopes) go through this; test/startup.test.ts checks the palette loads
 * without ajv.
 */
import type { default as AjvClass, Options, ValidateFunction } from 'ajv';

/** The validator of `schema`, compiled (with `options`) on the first call, then kept. */
export function lazyValidator<T = unknown>(
  schema: object,
  options: Options,
): () => ValidateFunction<T> {
  let fn: ValidateFunction<T> | undefined;
  return () => {
    if (!fn) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const Ajv = (require('ajv') as { default: typeof AjvClass }).default;
      fn = new Ajv(options).compile<T>(schema);
    }
    return fn;
  };
}
