import type { Namespace, Server } from 'socket.io';
import { NAMESPACES, type AgentClientEvents, type AgentServerEvents, type SupervisorServerEvents } from '../contracts/realtime.js';
import type { VisitorClientEvents, VisitorServerEvents } from '../contracts/visitor.js';

// The hub's one Socket.IO server carries three namespaces with different contracts; these give each
// namespace its event maps (client → server, server → client) so `on` and `emit` are checked.
export type AgentNamespace = Namespace<AgentClientEvents, AgentServerEvents>;
export type SupervisorNamespace = Namespace<Record<string, never>, SupervisorServerEvents>;
export type VisitorNamespace = Namespace<VisitorClientEvents, VisitorServerEvents>;

export const agentNamespace = (io: Server): AgentNamespace => io.of(NAMESPACES.agent) as unknown as AgentNamespace;
export const supervisorNamespace = (io: Server): SupervisorNamespace => io.of(NAMESPACES.supervisor) as unknown as SupervisorNamespace;
export const visitorNamespace = (io: Server): VisitorNamespace => io.of(NAMESPACES.visitor) as unknown as VisitorNamespace;
