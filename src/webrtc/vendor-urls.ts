/**
 * The vendor's API base URLs (the defaults of a cc-webrtc-account in vendor mode), apart from
 * the REST client so that reading the node's settings does not load it.
 */
export const VENDOR_WEBRTC_BASE_URL = 'https://api.webrtc.bandwidth.com/v1';
export const VENDOR_VOICE_BASE_URL = 'https://voice.bandwidth.com/api/v2';
