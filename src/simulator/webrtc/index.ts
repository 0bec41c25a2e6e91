export { WebrtcSimulator, type WebrtcSimulatorOptions, type WebrtcSimulatorUrls } from './server';
export { WebrtcModel, SESSION_TTL_MS, TOKEN_TTL_MS } from './model';
export { parseBxml } from './voice';
