import { useCaseViewStore } from '../../stores/case-view';

/**
 * "Typing…" for colleagues with the case open (and, on a chat case, the visitor): sent at most every 2.5 s while
 * the agent types, and "stopped" 3 s after the last key.
 */
export function useTypingPing() {
  const view = useCaseViewStore();
  let sentAt = 0;
  let stop: ReturnType<typeof setTimeout> | undefined;
  return function pingTyping() {
    const now = Date.now();
    if (now - sentAt > 2500) {
      view.sendTyping(true);
      sentAt = now;
    }
    clearTimeout(stop);
    stop = setTimeout(() => {
      view.sendTyping(false);
      sentAt = 0;
    }, 3000);
  };
}
