// Socket.IO contract of the /visitor namespace (chat widget ↔ server), shared with the widget bundle.

import type { QueueStatus, VisitorMessage } from './views.js';

/** The header the widget's HTTP calls carry the visitor token in (cross-origin: no cookie). */
export const VISITOR_HEADER = 'x-visitor-token';

// The message and queue-status shapes are TypeBox schemas in views.ts (the widget routes' response
// schemas); imported as types only, so the widget bundle does not carry the schema library.
export type { QueueStatus, VisitorMessage };

/** A transcript request: sent to a proved address, a confirmation link mailed, or refused with the reason to show. */
export type TranscriptAck =
  | { ok: true; status: 'sent' | 'confirm'; to: string; message: string }
  | { ok: false; code: 'no_address' | 'no_conversation' | 'already_sent' | 'rate_limited'; reason: string; retryAfterSeconds?: number };

export type VisitorAck<T = object> = ({ ok: true } & T) | { ok: false; reason: string };

/** client → server */
export interface VisitorClientEvents {
  message: (p: { text: string; clientId: string }, ack: (r: VisitorAck<{ message: VisitorMessage }>) => void) => void;
  typing: (p: { typing: boolean }) => void;
  /** the visitor has seen agent messages up to this id */
  read: (p: { upToId: number }) => void;
  'queue:status': (p: object, ack: (r: VisitorAck<{ status: QueueStatus }>) => void) => void;
  /** the visitor ends the conversation; optionally a transcript to an email address */
  end: (p: { transcript?: boolean; email?: string }, ack: (r: VisitorAck<{ caseId: number | null; transcript?: TranscriptAck }>) => void) => void;
  rate: (p: { rating: number; comment?: string }, ack: (r: VisitorAck) => void) => void;
  /** mail the transcript of the current or last conversation */
  transcript: (p: { email?: string }, ack: (r: TranscriptAck) => void) => void;
}

/** server → client */
export interface VisitorServerEvents {
  message: (m: VisitorMessage) => void;
  typing: (p: { from: 'agent'; name: string | null; typing: boolean }) => void;
  'agent:joined': (p: { caseId: number; name: string }) => void;
  /** the agent has read the visitor's messages up to this id */
  read: (p: { upToId: number }) => void;
  'queue:status': (s: QueueStatus) => void;
  'conversation:closed': (p: { caseId: number; by: 'visitor' | 'agent' }) => void;
}
