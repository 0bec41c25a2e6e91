/**
 * Which proxy a WebSocket URL goes through, read from the environment as core Node-RED's
 * websocket and http request nodes read it: HTTPS_PROXY / https_proxy for wss://, HTTP_PROXY /
 * http_proxy for ws:// (falling back to the other), unless NO_PROXY / no_proxy lists the host
 * (`*`, a host, `.domain` or `domain` suffix, optionally with `:port`).
 */
export type Env = Record<string, string | undefined>;

function first(env: Env, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = env[n];
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
  }
  return undefined;
}

function bypassed(host: string, port: string, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return noProxy
    .split(/[,\s]+/)
    .filter(Boolean)
    .some((entry) => {
      if (entry === '*') return true;
      const m = /^(.*?)(?::(\d+))?$/.exec(entry.toLowerCase());
      const name = (m?.[1] ?? '').replace(/^\*/, '').replace(/^\[|\]$/g, '');
      const p = m?.[2];
      if (p && p !== port) return false;
      if (name === '') return false;
      if (name.startsWith('.')) return h.endsWith(name) || h === name.slice(1);
      return h === name || h.endsWith(`.${name}`);
    });
}

/** The proxy URL for `url`, or undefined to connect directly. */
export function proxyFor(url: string, env: Env = process.env): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const secure = u.protocol === 'wss:' || u.protocol === 'https:';
  const proxy = secure
    ? first(env, 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy')
    : first(env, 'HTTP_PROXY', 'http_proxy');
  if (!proxy) return undefined;
  const port = u.port || (secure ? '443' : '80');
  if (bypassed(u.hostname, port, first(env, 'NO_PROXY', 'no_proxy'))) return undefined;
  return proxy;
}
