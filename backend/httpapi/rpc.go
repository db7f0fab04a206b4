package httpapi

import (
	"context"
	"encoding/json"
	"reflect"
	"sort"

	"patchbay/backend/domain"
	"patchbay/backend/service"
)

// rpc is one service method adapted to positional JSON arguments.
type rpc func(ctx context.Context, args []json.RawMessage) (any, error)

// route is one served method: its adapter and the Go type of the service
// method it calls.
type route struct {
	call rpc
	fn   reflect.Type
}

// routes maps each UI-facing service method to its adapter. app.go binds the
// same names for Wails; a test checks that both agree, signatures included.
func routes(s *service.Service) map[string]route {
	return map[string]route{
		"GetAppInfo":       h0(s.GetAppInfo),
		"ListProviders":    h0(s.ListProviders),
		"ListWorkspaces":   h0(s.ListWorkspaces),
		"CreateWorkspace":  h1(s.CreateWorkspace),
		"RenameWorkspace":  h2(s.RenameWorkspace),
		"ListConnections":  h0(s.ListConnectionSummaries),
		"GetConnection":    h1(s.GetConnection),
		"ValidateDraft":    h1(s.ValidateDraft),
		"CreateConnection": h1(s.CreateConnection),
		"RenameConnection": h2(s.RenameConnection),
		"DeleteConnection": h1(s.DeleteConnection),
		"CheckConnection":  h1(s.CheckConnection),

		"ReauthenticateConnection":   h2(s.ReauthenticateConnection),
		"UpdateConnectionWorkspaces": h2(s.UpdateConnectionWorkspaces),
		"WorkspaceImpact":            h2(s.WorkspaceImpact),
		"ListChecks":                 h2(s.ListChecks),

		"StartConsent":          h1(s.StartConsent),
		"ReauthorizeConnection": h2(s.ReauthorizeConnection),
		"GetConsent":            h1(s.GetConsent),
		"CancelConsent":         e1(s.CancelConsent),
		"CompleteConsent":       h1(s.CompleteConsent),
		"RefreshCredential":     h1(s.RefreshCredential),
		"DisconnectConnection":  h1(s.DisconnectConnection),
		"StartOAuth1":           h1(s.StartOAuth1),
		"VerifyOAuth1":          h2(s.VerifyOAuth1),
		"CompleteOAuth1":        h1(s.CompleteOAuth1),
		"GetGitSettings":        h1(s.GetGitSettings),
		"SetGitSettings":        h2(s.SetGitSettings),
		"ListAudit":             h1(s.ListAudit),
		"CreateAlertRoute":      h1(s.CreateAlertRoute),
		"ListAlertRoutes":       h0(s.ListAlertRoutes),
		"DeleteAlertRoute":      e1(s.DeleteAlertRoute),
		"TestAlertRoute":        h1(s.TestAlertRoute),
		"ListAlertDeliveries":   h1(s.ListAlertDeliveries),
		"RetryAlertDelivery":    h1(s.RetryAlertDelivery),

		"ListNotifications":       h1(s.ListNotifications),
		"MarkNotificationRead":    e1(s.MarkNotificationRead),
		"ShowDesktopNotification": h1(s.ShowDesktopNotification),
		"GetSettings":             h0(s.GetSettings),
		"SetWorkspaceSweep":       h2(s.SetWorkspaceSweep),
		"UpdateSettings":          h1(s.UpdateSettings),
		"GetBanner":               h0(s.GetBanner),

		"StartSweep":  h0(s.StartSweep),
		"CancelSweep": e0(s.CancelSweep),
		"GetSweep":    h0(s.GetSweep),

		"ExportReport":      h1(s.ExportReport),
		"GetHealthOverview": h0(s.GetHealthOverview),
		"GetFleetHealth":    h0(s.GetFleetHealth),
		"ListChecksOn":      h2(s.ListChecksOn),
		"GetUptime":         h1(s.GetUptime),

		"CreateWorkflow":   h1(s.CreateWorkflow),
		"UpdateWorkflow":   h2(s.UpdateWorkflow),
		"ListWorkflows":    h0(s.ListWorkflows),
		"PublishWorkflow":  h2(s.PublishWorkflow),
		"RunWorkflow":      h1(s.RunWorkflow),
		"ListRuns":         h1(s.ListRuns),
		"GetRun":           h1(s.GetRun),
		"PauseRun":         h1(s.PauseRun),
		"ResumeRun":        h1(s.ResumeRun),
		"CancelRun":        h1(s.CancelRun),
		"ReplayRun":        h1(s.ReplayRun),
		"ResyncConnection": h1(s.ResyncConnection),

		"CreateClient":           h1(s.CreateClient),
		"RenameClient":           h2(s.RenameClient),
		"ArchiveClient":          h2(s.ArchiveClient),
		"ListClients":            h0(s.ListClients),
		"SetConnectionOwner":     h2(s.SetConnectionOwner),
		"CreateReconnectRequest": h2(s.CreateReconnectRequest),
		"RequestCredentials":     h1(s.RequestCredentials),
		"RevokeRequest":          e1(s.RevokeRequest),
		"ListRequests":           h1(s.ListRequests),
		"ListPortalSessions":     h1(s.ListPortalSessions),
		"EndPortalSessions":      h1(s.EndPortalSessions),
	}
}

