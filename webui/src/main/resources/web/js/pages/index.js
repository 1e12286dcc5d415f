// The pages of the app, one module each. To add a page: write pages/NAME.js exporting
// `render(root, ctx)` (see router.js for ctx) and add an entry here. `nav: true` puts it in the
// sidebar in this order; `public: true` lets it show without a login.
export const pages = [
  { path: '/setup', title: 'Set up', public: true, load: () => import('./setup.js') },
  { path: '/login', title: 'Log in', public: true, load: () => import('./login.js') },
  { path: '/dashboard', title: 'Dashboard', nav: true, load: () => import('./dashboard.js') },
  { path: '/datasets', title: 'Datasets', nav: true, load: () => import('./datasets.js') },
  { path: '/snapshot-tasks', title: 'Snapshot tasks', nav: true, load: () => import('./snapshot-tasks.js') },
  { path: '/replication', title: 'Replication', nav: true, load: () => import('./replication.js') },
  { path: '/tasks', title: 'Tasks', nav: true, load: () => import('./tasks.js') },
  { path: '/ssh', title: 'SSH', nav: true, load: () => import('./ssh.js') },
  { path: '/settings', title: 'Settings', nav: true, load: () => import('./settings.js') },
];

export const HOME = '/dashboard';
