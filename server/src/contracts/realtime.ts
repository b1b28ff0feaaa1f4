// Socket.IO contracts shared by server, workers and the agent UI.
// Namespaces: /agent (signed-in staff), /supervisor (supervisor/admin), /visitor (chat widget).

export const NAMESPACES = { agent: '/agent', supervisor: '/supervisor', visitor: '/visitor' } as const;
export type NamespaceName = (typeof NAMESPACES)[keyof typeof NAMESPACES];

/** Rooms every node agrees on, so any node (or a worker via the realtime queue) can address them. */
export const rooms = {
  agent: (agentId: number) => `agent:${agentId}`,
  case: (caseId: number) => `case:${caseId}`,
  allAgents: 'agents',
  supervisors: 'supervisors',
  visitor: (visitorId: string) => `visitor:${visitorId}`,
};

/** A realtime message produced anywhere (server or worker) and emitted by a server node. */
export interface RealtimeEnvelope {
  nsp: NamespaceName;
  room: string | string[];
  event: string;
  payload: unknown;
}