// nameOnly is the service Methods and Signatures build the routes on: only
// the method values are taken, none is called. It is a zero Service, not nil,
// because the methods of its embedded parts (service.Workflows) are reached
// through it.
var nameOnly = &service.Service{}

// Methods lists the RPC method names the HTTP transport serves.
func Methods() []string {
	var names []string
	for n := range routes(nameOnly) {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Signatures maps each RPC method name to the Go type of the service method
// it serves: a context.Context, then the positional arguments.
func Signatures() map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for n, r := range routes(nameOnly) {
		out[n] = r.fn
	}
	return out
}

// The adapters below keep each route's Go signature checked at compile
// time (hN takes exactly a service method of N arguments after the
// context) but share one body, call, which decodes the arguments and calls
// the method by reflection: a generic body per signature was about 70 KB
// of the desktop binary (issue 18).

func h0[O any](f func(context.Context) (O, error)) route { return adapt(f) }

func h1[A, O any](f func(context.Context, A) (O, error)) route { return adapt(f) }

func h2[A, B, O any](f func(context.Context, A, B) (O, error)) route { return adapt(f) }

func e0(f func(context.Context) error) route { return adapt(f) }

func e1[A any](f func(context.Context, A) error) route { return adapt(f) }

// adapt makes the route of f, a func(context.Context, args...) returning
// (result, error) or error.
func adapt(f any) route {
	v := reflect.ValueOf(f)
	t := v.Type()
	return route{fn: t, call: func(ctx context.Context, args []json.RawMessage) (any, error) {
		n := t.NumIn() - 1
		if len(args) != n {
			return nil, domain.Errorf(domain.EInvalid, "This call takes %d argument(s), got %d.", n, len(args))
		}
		in := make([]reflect.Value, n+1)
		in[0] = reflect.ValueOf(&ctx).Elem()
		for i, raw := range args {
			p := reflect.New(t.In(i + 1))
			if err := json.Unmarshal(raw, p.Interface()); err != nil {
				return nil, domain.Errorf(domain.EInvalid, "Argument %d is not valid: %v.", i+1, err)
			}
			in[i+1] = p.Elem()
		}
		out := v.Call(in)
		err, _ := out[len(out)-1].Interface().(error)
		if len(out) == 1 {
			return nil, err
		}
		return out[0].Interface(), err
	}}
}

// statusFor maps an error code to its HTTP status.
func statusFor(code string) int {
	switch code {
	case domain.EInvalid:
		return 400
	case domain.EUnauthorized:
		return 401
	case domain.ENotFound:
		return 404
	case domain.EConflict:
		return 409
	case domain.EValidation:
		return 422
	case domain.EUnavailable:
		return 503
	}
	return 500
}
