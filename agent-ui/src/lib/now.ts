import { ref, type Ref } from 'vue';

// One shared clock for every countdown on screen: one timer, one re-render per second.
const now = ref(Date.now());
let timer: ReturnType<typeof setInterval> | null = null;
let users = 0;

export function useNow(): { now: Ref<number>; release: () => void } {
  users++;
  // an idle clock is as old as its last tick (or the page load): the first countdown must not start from it
  if (!timer) now.value = Date.now();
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
