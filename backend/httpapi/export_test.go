package httpapi

import "golang.org/x/time/rate"

// SetPortalLimiter makes the portal limit each client address with
// newLimiter instead of the default.
func (s *Server) SetPortalLimiter(newLimiter func() *rate.Limiter) { s.portalLimiter = newLimiter }

// HostPort is hostPort, for its table test.
var HostPort = hostPort
