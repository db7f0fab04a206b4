package service

import (
	"context"

	"patchbay/backend/domain"
)

// GroupKey is the Config key naming the connection whose secret a group of
// linked connections shares (Azure DevOps Boards, Repos and Pipelines).
const GroupKey = domain.ConfigCredentialGroup

// secretKeyOf is where a connection's secret lives: its group's, if linked.
func secretKeyOf(c domain.Connection) string {
	if g := c.Config[GroupKey]; g != "" {
		return secretKey(g)
	}
	return secretKey(c.ID)
}

// groupMembers returns the other connections that share c's credential.
func (s *Connections) groupMembers(ctx context.Context, c domain.Connection) ([]domain.Connection, error) {
	g := c.Config[GroupKey]
	if g == "" {
		return nil, nil
	}
	all, err := s.store.ListConnections(ctx)
	if err != nil {
		return nil, err
	}
	var out []domain.Connection
	for _, o := range all {
		if o.ID != c.ID && o.Config[GroupKey] == g {
			out = append(out, o)
		}
	}
	return out, nil
}

// linkedConnections marks c as the head of a credential group when its
// provider links others, and returns the linked connections to create with
// it: same mode, base URL and settings, one shared secret.
func (s *Connections) linkedConnections(c *domain.Connection, d draft) []domain.Connection {
	if len(d.provider.Linked) == 0 {
		return nil
	}
	c.Config[GroupKey] = c.ID
	var out []domain.Connection
	for _, id := range d.provider.Linked {
		lp, _ := s.catalogue.Provider(id) // checked when the catalogue loaded
		x := *c
		x.ID, x.Provider, x.Label = newID("conn"), lp.ID, c.Label+" · "+lp.Name
		x.Config = merged(c.Config)
		x.WorkspaceIDs = append([]string(nil), c.WorkspaceIDs...)
		out = append(out, x)
	}
	return out
}

// merged copies maps into a new one, later ones winning (a connection's
// settings and its secrets become one set of template values).
func merged(maps ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}
