import { ref, type Ref } from 'vue';

// One shared clock for every countdown on screen: one timer, one re-render per second.
const now = ref(Date.now());
let timer: ReturnType<typeof setInterval> | null = null;
let users = 0;

export function useNow(): { now: Ref<number>; release: () => void } {
  users++;
  timer ??= setInterval(() => (now.value = Date.now()), 1000);
  return {
    now,
    release() {
      users--;
      if (users <= 0 && timer) {
        clearInterval(timer);
        timer = null;
        users = 0;
      }
    },
  };
}
