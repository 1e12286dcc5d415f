// The one way the UI talks to the daemon: JSON in and out, the CSRF token on every state change,
// and errors as ApiError carrying the server's message, code and field.

let csrfToken = null;
let onUnauthenticated = () => {};

export function setCsrfToken(token) {
  csrfToken = token;
}

/** Called when the server answers 401 (the session ended): the app sends the user to the login page. */
export function setUnauthenticatedHandler(f) {
  onUnauthenticated = f;
}

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error) || `the server answered HTTP ${status}`);
    this.status = status;
    this.code = body && body.code;
    this.field = body && body.field;
  }
}

/**
 * Calls /api/v1{path}. `query` values that are undefined, null or '' are left out. Resolves with
 * the parsed JSON (null for 204) or rejects with ApiError.
 */
export async function api(method, path, { body, query, quiet401 = false } = {}) {
  let url = '/api/v1' + path;
  if (query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
    }
    const s = q.toString();
    if (s) url += '?' + s;
  }
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let resp;
  try {
    resp = await fetch(url, {
      method, headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, { error: 'the daemon cannot be reached: ' + e.message, code: 'NETWORK' });
  }
  if (resp.status === 204) return null;
  const text = await resp.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { error: text };
    }
  }
  if (!resp.ok) {
    const err = new ApiError(resp.status, data);
    if (resp.status === 401 && !quiet401) onUnauthenticated(err);
    throw err;
  }
  return data;
}
