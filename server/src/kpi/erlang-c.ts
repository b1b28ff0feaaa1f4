// Erlang C staffing model for a queue with N agents, Poisson arrivals and exponential handling.
// A = λ·AHT (traffic in Erlangs). Valid only while N > A; otherwise the queue grows without bound.

/** Probability that a contact has to wait (Erlang C formula), computed with the stable recursive Erlang B. */
export function probabilityOfWaiting(trafficErlangs: number, agents: number): number {
  const A = trafficErlangs;
  const N = agents;
  if (N <= A) return 1;
  // Erlang B by recursion: B(0) = 1, B(k) = A·B(k−1) / (k + A·B(k−1))
  let b = 1;
  for (let k = 1; k <= N; k++) b = (A * b) / (k + A * b);
  return (N * b) / (N - A * (1 - b));
}

/** Share of contacts answered within `thresholdSeconds`. */
export function serviceLevel(trafficErlangs: number, agents: number, ahtSeconds: number, thresholdSeconds: number): number {
  if (agents <= trafficErlangs) return 0;
  const pw = probabilityOfWaiting(trafficErlangs, agents);
  return 1 - pw * Math.exp((-(agents - trafficErlangs) * thresholdSeconds) / ahtSeconds);
}

/** Average speed of answer in seconds. */
export function averageSpeedOfAnswer(trafficErlangs: number, agents: number, ahtSeconds: number): number {
  if (agents <= trafficErlangs) return Infinity;
  return (probabilityOfWaiting(trafficErlangs, agents) * ahtSeconds) / (agents - trafficErlangs);
}

export interface StaffingInput {
  /** contacts per hour */
  arrivalsPerHour: number;
  ahtSeconds: number;
  /** e.g. 0.8 for 80 % */
  targetServiceLevel: number;
  thresholdSeconds: number;
  maxAgents?: number;
}

export interface StaffingRow {
  agents: number;
  serviceLevel: number;
  asaSeconds: number;
  occupancy: number;
}

/** The smallest number of agents meeting the service-level target, with the table around it. */
export function requiredAgents(input: StaffingInput): { trafficErlangs: number; agents: number | null; table: StaffingRow[] } {
  const A = (input.arrivalsPerHour * input.ahtSeconds) / 3600;
  const table: StaffingRow[] = [];
  let agents: number | null = null;
  const max = input.maxAgents ?? Math.max(10, Math.ceil(A * 3) + 10);
  for (let n = Math.max(1, Math.floor(A) + 1); n <= max; n++) {
    const row = {
      agents: n,
      serviceLevel: serviceLevel(A, n, input.ahtSeconds, input.thresholdSeconds),
      asaSeconds: averageSpeedOfAnswer(A, n, input.ahtSeconds),
      occupancy: A / n,
    };
    table.push(row);
    if (agents === null && row.serviceLevel >= input.targetServiceLevel) agents = n;
    if (agents !== null && n >= agents + 2) break;
  }
  return { trafficErlangs: A, agents, table };
}
