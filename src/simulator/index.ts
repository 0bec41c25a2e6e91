export * from './api';
export { Simulator } from './simulator';
export { Model, PREVIEW_RESULT } from './contact-center';
export { DEFAULT_RULES, NumberRules, loadScenarioFile, validateScenario } from './scenario';
export { WebhookSender } from './webhooks';
