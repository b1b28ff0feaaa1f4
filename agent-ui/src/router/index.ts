import { createRouter, createWebHistory } from 'vue-router';
import { useSessionStore } from '../stores/session';
import { adminRoutes } from '../admin/sections';

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', name: 'login', component: () => import('../views/LoginView.vue'), meta: { public: true } },
    {
      path: '/',
      component: () => import('../views/WorkspaceView.vue'),
      children: [
        { path: '', name: 'home', component: () => import('../views/HomeView.vue') },
        { path: 'cases/:id(\\d+)', name: 'case', component: () => import('../views/CaseView.vue') },
        { path: 'customers/:id(\\d+)', name: 'customer', component: () => import('../views/CustomerView.vue') },
        { path: 'views/:key?', name: 'views', component: () => import('../views/ViewsView.vue') },
        // everyone keeps their own macros here; supervisors also under Admin → Macros
        { path: 'macros', name: 'macros', component: () => import('../admin/MacrosAdmin.vue') },
        { path: 'supervisor', name: 'supervisor', component: () => import('../views/SupervisorView.vue'), meta: { supervisor: true } },
        { path: 'supervisor/reports', name: 'reports', component: () => import('../views/ReportsView.vue'), meta: { supervisor: true } },
        ...adminRoutes,
      ],
    },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
});

router.beforeEach(async (to) => {
  const session = useSessionStore();
  if (session.status === 'unknown') await session.restore();
  if (to.meta.public) return session.signedIn && to.name === 'login' ? { path: '/' } : true;
  if (!session.signedIn) return { path: '/login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} };
  if (to.meta.supervisor && !session.canSeeQueue) return { path: '/' };
  if (to.meta.adminOnly && session.agent?.role !== 'admin') return { path: '/admin/agents' };
  return true;
});
