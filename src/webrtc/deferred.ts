/**
 * A WebrtcBackend whose real backend is known later (the embedded simulator starting): each
 * call waits for it; when it cannot start, each call rejects with that reason.
 */
import type { WebrtcBackend } from './api';

export function deferredBackend(ready: Promise<WebrtcBackend>): WebrtcBackend {
  ready.catch(() => undefined); // rejections surface per call, never as unhandled
  return new Proxy({} as WebrtcBackend, {
    get(_target, name) {
      if (typeof name !== 'string') return undefined;
      return async (...args: unknown[]) => {
        const backend = (await ready) as unknown as Record<string, (...a: unknown[]) => unknown>;
        const fn = backend[name];
        if (typeof fn !== 'function') throw new Error(`backend has no ${name}`);
        return fn.apply(backend, args);
      };
    },
  });
}
