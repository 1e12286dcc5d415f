// Hash routing: #/path?key=value. Each page module exports
//   render(root, ctx) -> optional cleanup function (called when the page is left)
// with ctx = { params: URLSearchParams, go(path, params), setParams(params), session }.
import { pages, HOME } from './pages/index.js';
import { session } from './session.js';
import { clear, h } from './dom.js';

let cleanup = null;
let renderCount = 0;

export function currentRoute() {
  const raw = location.hash.replace(/^#/, '') || HOME;
  const [path, query] = raw.split('?');
  return { path, params: new URLSearchParams(query || '') };
}

function hashOf(path, params) {
  const q = params ? new URLSearchParams(params).toString() : '';
  return '#' + path + (q ? '?' + q : '');
}

export function go(path, params) {
  const target = hashOf(path, params);
  if (location.hash === target) render();
  else location.hash = target;
}

/** Changes the address's parameters without rendering again (the page keeps its own state). */
export function setParams(params) {
  history.replaceState(null, '', hashOf(currentRoute().path, params));
}

export async function render() {
  const { path, params } = currentRoute();
  if (session.setupNeeded && path !== '/setup') return go('/setup');
  if (!session.setupNeeded && path === '/setup') return go(session.authenticated ? HOME : '/login');
  const page = pages.find((p) => p.path === path);
  if (!page) return go(HOME);
  if (!page.public && !session.authenticated) return go('/login');
  if (page.path === '/login' && session.authenticated) return go(HOME);

  const main = document.getElementById('main');
  const mine = ++renderCount;
  if (cleanup) {
    try { cleanup(); } catch (e) { console.error(e); }
    cleanup = null;
  }
  updateChrome(page);
  const mod = await page.load();
  if (mine !== renderCount) return;
  clear(main);
  document.title = page.title + ' · snapferry';
  main.dataset.page = page.path.slice(1);
  try {
    const c = await mod.render(main, { params, go, setParams, session });
    if (typeof c === 'function') cleanup = c;
  } catch (e) {
    main.appendChild(h('p', { class: 'form-error', text: e.message || String(e) }));
  }
}

function updateChrome(page) {
  const sidebar = document.getElementById('sidebar');
  const shell = !page.public && session.authenticated;
  sidebar.hidden = !shell;
  document.getElementById('layout').classList.toggle('with-sidebar', shell);
  if (!shell) return;
  document.getElementById('who').textContent = session.username || '';
  const nav = clear(document.getElementById('nav'));
  for (const p of pages.filter((x) => x.nav)) {
    nav.appendChild(h('a', {
      href: '#' + p.path, class: 'nav-link' + (p === page ? ' active' : ''),
      'aria-current': p === page ? 'page' : null, dataset: { nav: p.path.slice(1) }, text: p.title,
    }));
  }
}
