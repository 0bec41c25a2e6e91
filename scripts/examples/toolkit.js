// The toolkit of the example generator: stable ids, a flow under construction, the shapes of the
// nodes the examples use, and the output count of each operation node read from the operation
// catalogue (the compiled dist/src/protocol/catalogue.js: run `npm run build` first).
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..', '..');

/** Stable 16-hex-digit ids: unique per example, unchanged between runs. */
function idOf(slug, key) {
  return crypto.createHash('sha256').update(`${slug}/${key}`).digest('hex').slice(0, 16);
}

/** The eight dialog webhook bodies of Conpeek's outbound-call example, verbatim and in order. */
function seed003Bodies() {
  const file = path.join(root, 'test', 'fixtures', 'seeds', '003_f315eb356672ae0f.txt');
  const text = fs.readFileSync(file, 'utf8');
  const bodies = [];
  let from = 0;
  for (;;) {
    const at = text.indexOf('Body', from);
    if (at < 0) break;
    const start = text.indexOf('{', at);
    let depth = 0;
    let end = start;
    let inString = false;
    for (; end < text.length; end++) {
      const c = text[end];
      if (inString) {
        if (c === '\\') end++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{') depth++;
      else if (c === '}' && --depth === 0) break;
    }
    bodies.push(JSON.parse(text.slice(start, end + 1)));
    from = end + 1;
  }
  if (bodies.length !== 8) throw new Error(`Conpeek bodies: expected 8, found ${bodies.length}`);
  return bodies;
}

/** A flow under construction: nodes keyed by a short name, wired by those names. */
function flow(slug, label, info) {
  const tabId = idOf(slug, 'tab');
  const nodes = [{ id: tabId, type: 'tab', label, disabled: false, info }];
  const api = {
    slug,
    tab: tabId,
    id: (key) => idOf(slug, key),
    /** Adds a node on the tab; `wires` lists, per output, the keys of the nodes it feeds. */
    add(key, node, x, y, wires) {
      const n = { id: idOf(slug, key), ...node, z: tabId, x, y };
      if (wires !== undefined) n.wires = wires.map((out) => out.map((k) => idOf(slug, k)));
      nodes.push(n);
      return api;
    },
    /** The embedded-simulator gateway every example includes (a global config node). */
    gateway(opts = {}) {
      nodes.push({
        id: idOf(slug, 'gateway'),
        type: 'cc-gateway',
        name: opts.name || 'embedded simulator',
        mode: 'simulator',
        url: '',
        tenant: 'demo',
        ca: '',
        verifyCert: true,
        heartbeat: 15,
        responseTimeout: 10,
        reconnectInitial: 0.5,
        reconnectMax: 30,
        simSpeed: 1,
        simInbound: opts.inbound || 0,
        simScenario: opts.scenario ? JSON.stringify(opts.scenario) : '',
        trackerTtl: 9,
        trackerMax: 10000,
        // The platform's wire, only when not our own protocol (older examples stay as they are).
        ...(opts.platform ? { platform: opts.platform, eraAuth: 'token' } : {}),
      });
      return api;
    },
    nodes,
  };
  return api;
}

// --- node shapes --------------------------------------------------------------------------

const comment = (name, info = '') => ({ type: 'comment', name, info, wires: [] });

const inject = (name, payload, opts = {}) => ({
  type: 'inject',
  name,
  props: [{ p: 'payload' }],
  repeat: '',
  crontab: '',
  once: !!opts.once,
  onceDelay: opts.onceDelay ?? 0.1,
  topic: '',
  payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  payloadType: typeof payload === 'string' ? 'str' : 'json',
});

const debug = (name, opts = {}) => ({
  type: 'debug',
  name,
  active: opts.active !== false,
  tosidebar: true,
  console: false,
  tostatus: opts.tostatus !== false,
  complete: opts.complete || 'payload',
  targetType: opts.complete === 'true' ? 'full' : 'msg',
  statusVal: opts.statusVal || '',
  statusType: opts.statusVal ? 'msg' : 'auto',
  wires: [],
});

const fn = (name, func, outputs = 1) => ({
  type: 'function',
  name,
  func: Array.isArray(func) ? func.join('\n') : func,
  outputs,
  timeout: 0,
  noerr: 0,
  initialize: '',
  finalize: '',
  libs: [],
});

const delay = (name, seconds) => ({
  type: 'delay',
  name,
  pauseType: 'delay',
  timeout: String(seconds),
  timeoutUnits: 'seconds',
  rate: '1',
  nbRateUnits: '1',
  rateUnits: 'second',
  randomFirst: '1',
  randomLast: '5',
  randomUnits: 'seconds',
  drop: false,
  allowrate: false,
  outputs: 1,
});

const rateLimit = (name, perSecond) => ({
  ...delay(name, 1),
  pauseType: 'rate',
  rate: String(perSecond),
});

const httpIn = (name, method, url) => ({
  type: 'http in',
  name,
  url,
  method,
  upload: false,
  swaggerDoc: '',
});

const httpResponse = (name) => ({ type: 'http response', name, statusCode: '', headers: {} });

const httpRequest = (name, method, url) => ({
  type: 'http request',
  name,
  method,
  ret: 'obj',
  paytoqs: 'ignore',
  url,
  tls: '',
  persist: false,
  proxy: '',
  insecureHTTPParser: false,
  authType: '',
  senderr: false,
  headers: [],
});


/** The catalogue operation each single-operation node runs (cc-call-control names its own). */
const NODE_OPERATION = {
  'cc-preview-call': 'previewObCall',
  'cc-consult': 'startAtxfer',
  'cc-threeway': 'threewayAtxfer',
  'cc-complete-transfer': 'completeAtxfer',
};

let catalogue;
/** The compiled operation catalogue (loaded once). */
function loadCatalogue() {
  if (!catalogue) {
    const file = path.join(root, 'dist', 'src', 'protocol', 'catalogue.js');
    if (!fs.existsSync(file)) {
      throw new Error(`${path.relative(root, file)} is missing: run \`npm run build\` first`);
    }
    catalogue = require(file);
  }
  return catalogue;
}

/** How many outcome outputs an operation node has: its catalogue operation's outcomes. */
function outcomesOf(type, operationName) {
  const name = operationName ?? NODE_OPERATION[type];
  const spec = name && loadCatalogue().getOperation(name);
  if (!spec) throw new Error(`${type}: no catalogue operation "${name}"`);
  return spec.outcomes.length;
}

/**
 * An operation node; `params` maps a parameter to a TypedInput {type, value}. Its outputs are
 * the catalogue outcomes of its operation, plus progress unless `progress: false`.
 */
function operation(type, name, opts = {}) {
  const progress = opts.progress !== false;
  const n = {
    type,
    name,
    gateway: opts.gatewayId,
    agent: opts.agent ?? 'payload.agent',
    agentType: opts.agentType ?? 'msg',
    params: opts.params ?? {},
    timeout: opts.timeout ?? '',
    progress,
    outputs: outcomesOf(type, opts.operation) + (progress ? 1 : 0),
  };
  if (opts.operation) n.operation = opts.operation;
  return n;
}

const AGENT_FROM_CC = { agent: 'cc.agent', agentType: 'msg' };
const CONSULT_1002 = {
  targetType: { type: 'num', value: '1' },
  target: { type: 'str', value: '1002' },
};

/**
 * A hang-up (call control, sipUnlink) for the agent of the message (msg.cc.agent), or for a
 * fixed agent: the examples end their calls, so that their buttons work again and again.
 */
function hangUp(name, gatewayId, agent) {
  return operation('cc-call-control', name, {
    gatewayId,
    operation: 'sipUnlink',
    progress: false,
    ...(agent ? { agent, agentType: 'str' } : AGENT_FROM_CC),
  });
}

function events(type, name, gatewayId, extra = {}) {
  return {
    type,
    name,
    gateway: gatewayId,
    events: '',
    domains: '',
    ...extra,
  };
}

/** A cc-agent-events node (call context on unless `enrich: false`). */
function agentEvents(name, gatewayId, extra = {}) {
  const n = { ...events('cc-agent-events', name, gatewayId), agents: '', enrich: true, ...extra };
  delete n.domains;
  return n;
}

function dialogEvents(name, gatewayId, extra = {}) {
  return {
    type: 'cc-dialog-events',
    name,
    source: 'gateway',
    gateway: gatewayId,
    path: '',
    maxKb: 256,
    events: '',
    dialogTypes: '',
    states: '',
    directions: '',
    projects: '',
    ...extra,
  };
}

module.exports = {
  root,
  agentEvents,
  idOf,
  seed003Bodies,
  flow,
  comment,
  inject,
  debug,
  fn,
  delay,
  rateLimit,
  httpIn,
  httpResponse,
  httpRequest,
  operation,
  hangUp,
  outcomesOf,
  events,
  dialogEvents,
  AGENT_FROM_CC,
  CONSULT_1002,
};
