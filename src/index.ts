/**
 * The package's API for programs that do not use Node-RED (`require('@ccflow/node-red-contact-center')`):
 * the gateway client, the contact-center simulator, the call tracker, the webhook ingress and the
 * operation catalogue with its validation. Nothing here loads Node-RED; the nodes are registered
 * from package.json `node-red.nodes`, not from this file.
 */

// Gateway client: one connection to a gateway (or the simulator), operations with one outcome,
// subscriptions, events, reconnect and resume.
export { GatewayClient, PROBLEM_CODES, type Problem } from './client/gateway-client';
export type * from './client/api';

// Platform drivers: the contract every vendor wire implements, our protocol (the client's
// default) and Era / Incoplax (built from the vendor's public documents, see docs/platforms.md).
export { carriageTable } from './platforms/api';
export type * from './platforms/api';
export { CcflowDriver, type CcflowDriverOptions } from './platforms/ccflow/driver';
export { EraDriver, type EraDriverOptions } from './platforms/era/driver';

// The virtual contact center: a real WebSocket server speaking docs/protocol.md (and the
// Era / Incoplax WebSocket API on /ws/token/v1/<token> and /ws).
export { Simulator } from './simulator/simulator';
export {
  DEFAULT_RULES,
  NumberRules,
  loadScenarioFile,
  validateScenario,
} from './simulator/scenario';
export type * from './simulator/api';

// The call tracker: merges dialog webhooks, ccsevents and agent events into bounded snapshots.
export { CallTracker, toPlainJson } from './tracker/call-tracker';
export type * from './tracker/api';

// The webhook ingress: size, token / HMAC, content type, JSON, schema and duplicate checks of one
// delivery, framework-free (feed it the raw body of an HTTP request).
export { WebhookIngress } from './webhook/ingress';
export type * from './webhook/api';

// The operation catalogue (operation -> response -> process events -> outcomes) and validation.
export {
  EVENT_NAMES,
  OPERATIONS,
  getOperation,
  validateEventData,
  validateParams,
  type EventFamily,
  type OperationSpec,
} from './protocol';
