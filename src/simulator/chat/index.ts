export * from './api';
export { ChatSimulator } from './server';
export { DEFAULT_REPS } from './world';
