/**
 * Optional access control: a bearer token for `/api` and `/ws`, and an allowed-origins list
 * for WebSocket upgrades (browsers send `Origin`; without a check any web page a user opens
 * could read the streams through the user's browser).
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Auth settings of the server. */
export interface AuthOptions {
  /** When set, `/api/*` and `/ws` need `Authorization: Bearer <token>` (or `?token=` on `/ws`). */
  token?: string;
  /**
   * Origins (`https://host:port`) allowed to open `/ws` and call `/api` from a browser; `*`
   * allows any. When absent only same-origin pages (Origin host equal to Host) may connect.
   * Requests without an `Origin` header (non-browser clients) are never refused by this check.
   */
  allowedOrigins?: string[];
}

/** Constant-time string comparison, so the token cannot be guessed byte by byte from timing. */
function sameSecret(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/**
 * True when the request carries the token (or no token is configured). `allowQuery` accepts
 * `?token=` too, for WebSocket upgrades where browsers cannot set headers.
 */
export function isAuthorized(req: IncomingMessage, url: URL, auth: AuthOptions | undefined, allowQuery: boolean): boolean {
  const token = auth?.token;
  if (!token) return true;
  const header = req.headers.authorization;
  const m = header ? /^Bearer\s+(.+)$/i.exec(header.trim()) : null;
  if (m && sameSecret(m[1], token)) return true;
  const q = allowQuery ? url.searchParams.get('token') : null;
  return q !== null && sameSecret(q, token);
}

/** True when the request's `Origin` may use the server (see {@link AuthOptions.allowedOrigins}). */
export function isOriginAllowed(req: IncomingMessage, auth: AuthOptions | undefined): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const allowed = auth?.allowedOrigins;
  if (allowed) return allowed.includes('*') || allowed.includes(origin.replace(/\/$/, ''));
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
