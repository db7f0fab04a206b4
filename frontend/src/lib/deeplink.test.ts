import { describe, expect, it } from 'vitest';
import type { Connection, Workspace } from './api/types';
import { connectionsHref } from './deeplink';
import { matchRoute } from './router.svelte';

const ws = (id: string, slug: string) => ({ id, slug, name: slug, createdAt: '' }) as Workspace;
const conn = (id: string, workspaceIds: string[]) => ({ id, workspaceIds }) as Connection;

describe('connectionsHref', () => {
  it('opens the first workspace of the connection', () => {
    const href = connectionsHref('c1', [conn('c1', ['w2', 'w1'])], [ws('w1', 'default'), ws('w2', 'client-acme')]);
    expect(href).toBe('/default/connections');
    expect(matchRoute(href)).toEqual({ name: 'connections', workspace: 'default' });
  });

  it("falls back to the connection's page when it is unknown or in no workspace", () => {
    expect(connectionsHref('c9', [], [ws('w1', 'default')])).toBe('/integrations/c9');
    expect(connectionsHref('c1', [conn('c1', [])], [ws('w1', 'default')])).toBe('/integrations/c1');
  });

  it('does not take fixed paths for a workspace', () => {
    expect(matchRoute('/integrations/connections')).toEqual({ name: 'integration', id: 'connections' });
    expect(matchRoute('/a%20b/connections')).toEqual({ name: 'connections', workspace: 'a b' });
  });
});
