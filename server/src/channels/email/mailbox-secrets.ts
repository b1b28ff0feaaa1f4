/**
 * A stored mail password belongs to the server, account and transport it was entered for. Pointing a
 * mailbox elsewhere (host, port, user) or lowering its transport security must not carry the old
 * password along, or an admin session (or a mistake) could send it to a server that harvests it.
 */

export interface MailboxConnection {
  address: string;
  imapHost: string | null;
  imapPort: number;
  imapTls: boolean;
  imapUser: string | null;
  hasImapPassword: boolean;
  smtpHost: string | null;
  smtpPort: number;
  smtpSecurity: string;
  smtpUser: string | null;
  hasSmtpPassword: boolean;
}

export type MailboxChange = Partial<{
  address: string;
  imapHost: string | null;
  imapPort: number;
  imapTls: boolean;
  imapUser: string | null;
  imapPassword: string | null;
  smtpHost: string | null;
  smtpPort: number;
  smtpSecurity: string;
  smtpUser: string | null;
  smtpPassword: string | null;
}>;

export interface SecretProblem {
  field: 'imapPassword' | 'smtpPassword';
  reason: string;
}

/** The passwords that must be re-entered (or removed with null) for this change; empty = fine. */
export function secretsToReenter(before: MailboxConnection, change: MailboxChange): SecretProblem[] {
  const problems: SecretProblem[] = [];
  const changed = <K extends keyof MailboxChange>(k: K, old: unknown) => change[k] !== undefined && change[k] !== old;
  const address = change.address?.trim().toLowerCase() ?? before.address;

  if (before.hasImapPassword && change.imapPassword === undefined) {
    const moved: string[] = [];
    if (changed('imapHost', before.imapHost)) moved.push('host');
    if (changed('imapPort', before.imapPort)) moved.push('port');
    // With no IMAP user the address is the login name.
    const userBefore = before.imapUser ?? before.address;
    const userAfter = (change.imapUser !== undefined ? change.imapUser : before.imapUser) ?? address;
    if (userAfter !== userBefore) moved.push('user');
    if (change.imapTls === false && before.imapTls) moved.push('TLS (turned off)');
    if (moved.length) problems.push({ field: 'imapPassword', reason: `the IMAP ${moved.join(', ')} changed: enter the IMAP password again (or null to remove it); the stored one is only sent to the server it was entered for` });
  }
  if (before.hasSmtpPassword && change.smtpPassword === undefined) {
    const moved: string[] = [];
    if (changed('smtpHost', before.smtpHost)) moved.push('host');
    if (changed('smtpPort', before.smtpPort)) moved.push('port');
    if (changed('smtpUser', before.smtpUser)) moved.push('user');
    if (change.smtpSecurity === 'none' && before.smtpSecurity !== 'none') moved.push('security (turned off)');
    if (moved.length) problems.push({ field: 'smtpPassword', reason: `the SMTP ${moved.join(', ')} changed: enter the SMTP password again (or null to remove it); the stored one is only sent to the server it was entered for` });
  }
  return problems;
}
