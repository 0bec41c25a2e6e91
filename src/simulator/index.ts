export * from './api';
export { Simulator } from './simulator';
export { Model, PREVIEW_RESULT } from './model';
export { DEFAULT_RULES, NumberRules, loadScenarioFile, validateScenario } from './scenario';
export { WebhookSender } from './webhooks';
