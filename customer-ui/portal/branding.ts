import { reactive } from 'vue';

/** The portal's branding from Admin → Settings (set once at start by main.ts); empty = the app's defaults. */
export const branding = reactive<{ name: string; colour: string | null; logoUrl: string | null }>({ name: '', colour: null, logoUrl: null });
