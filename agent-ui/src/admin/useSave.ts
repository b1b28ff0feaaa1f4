import { ref } from 'vue';
import { ApiError } from '../api/http';

/**
 * Runs a save and keeps the server's answer: its message (shown as is, the server says what is wrong)
 * and, where it names them, the fields at fault. Every admin form validates through the server this way.
 */
export function useSave() {
  const busy = ref(false);
  const error = ref('');
  const fields = ref<Record<string, string>>({});
  const done = ref(false);
  async function run<T>(fn: () => Promise<T>): Promise<T | undefined> {
    busy.value = true;
    error.value = '';
    fields.value = {};
    done.value = false;
    try {
      const r = await fn();
      done.value = true;
      return r;
    } catch (err) {
      error.value = (err as Error).message;
      if (err instanceof ApiError && Array.isArray(err.details)) {
        for (const d of err.details as { field?: string; reason?: string }[]) {
          const f = (d.field ?? '').replace(/^body\./, '');
          if (f) fields.value[f] = d.reason ?? '';
        }
      }
      return undefined;
    } finally {
      busy.value = false;
    }
  }
  return { busy, error, fields, done, run };
}
