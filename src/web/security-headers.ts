/** HTTP response headers of every page vipgate serves (the status page, server.ts, and the setup page, setup-page.ts). */
export const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  // not no-referrer: with it, browsers send "Origin: null" on same-origin form posts
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};
