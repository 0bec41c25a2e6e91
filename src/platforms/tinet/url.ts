/**
 * The check of a Tinet base URL, apart from the driver so that reading a gateway's settings
 * does not load the driver (it is loaded when a gateway on Tinet connects).
 */

/** Why a base URL cannot be used, or undefined. */
export function tinetUrlProblem(url: unknown): string | undefined {
  if (typeof url !== 'string' || url.trim() === '') return 'the Tinet base URL is empty';
  let u: URL;
  try {
    u = new URL(url.replace('{region}', '1').replace('{version}', 'v10'));
  } catch {
    return 'the Tinet base URL is not a URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    return `the Tinet base URL must be http:// or https://, not ${u.protocol}`;
  }
  return undefined;
}
