/**
 * The Voice API's BXML answers this family gives to call callbacks. The transfer into a WebRTC
 * session is the vendor's documented `<Transfer><SipUri uui="<token>;encoding=jwt">` to the
 * WebRTC platform's SIP address; while a call waits (answered, or back from a session) it is
 * held with a long `<Pause>` so the flow decides what happens next (modifyCall).
 */

/** The vendor's WebRTC SIP gateway (the documented default). */
export const WEBRTC_SIP_URI = 'sip:sipx.webrtc.bandwidth.com:5060';

/** Seconds a held call waits for the flow (the vendor's maximum pause is a day). */
export const HOLD_SECONDS = 3600;

export function xmlEscape(s: string): string {
  return s.replace(/[<>&"']/g, (c) =>
    c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : c === '"' ? '&quot;' : '&apos;',
  );
}

const HEAD = '<?xml version="1.0" encoding="UTF-8"?>';

export function holdBxml(seconds: number = HOLD_SECONDS): string {
  return `${HEAD}<Response><Pause duration="${Math.max(1, Math.round(seconds))}"/></Response>`;
}

export function hangupBxml(): string {
  return `${HEAD}<Response><Hangup/></Response>`;
}

/**
 * Transfer the call into the session the participant of `token` belongs to. The callback URLs
 * bring transferAnswer (the WebRTC leg answered) and transferComplete (the leg ended; the
 * answer to it is what the call does next).
 */
export function transferBxml(
  token: string,
  callbacks: { transferAnswerUrl?: string; transferCompleteUrl?: string },
  sipUri: string = WEBRTC_SIP_URI,
): string {
  const complete = callbacks.transferCompleteUrl
    ? ` transferCompleteUrl="${xmlEscape(callbacks.transferCompleteUrl)}"`
    : '';
  const answer = callbacks.transferAnswerUrl
    ? ` transferAnswerUrl="${xmlEscape(callbacks.transferAnswerUrl)}"`
    : '';
  return (
    `${HEAD}<Response><Transfer${complete}>` +
    `<SipUri uui="${xmlEscape(token)};encoding=jwt"${answer}>${xmlEscape(sipUri)}</SipUri>` +
    `</Transfer></Response>`
  );
}
