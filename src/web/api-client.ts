/**
 * The viewer's REST calls and its access token. The token lives in localStorage so a reload
 * does not ask again; a 401 means "ask the user" (see viewer.ts).
 */

/** localStorage key of the bearer token. */
export const TOKEN_KEY = 'ssd-stream.token';

/** Thrown when the API answers 401. */
export class UnauthorizedError extends Error {
  constructor() {
    super('the server wants a token');
    this.name = 'UnauthorizedError';
  }
}

/** The stored token, or null. */
export function getToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null; // storage disabled (privacy mode): run without remembering
  }
}

/** Stores (or with null, forgets) the token. */
export function setToken(token: string | null): void {
  try {
    if (token === null) localStorage.removeItem(TOKEN_KEY);
    else localStorage.setItem(TOKEN_KEY, token);
  } catch {
    // storage disabled: the token lasts for this page only
  }
}

/** GETs `path` as JSON with the token; throws {@link UnauthorizedError} on 401. */
export async function apiGet<T>(path: string): Promise<T> {
  const token = getToken();
  const res = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (res.status === 401) throw new UnauthorizedError();
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(`${path}: ${res.status} ${body?.error?.message ?? res.statusText}`);
  }
  return (await res.json()) as T;
}
