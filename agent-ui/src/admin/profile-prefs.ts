import { adminApi, type Profile } from './api';
import { usePresenceStore } from '../stores/presence';
import { browserNotices } from '../stores/notifications';

/** Applies my notification preferences to this tab (the offer chime: unset means on; browser notifications: unset means off). */
export function applyPrefs(prefs: Profile['notificationPrefs']): void {
  usePresenceStore().sound = prefs.offerSound !== false;
  browserNotices.enabled = prefs.browser === true;
}

/** At workspace start: the preferences saved under My profile. */
export async function loadPrefs(): Promise<void> {
  applyPrefs((await adminApi.profile()).notificationPrefs);
}
