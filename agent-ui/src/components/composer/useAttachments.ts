import { ref, type Ref } from 'vue';
import { useI18n } from 'vue-i18n';
import { useNotificationsStore } from '../../stores/notifications';

export interface DraftFile { filename: string; contentType: string; contentBase64: string; size: number }
/** the server's limit per file for an email reply */
const MAX_FILE = 10 * 1024 * 1024;

/** An email draft's attachments, read into base64 as they are chosen (a file over the limit is refused with a toast). */
export function useAttachments(fileInput: Ref<HTMLInputElement | null>) {
  const { t } = useI18n();
  const notifications = useNotificationsStore();
  const files = ref<DraftFile[]>([]);
  async function onFiles(e: Event) {
    const list = (e.target as HTMLInputElement).files;
    for (const f of Array.from(list ?? [])) {
      if (f.size > MAX_FILE) {
        notifications.toast(t('composer.tooLarge', { name: f.name }), 'error');
        continue;
      }
      const buf = new Uint8Array(await f.arrayBuffer());
      let bin = '';
      for (let i = 0; i < buf.length; i += 0x8000) bin += String.fromCharCode(...buf.subarray(i, i + 0x8000));
      files.value.push({ filename: f.name, contentType: f.type || 'application/octet-stream', contentBase64: btoa(bin), size: f.size });
    }
    if (fileInput.value) fileInput.value.value = '';
  }
  return { files, onFiles };
}
