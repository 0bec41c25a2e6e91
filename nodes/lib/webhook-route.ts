/**
 * A POST route on Node-RED's HTTP server (RED.httpNode) that keeps the raw request body.
 *
 * Node-RED's admin app parses JSON bodies before custom routes when both roots are "/", and
 * an HMAC needs the exact bytes, so (as core `http in` does for "skip body parsing") a capture
 * middleware is put at the top of the root app's stack. It reads the body of the registered
 * paths only, up to a limit (one byte more, so the ingress can tell "too large"), marks the
 * request as parsed so no body parser touches it, and leaves every other request alone.
 * Closing the route removes it from the router, as core `http in` does.
 */
import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';

export interface RawRequest extends Request {
  ccRawBody?: Buffer;
  ccTooLarge?: boolean;
  _body?: boolean;
}

interface CaptureEntry {
  maxBytes: number;
  count: number;
}

interface RootState {
  routes: Map<string, CaptureEntry>;
}

const roots = new WeakMap<object, RootState>();

interface ExpressLayer {
  handle: unknown;
  route?: { path: string; methods: Record<string, boolean>; stack: { handle: unknown }[] };
}

type AppWithRouter = Express & { parent?: AppWithRouter };

function routerStack(app: AppWithRouter): ExpressLayer[] | undefined {
  return (app as unknown as { _router?: { stack: ExpressLayer[] } })._router?.stack;
}

function rootOf(app: AppWithRouter): AppWithRouter {
  let a = app;
  while (a.parent) a = a.parent;
  return a;
}

/** `POST:/a/b` with repeated slashes folded and no trailing slash, like core http in. */
export function routeKey(method: string, url: string): string {
  return `${method.toUpperCase()}:${url.replace(/\/{2,}/g, '/').replace(/\/$/, '')}`;
}

function pathOf(req: Request): string {
  const url = req.originalUrl || req.url || '';
  const q = url.indexOf('?');
  return q >= 0 ? url.slice(0, q) : url;
}

function readCapped(req: RawRequest, maxBytes: number, done: (err?: Error) => void): void {
  const chunks: Buffer[] = [];
  let kept = 0;
  let tooLarge = false;
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) tooLarge = true;
  req.on('data', (chunk: Buffer) => {
    if (kept > maxBytes) return; // keep draining, drop the rest
    chunks.push(chunk);
    kept += chunk.length;
    if (kept > maxBytes) tooLarge = true;
  });
  req.on('end', () => {
    const buf = Buffer.concat(chunks);
    req.ccTooLarge = tooLarge;
    req.ccRawBody = tooLarge ? buf.subarray(0, Math.min(buf.length, maxBytes + 1)) : buf;
    done();
  });
  req.on('error', (err) => done(err));
}

function installCapture(root: AppWithRouter): RootState {
  const known = roots.get(root);
  if (known) return known;
  const created: RootState = { routes: new Map() };
  roots.set(root, created);
  const capture = (req: RawRequest, _res: Response, next: NextFunction): void => {
    if (req.method !== 'POST' || created.routes.size === 0 || req._body) return next();
    const entry = created.routes.get(routeKey('POST', pathOf(req)));
    if (!entry) return next();
    req._body = true; // body parsers skip a request marked as parsed
    readCapped(req, entry.maxBytes, (err) => next(err));
  };
  root.use(capture as RequestHandler);
  const stack = routerStack(root);
  if (stack) {
    const i = stack.findIndex((layer) => layer.handle === capture);
    if (i > 0) stack.unshift(stack.splice(i, 1)[0]);
  }
  return created;
}

export interface CapturedBody {
  /** The bytes as received (at most maxBytes + 1 of them). */
  rawBody: Buffer;
  /** The body was longer than maxBytes. */
  tooLarge: boolean;
  /** The stream was consumed by someone else; rawBody was rebuilt from the parsed body. */
  reserialized: boolean;
}

export interface WebhookRoute {
  /** The path as registered on RED.httpNode. */
  readonly url: string;
  close(): void;
}

/**
 * Register `POST url` on httpNode. The handler receives the raw body (at most maxBytes + 1
 * bytes; `tooLarge` says the body was longer).
 */
export function addWebhookRoute(
  httpNode: Express,
  url: string,
  maxBytes: number,
  handler: (req: RawRequest, res: Response, body: CapturedBody) => void,
): WebhookRoute {
  const app = httpNode as AppWithRouter;
  const path = url.startsWith('/') ? url : `/${url}`;
  const mount = typeof app.path === 'function' ? app.path() : '';
  const key = routeKey('POST', mount + path);
  const state = installCapture(rootOf(app));
  const entry = state.routes.get(key);
  if (entry) {
    entry.count++;
    entry.maxBytes = Math.max(entry.maxBytes, maxBytes);
  } else state.routes.set(key, { maxBytes, count: 1 });

  const route = (req: RawRequest, res: Response, next: NextFunction): void => {
    if (req.ccRawBody) {
      handler(req, res, {
        rawBody: req.ccRawBody,
        tooLarge: req.ccTooLarge === true,
        reserialized: false,
      });
      return;
    }
    if (!req._body && !req.readableEnded) {
      // Not seen by the capture (mounted elsewhere): read it here.
      req._body = true;
      readCapped(req, maxBytes, (err) => {
        if (err) return next(err);
        handler(req, res, {
          rawBody: req.ccRawBody ?? Buffer.alloc(0),
          tooLarge: req.ccTooLarge === true,
          reserialized: false,
        });
      });
      return;
    }
    // Someone parsed it already: the exact bytes are gone; hand over what is left.
    const body: unknown = req.body;
    let raw: Buffer;
    let reserialized = false;
    if (Buffer.isBuffer(body)) raw = body;
    else {
      let text: string;
      try {
        text = typeof body === 'string' ? body : (JSON.stringify(body) ?? '');
      } catch {
        text = ''; // cycles, BigInt: nothing usable is left
      }
      raw = Buffer.from(text, 'utf8');
      reserialized = true;
    }
    handler(req, res, { rawBody: raw, tooLarge: raw.length > maxBytes, reserialized });
  };
  app.post(path, route as RequestHandler);

  let closed = false;
  return {
    url: path,
    close() {
      if (closed) return;
      closed = true;
      const e = state.routes.get(key);
      if (e && --e.count <= 0) state.routes.delete(key);
      const stack = routerStack(app);
      if (!stack) return;
      for (let i = stack.length - 1; i >= 0; i--) {
        const r = stack[i].route;
        if (r && r.path === path && r.methods.post && r.stack.some((l) => l.handle === route)) {
          stack.splice(i, 1);
        }
      }
    },
  };
}
