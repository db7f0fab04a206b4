// Seed 002, "Reauthorize the connection from the Project page": Patchbay's
// projects are workflows. A workflow's page lists the connections its nodes
// use and offers to edit one only when it has an error (interrupted or
// unauthorized, the seed's "only if you have an error").
import type { ConnectionSummary, Provider, Workflow } from './api/types';
import { statusView } from './status';

/** One connection a workflow depends on, and whether it needs attention. */
export interface WorkflowConnection {
  /** The nodes that use it ("Trigger", "Action 1"…). */
  nodes: string[];
  connectionId: string;
  /** The connection, when it still exists. */
  connection?: ConnectionSummary;
  /** Interrupted, unauthorized (error), revoked or missing. */
  hasError: boolean;
  /** The button's words: seed 002's "Edit issue tracking connection" for issue trackers, else "Edit connection". */
  editLabel: string;
}

/** Reports whether a connection has an error the seed offers to fix: interrupted, error, revoked (or gone). */
export function hasError(c: ConnectionSummary | undefined): boolean {
  if (!c) return true;
  const kind = statusView(c).kind;
  return kind === 'interrupted' || kind === 'error' || kind === 'revoked';
}

/** The connections a workflow's trigger and actions use, in node order, each once. */
export function workflowConnections(w: Workflow, connections: readonly ConnectionSummary[], providers: readonly Provider[]): WorkflowConnection[] {
  const out: WorkflowConnection[] = [];
  const nodes = [{ name: 'Trigger', id: w.trigger.connectionId ?? '' }, ...w.actions.map((a, i) => ({ name: `Action ${i + 1}`, id: a.connectionId ?? '' }))];
  for (const n of nodes) {
    if (!n.id) continue;
    const seen = out.find((x) => x.connectionId === n.id);
    if (seen) {
      seen.nodes.push(n.name);
      continue;
    }
    const connection = connections.find((c) => c.id === n.id);
    const category = providers.find((p) => p.id === connection?.provider)?.category;
    out.push({
      nodes: [n.name],
      connectionId: n.id,
      connection,
      hasError: hasError(connection),
      editLabel: category === 'Issue tracking' ? 'Edit issue tracking connection' : 'Edit connection',
    });
  }
  return out;
}
