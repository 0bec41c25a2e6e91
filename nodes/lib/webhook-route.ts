/**
 * A POST route on Node-RED's HTTP server (RED.httpNode) that keeps the raw request body, set up
 * as core `http in` sets up its routes:
 * - no route at all when `httpNodeRoot` is false (webhookRoutesEnabled; the node warns);
 * - `httpNodeMiddleware` (a function or an array) runs before the route;
 * - closing the route removes it from the router.
 *
 * Node-RED's admin app parses JSON bodies before custom routes when both roots are "/", and an
 * HMAC needs the exact bytes, so (as core `http in` does for "skip body parsing") a capture
 * middleware sits at the top of the root app's stack. For the registered paths it only marks the
 * request as parsed, so no body parser reads it; the body itself is read after the middleware
 * by the route, through the core's capped reader (src/webhook/http.ts): a declared length over
 * the limit is refused before reading, a longer stream is cut at the limit.
 */
import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import { answerError, leftoverBody, readCappedBody } from '../../src/webhook/http';

export interface RawRequest extends Request {
  /** Marked by the capture: this request's body is the webhook's to read. */
  ccWebhook?: boolean;
  _body?: boolean;
}

interface RootState {
  /** Registered route keys, with how many routes use each. */
  routes: Map<string, number>;
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

function installCapture(root: AppWithRouter): RootState {
  const known = roots.get(root);
  if (known) return known;
  const created: RootState = { routes: new Map() };
  roots.set(root, created);
  const capture = (req: RawRequest, _res: Response, next: NextFunction): void => {
    if (req.method !== 'POST' || created.routes.size === 0 || req._body) return next();
    if (!created.routes.has(routeKey('POST', pathOf(req)))) return next();
    req._body = true; // body parsers skip a request marked as parsed
    req.ccWebhook = true; // the route reads it, after httpNodeMiddleware
    next();
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
  /** The bytes as received (empty when tooLarge). */
  rawBody: Buffer;
  /** The body is longer than maxBytes: not read (the answer closes the connection). */
  tooLarge: boolean;
  /** The stream was consumed by someone else; rawBody was rebuilt from the parsed body. */
  reserialized: boolean;
}

export interface WebhookRoute {
  /** The path as registered on RED.httpNode. */
  readonly url: string;
  close(): void;
}

/** What addWebhookRoute needs of the runtime API (RED). */
export interface WebhookHost {
  httpNode: Express;
  settings: { httpNodeRoot?: unknown; httpNodeMiddleware?: unknown };
}

/** False when `httpNodeRoot: false` turned Node-RED's HTTP node routes off (core http in). */
export function webhookRoutesEnabled(RED: WebhookHost): boolean {
  return safeSetting(RED, 'httpNodeRoot') !== false;
}

function safeSetting(RED: WebhookHost, name: 'httpNodeRoot' | 'httpNodeMiddleware'): unknown {
  try {
    return RED.settings[name]; // the runtime's settings object throws on unknown names
  } catch {
    return undefined;
  }
}

function nodeMiddleware(RED: WebhookHost): RequestHandler | RequestHandler[] {
  const m = safeSetting(RED, 'httpNodeMiddleware');
  if (typeof m === 'function' || Array.isArray(m)) return m as RequestHandler | RequestHandler[];
  return (_req, _res, next) => next();
}

/**
 * Register `POST url` on httpNode (after httpNodeMiddleware). The handler receives the body;
 * when `tooLarge`, nothing was read and the connection is marked to close after the answer.
 * `onError` hears errors raised on the way (middleware, aborted stream); the sender gets a
 * safe JSON answer. Throws when webhookRoutesEnabled() is false.
 */
export function addWebhookRoute(
  RED: WebhookHost,
  url: string,
  maxBytes: number,
  handler: (req: RawRequest, res: Response, body: CapturedBody) => void,
  onError?: (err: unknown) => void,
  /** Also answer `GET url` (a vendor that pushes its fields in the query, e.g. Tinet). */
  alsoGet = false,
): WebhookRoute {
  if (!webhookRoutesEnabled(RED)) throw new Error('httpNodeRoot is false: no HTTP node routes');
  const app = RED.httpNode as AppWithRouter;
  const path = url.startsWith('/') ? url : `/${url}`;
  const mount = typeof app.path === 'function' ? app.path() : '';
  const key = routeKey('POST', mount + path);
  const state = installCapture(rootOf(app));
  state.routes.set(key, (state.routes.get(key) ?? 0) + 1);

  const route = (req: RawRequest, res: Response, next: NextFunction): void => {
    // Read the stream unless something before the route already has: a body parser (it marks
    // `_body`, which the capture above sets to keep parsers away) or any middleware that read
    // the stream to its end (waiting for it then would never answer).
    if (!req.readableEnded && (req.ccWebhook || !req._body)) {
      req._body = true;
      readCappedBody(req, maxBytes, (err, body) => {
        if (err || !body) return next(err);
        if (body.tooLarge) res.setHeader('connection', 'close');
        handler(req, res, { ...body, reserialized: false });
      });
      return;
    }
    // Someone parsed it already: the exact bytes are gone; hand over what is left.
    const left = leftoverBody(req.body);
    handler(req, res, { ...left, tooLarge: left.rawBody.length > maxBytes });
  };
  const failed = (err: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    onError?.(err);
    answerError(res, err);
  };
  app.post(path, nodeMiddleware(RED), route as RequestHandler, failed);
  const getRoute = (req: RawRequest, res: Response): void =>
    handler(req, res, { rawBody: Buffer.alloc(0), tooLarge: false, reserialized: false });
  if (alsoGet) app.get(path, nodeMiddleware(RED), getRoute as RequestHandler, failed);

  let closed = false;
  return {
    url: path,
    close() {
      if (closed) return;
      closed = true;
      const n = (state.routes.get(key) ?? 1) - 1;
      if (n <= 0) state.routes.delete(key);
      else state.routes.set(key, n);
      const stack = routerStack(app);
      if (!stack) return;
      for (let i = stack.length - 1; i >= 0; i--) {
        const r = stack[i].route;
        const ours = r?.stack.some((l) => l.handle === route || l.handle === getRoute);
        if (r && r.path === path && (r.methods.post || r.methods.get) && ours) {
          stack.splice(i, 1);
        }
      }
    },
  };
}
