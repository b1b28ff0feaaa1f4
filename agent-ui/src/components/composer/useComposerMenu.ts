import { computed, onMounted, ref, type Ref } from 'vue';
import { useI18n } from 'vue-i18n';
import { cannedApi, searchApi } from '../../api/workspace';
import type { AgentRef, CannedResponse, CaseView } from '../../api/types';
import { mentionQuery, slashQuery } from '../../lib/placeholders';
import { useSessionStore } from '../../stores/session';
import type { MenuItem } from '../../lib/menu';

export type MenuTrigger = { kind: 'slash' | 'mention'; start: number; query: string };

/**
 * The composer's pop-up menu: "/" offers canned responses (the case's language first), "@" in a note offers
 * colleagues to mention. `pick` hands the chosen text and the trigger it replaces to `insert`.
 */
export function useComposerMenu(o: { c: () => CaseView; mode: Ref<'reply' | 'note'>; insert: (tr: MenuTrigger, item: MenuItem & { value: string }) => void }) {
  const { locale } = useI18n();
  const session = useSessionStore();
  const canned = ref<CannedResponse[]>([]);
  const agents = ref<AgentRef[]>([]);
  onMounted(async () => {
    // without them the menu is empty; typing still works
    canned.value = (await cannedApi.list().catch(() => ({ items: [] }))).items;
    agents.value = (await searchApi.agents().catch(() => ({ agents: [] }))).agents;
  });
  const trigger = ref<MenuTrigger | null>(null);
  const menuIndex = ref(0);
  const menuItems = computed<(MenuItem & { value: string })[]>(() => {
    const tr = trigger.value;
    if (!tr) return [];
    const q = tr.query.toLowerCase();
    if (tr.kind === 'slash') {
      const lang = o.c().customerLanguage || locale.value;
      return canned.value
        .filter((r) => r.shortcut.startsWith(q) || r.title.toLowerCase().includes(q))
        .sort((a, b) => Number(b.language === lang) - Number(a.language === lang))
        .slice(0, 8)
        .map((r) => ({ key: String(r.id), label: `/${r.shortcut} · ${r.title}`, sub: r.body.slice(0, 80), value: r.body }));
    }
    return agents.value
      .filter((a) => a.id !== session.agent?.id && (a.handle.toLowerCase().startsWith(q) || a.name.toLowerCase().includes(q)))
      .slice(0, 8)
      .map((a) => ({ key: String(a.id), label: a.name, sub: `@${a.handle}`, value: `@${a.handle} ` }));
  });

  function detectTrigger(value: string, caret: number) {
    const s = slashQuery(value, caret);
    if (s && o.mode.value === 'reply') {
      trigger.value = { kind: 'slash', ...s };
    } else {
      const m = o.mode.value === 'note' ? mentionQuery(value, caret) : null;
      trigger.value = m ? { kind: 'mention', ...m } : s ? { kind: 'slash', ...s } : null;
    }
    menuIndex.value = 0;
  }

  function pick(i: number) {
    const item = menuItems.value[i];
    const tr = trigger.value;
    if (!item || !tr) return;
    o.insert(tr, item);
    trigger.value = null;
  }

  /** Arrow keys, Enter/Tab and Escape while the menu is open; true when the key was the menu's. */
  function menuKeys(e: KeyboardEvent): boolean {
    if (!trigger.value) return false;
    if (e.key === 'ArrowDown') menuIndex.value = Math.min(menuIndex.value + 1, menuItems.value.length - 1);
    else if (e.key === 'ArrowUp') menuIndex.value = Math.max(menuIndex.value - 1, 0);
    else if ((e.key === 'Enter' || e.key === 'Tab') && menuItems.value.length) pick(menuIndex.value);
    else if (e.key === 'Escape') trigger.value = null;
    else return false;
    e.preventDefault();
    return true;
  }

  return { trigger, menuIndex, menuItems, detectTrigger, pick, menuKeys };
}
