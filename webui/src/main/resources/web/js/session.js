// Who is logged in, as the server says (GET /api/v1/session).
import { api, setCsrfToken } from './api.js';

export const session = { authenticated: false, username: null, setupNeeded: false };

export async function refreshSession() {
  const s = await api('GET', '/session', { quiet401: true });
  session.authenticated = s.authenticated;
  session.username = s.username;
  session.setupNeeded = s.setupNeeded;
  setCsrfToken(s.csrfToken);
  return session;
}
