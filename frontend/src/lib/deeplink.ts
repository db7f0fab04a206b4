// Where the reauthorization banner and the bell send the user (seed 004):
// the Connections page of the workspace the broken connection belongs to.
import type { ConnectionSummary, Workspace } from './api/types';
import { hrefFor } from './router.svelte';

/**
 * The /{workspaceSlug}/connections page for a connection: its first
 * workspace's. A connection this window does not know (yet) or one in no
 * workspace falls back to its own page.
 */
export function connectionsHref(connectionId: string, connections: Pick<ConnectionSummary, 'id' | 'workspaceIds'>[], workspaces: Workspace[]): string {
  const c = connections.find((x) => x.id === connectionId);
  const ws = c ? workspaces.find((w) => c.workspaceIds.includes(w.id)) : undefined;
  if (!ws) return hrefFor({ name: 'integration', id: connectionId });
  return hrefFor({ name: 'connections', workspace: ws.slug });
}
