import { onMounted, ref, type Ref } from 'vue';
import { useI18n } from 'vue-i18n';
import { useSave } from './useSave';

export interface AdminListOptions<T extends { id: number }, F> {
  /** The screen's rows; a screen that needs other lists for its form (queues, agents) loads them in the same call,
   *  so they are as fresh as the rows after a save. */
  load: () => Promise<T[]>;
  /** The form of a new row (`items`: the rows loaded so far, e.g. to place it after the last). */
  blank: (items: T[]) => F;
  /** The form of an existing row. */
  toForm: (item: T) => F;
  create: (form: F) => Promise<T>;
  update: (id: number, form: F, item: T) => Promise<T>;
  /** Absent: the screen's rows cannot be deleted. */
  remove?: (id: number) => Promise<unknown>;
  /** What the delete confirmation calls the row (default: its name), and its message key (default adm.c.confirmDelete). */
  label?: (item: T) => string;
  confirmKey?: string;
  /** After a save: `keep` the saved row open, marked saved (default); `close` the form (back to the list); `blank` it for the next new row. */
  afterSave?: 'keep' | 'close' | 'blank';
  /** Runs each time the form opens on a row (or on a blank one: null), for state that belongs to the open row. */
  onOpen?: (item: T | null) => void | Promise<void>;
}

/**
 * The admin console's list-and-form screens: a list of rows, one open in a form (or a blank form for a new one),
 * saved through the server (which validates; `useSave` keeps its message), after which the list is reloaded and
 * the form does what `afterSave` says.
 */
export function useAdminList<T extends { id: number }, F>(o: AdminListOptions<T, F>) {
  const { t } = useI18n();
  const items = ref([]) as Ref<T[]>;
  const selected = ref(null) as Ref<T | null>;
  const creating = ref(false);
  const form = ref(o.blank([])) as Ref<F>;
  const save = useSave();

  async function load() {
    items.value = await o.load();
  }
  onMounted(load);

  async function open(item: T | null) {
    selected.value = item;
    creating.value = !item;
    save.done.value = false;
    form.value = item ? o.toForm(item) : o.blank(items.value);
    await o.onOpen?.(item);
  }
  const startNew = () => open(null);
  const pick = (item: T) => open(item);

  /** Saves the open form; the saved row as the server answered it, or undefined (the error is in `error`). */
  async function submit(): Promise<T | undefined> {
    const f = form.value;
    const item = selected.value;
    const r = await save.run(() => (item && !creating.value ? o.update(item.id, f, item) : o.create(f)));
    if (!r) return undefined;
    await load();
    if (o.afterSave === 'close') close();
    else if (o.afterSave === 'blank') await open(null);
    else await open(items.value.find((x) => x.id === r.id) ?? r);
    save.done.value = true;
    return r;
  }

  function close() {
    selected.value = null;
    creating.value = false;
  }

  /** Deletes a row (default: the open one) once the user confirms. */
  async function remove(row?: T) {
    const item = row ?? selected.value;
    const del = o.remove;
    if (!item || !del) return;
    const name = o.label ? o.label(item) : (item as { name?: string }).name;
    if (!confirm(t(o.confirmKey ?? 'adm.c.confirmDelete', { name }))) return;
    // a delete answers 204 (null): only undefined means it failed
    if ((await save.run(() => del(item.id))) !== undefined) {
      if (selected.value?.id === item.id) selected.value = null;
      await load();
    }
  }

  return { items, selected, creating, form, ...save, load, startNew, pick, submit, close, remove, removable: !!o.remove };
}

export type AdminList<T extends { id: number }, F> = ReturnType<typeof useAdminList<T, F>>;

/** A `load` that fetches the rows and, in the same round trip, another list the form needs (kept in `into`). */
export function alongside<T, S>(rows: () => Promise<T[]>, other: () => Promise<S[]>, into: Ref<S[]>): () => Promise<T[]> {
  return async () => {
    const [r, o] = await Promise.all([rows(), other()]);
    into.value = o;
    return r;
  };
}
