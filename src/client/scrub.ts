/**
 * Secrets never leave the client: every log line, status and error goes through a scrubber
 * that removes URL user info, URL query strings and path tokens (`/ws/token/v1/<token>`), and
 * the driver's secret strings (passwords, tokens).
 */

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const USER_INFO = /(\b(?:wss?|https?):\/\/)[^/@\s]*@/gi;
const QUERY = /(\b(?:wss?|https?):\/\/[^\s?#]*\?)[^\s#]+/gi;
const PATH_TOKEN = /(\/token\/v\d+\/)[^/?#\s]+/gi;

/** A scrubber for the given secrets (texts shorter than 3 characters are not searched). */
export function makeScrubber(secrets: readonly string[]): (text: string) => string {
  const parts = secrets.filter((s) => typeof s === 'string' && s.length >= 3).map(escapeRegExp);
  const secretRe = parts.length > 0 ? new RegExp(parts.join('|'), 'g') : null;
  return (text: string): string => {
    let t = String(text)
      .replace(USER_INFO, '$1***@')
      .replace(QUERY, '$1***')
      .replace(PATH_TOKEN, '$1***');
    if (secretRe) t = t.replace(secretRe, '***');
    return t;
  };
}
