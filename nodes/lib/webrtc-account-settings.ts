/**
 * The cc-webrtc-account editor settings, read and checked once (no Node-RED import).
 */
import { VENDOR_VOICE_BASE_URL, VENDOR_WEBRTC_BASE_URL } from '../../src/webrtc/vendor-urls';

export interface WebrtcAccountConfig {
  mode?: 'simulator' | 'vendor';
  accountId?: string;
  applicationId?: string;
  webrtcBaseUrl?: string;
  voiceBaseUrl?: string;
  /** How the vendor (or the simulator) reaches this Node-RED, e.g. https://nr.example.com */
  callbackBaseUrl?: string;
  /** Path of the callback routes on Node-RED's HTTP server. */
  callbackPath?: string;
  maxKb?: string | number;
  /** Embedded simulator: time scale. */
  speed?: string | number;
}

export interface WebrtcAccountCredentials {
  username?: string;
  password?: string;
  callbackToken?: string;
}

export interface WebrtcAccountSettings {
  mode: 'simulator' | 'vendor';
  accountId: string;
  applicationId: string;
  webrtcBaseUrl: string;
  voiceBaseUrl: string;
  callbackBaseUrl: string;
  callbackPath: string;
  maxBytes: number;
  speed: number;
  username: string;
  password: string;
  callbackToken: string;
  configError?: string;
}

function httpUrl(v: string | undefined): boolean {
  if (!v) return false;
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

export function readWebrtcSettings(
  id: string,
  c: WebrtcAccountConfig,
  creds: WebrtcAccountCredentials | undefined,
): WebrtcAccountSettings {
  const mode = c.mode === 'vendor' ? 'vendor' : 'simulator';
  const maxKb = Number(c.maxKb);
  const speed = Number(c.speed);
  let path = (c.callbackPath ?? '').trim() || `/cc-webrtc/${id.replace(/[^A-Za-z0-9_-]/g, '')}`;
  if (!path.startsWith('/')) path = `/${path}`;
  const s: WebrtcAccountSettings = {
    mode,
    accountId: (c.accountId ?? '').trim(),
    applicationId: (c.applicationId ?? '').trim(),
    webrtcBaseUrl: (c.webrtcBaseUrl ?? '').trim() || VENDOR_WEBRTC_BASE_URL,
    voiceBaseUrl: (c.voiceBaseUrl ?? '').trim() || VENDOR_VOICE_BASE_URL,
    callbackBaseUrl: (c.callbackBaseUrl ?? '').trim().replace(/\/+$/, ''),
    callbackPath: path.replace(/\/+$/, ''),
    maxBytes: Math.round((Number.isFinite(maxKb) && maxKb > 0 ? maxKb : 64) * 1024),
    speed: Number.isFinite(speed) && speed > 0 ? speed : 1,
    username: creds?.username ?? '',
    password: creds?.password ?? '',
    callbackToken: creds?.callbackToken ?? '',
  };
  Object.defineProperty(s, 'password', { enumerable: false });
  Object.defineProperty(s, 'callbackToken', { enumerable: false });
  if (s.callbackBaseUrl && !httpUrl(s.callbackBaseUrl)) {
    s.configError = 'the callback base URL must be an http(s) URL';
  }
  if (mode === 'vendor') {
    if (!s.accountId) s.configError ??= 'the account id is required';
    if (!s.applicationId) s.configError ??= 'the voice application id is required';
    if (!s.username || !s.password) s.configError ??= 'the API username and password are required';
    if (!httpUrl(s.webrtcBaseUrl) || !httpUrl(s.voiceBaseUrl)) {
      s.configError ??= 'the API base URLs must be http(s) URLs';
    }
    if (!s.callbackBaseUrl) {
      s.configError ??= 'the callback base URL (how the vendor reaches this Node-RED) is required';
    }
  }
  return s;
}
