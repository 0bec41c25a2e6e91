/** Defaults of the webhook ingress and its body reader. */
export const DEFAULT_MAX_BYTES = 256 * 1024;
export const DEFAULT_DEDUP_SIZE = 10_000;
