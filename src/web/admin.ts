/**
 * Admin access for actions that change the router (reset a BGP session). Off unless a token is
 * configured. Logging in with the token gives a session cookie (HttpOnly, SameSite=Strict); every form
 * that acts carries a CSRF token derived from the session (synchronizer token, HMAC), and a POST whose
 * Origin is not this server is refused. Scripts may instead send `Authorization: Bearer <token>`
 * (no cookie, so no CSRF exposure). Tokens are compared in constant time and never logged.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'vg_admin';
const SESSION_MS = 8 * 3600_000;

function digest(s: string): Buffer { return createHash('sha256').update(s).digest(); }

/** Constant-time comparison of two secrets of any length. */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), decodeURIComponent(part.slice(eq + 1).trim()));
  }
  return out;
}

export class AdminGate {
  private readonly sessions = new Map<string, number>();
  private readonly key = randomBytes(32);

  constructor(private readonly token: string, private readonly now: () => number = Date.now) {
    if (token.length < 12) throw new Error('the web admin token must be at least 12 characters');
  }

  checkToken(candidate: string | undefined): boolean {
    return typeof candidate === 'string' && sameSecret(candidate, this.token);
  }

  /** A new session for a correct token; its id goes into the cookie. */
  login(candidate: string | undefined): string | undefined {
    if (!this.checkToken(candidate)) return undefined;
    const id = randomBytes(32).toString('hex');
    this.sessions.set(id, this.now() + SESSION_MS);
    return id;
  }

  logout(id: string | undefined): void { if (id) this.sessions.delete(id); }

  /** The session id from a Cookie header when it is a live session. */
  session(cookieHeader: string | undefined): string | undefined {
    const id = parseCookies(cookieHeader).get(SESSION_COOKIE);
    if (!id) return undefined;
    const until = this.sessions.get(id);
    if (until === undefined || until < this.now()) { this.sessions.delete(id); return undefined; }
    return id;
  }

  csrfFor(session: string): string {
    return createHmac('sha256', this.key).update(session).digest('base64url');
  }

  checkCsrf(session: string, candidate: string | undefined): boolean {
    return typeof candidate === 'string' && sameSecret(candidate, this.csrfFor(session));
  }
}

/** A POST from a page of another origin (browsers send Origin on POST): refuse it. */
export function foreignOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== host;
  } catch {
    return true;
  }
}
