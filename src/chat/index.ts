export * from './api';
export * from './catalogue';
export { ChatClient, checkParams, type RunRequest } from './client';
export { flattenCallback, linksOf, validateCallback, type CallbackResult } from './envelope';
export { SessionStore } from './sessions';
