// Start-up: ask who we are, then route.
import { api, setUnauthenticatedHandler } from './api.js';
import { refreshSession, session } from './session.js';
import { go, render } from './router.js';
import { toast } from './dom.js';

setUnauthenticatedHandler(async () => {
  await refreshSession().catch(() => {});
  if (!session.authenticated) {
    toast('Your session has ended. Please log in again.', 'error');
    go('/login');
  }
});

document.getElementById('logout').addEventListener('click', async () => {
  try {
    await api('DELETE', '/session');
  } catch (e) {
    toast(e.message, 'error');
  }
  await refreshSession();
  go('/login');
});

window.addEventListener('hashchange', render);

refreshSession()
  .then(render)
  .catch((e) => {
    document.getElementById('main').textContent = 'The daemon cannot be reached: ' + e.message;
  });
