export interface MenuItem {
  key: string;
  label: string;
  sub?: string;
}
