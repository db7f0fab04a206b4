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
// method it calls (a method expression's: the receiver first).
type route struct {
	call rpc
	fn   reflect.Type
}

// routes maps each UI-facing service method to its adapter, bound to s.
// app.go binds the same names for Wails; a test checks that both agree,
// signatures included.
func routes(s *service.Service) map[string]route {
	out := map[string]route{}
	for name, h := range handlers() {
		out[name] = h(s)
	}
	return out
}

// handlers maps each UI-facing service method to its adapter. The methods
// are method expressions ((*service.Service).Name), not method values
// (s.Name): each method value is a closure the compiler writes out (about
// 30 KB of the desktop binary for these, issue 18).
func handlers() map[string]handler {
	return map[string]handler{
		"GetAppInfo":       h0((*service.Service).GetAppInfo),
		"ListProviders":    h0((*service.Service).ListProviders),
		"ListWorkspaces":   h0((*service.Service).ListWorkspaces),
		"CreateWorkspace":  h1((*service.Service).CreateWorkspace),
		"RenameWorkspace":  h2((*service.Service).RenameWorkspace),
		"ListConnections":  h0((*service.Service).ListConnectionSummaries),
		"GetConnection":    h1((*service.Service).GetConnection),
		"ValidateDraft":    h1((*service.Service).ValidateDraft),
		"CreateConnection": h1((*service.Service).CreateConnection),
		"RenameConnection": h2((*service.Service).RenameConnection),
		"DeleteConnection": h1((*service.Service).DeleteConnection),
		"CheckConnection":  h1((*service.Service).CheckConnection),

		"ReauthenticateConnection":   h2((*service.Service).ReauthenticateConnection),
		"UpdateConnectionWorkspaces": h2((*service.Service).UpdateConnectionWorkspaces),
		"WorkspaceImpact":            h2((*service.Service).WorkspaceImpact),
		"ListChecks":                 h2((*service.Service).ListChecks),

		"StartConsent":          h1((*service.Service).StartConsent),
		"ReauthorizeConnection": h2((*service.Service).ReauthorizeConnection),
		"GetConsent":            h1((*service.Service).GetConsent),
		"CancelConsent":         e1((*service.Service).CancelConsent),
		"CompleteConsent":       h1((*service.Service).CompleteConsent),
		"RefreshCredential":     h1((*service.Service).RefreshCredential),
		"DisconnectConnection":  h1((*service.Service).DisconnectConnection),
		"StartOAuth1":           h1((*service.Service).StartOAuth1),
		"VerifyOAuth1":          h2((*service.Service).VerifyOAuth1),
		"CompleteOAuth1":        h1((*service.Service).CompleteOAuth1),
		"GetGitSettings":        h1((*service.Service).GetGitSettings),
		"SetGitSettings":        h2((*service.Service).SetGitSettings),
		"ListAudit":             h1((*service.Service).ListAudit),
		"CreateAlertRoute":      h1((*service.Service).CreateAlertRoute),
		"ListAlertRoutes":       h0((*service.Service).ListAlertRoutes),
		"DeleteAlertRoute":      e1((*service.Service).DeleteAlertRoute),
		"TestAlertRoute":        h1((*service.Service).TestAlertRoute),
		"ListAlertDeliveries":   h1((*service.Service).ListAlertDeliveries),
		"RetryAlertDelivery":    h1((*service.Service).RetryAlertDelivery),

		"ListNotifications":       h1((*service.Service).ListNotifications),
		"MarkNotificationRead":    e1((*service.Service).MarkNotificationRead),
		"ShowDesktopNotification": h1((*service.Service).ShowDesktopNotification),
		"GetSettings":             h0((*service.Service).GetSettings),
		"SetWorkspaceSweep":       h2((*service.Service).SetWorkspaceSweep),
		"UpdateSettings":          h1((*service.Service).UpdateSettings),
		"GetBanner":               h0((*service.Service).GetBanner),

		"StartSweep":  h0((*service.Service).StartSweep),
		"CancelSweep": e0((*service.Service).CancelSweep),
		"GetSweep":    h0((*service.Service).GetSweep),

		"ExportReport":      h1((*service.Service).ExportReport),
		"GetHealthOverview": h0((*service.Service).GetHealthOverview),
		"GetFleetHealth":    h0((*service.Service).GetFleetHealth),
		"ListChecksOn":      h2((*service.Service).ListChecksOn),
		"GetUptime":         h1((*service.Service).GetUptime),

		"CreateWorkflow":   h1((*service.Service).CreateWorkflow),
		"UpdateWorkflow":   h2((*service.Service).UpdateWorkflow),
		"ListWorkflows":    h0((*service.Service).ListWorkflows),
		"PublishWorkflow":  h2((*service.Service).PublishWorkflow),
		"RunWorkflow":      h1((*service.Service).RunWorkflow),
		"ListRuns":         h1((*service.Service).ListRuns),
		"GetRun":           h1((*service.Service).GetRun),
		"PauseRun":         h1((*service.Service).PauseRun),
		"ResumeRun":        h1((*service.Service).ResumeRun),
		"CancelRun":        h1((*service.Service).CancelRun),
		"ReplayRun":        h1((*service.Service).ReplayRun),
		"ResyncConnection": h1((*service.Service).ResyncConnection),

		"CreateClient":           h1((*service.Service).CreateClient),
		"RenameClient":           h2((*service.Service).RenameClient),
		"ArchiveClient":          h2((*service.Service).ArchiveClient),
		"ListClients":            h0((*service.Service).ListClients),
		"SetConnectionOwner":     h2((*service.Service).SetConnectionOwner),
		"CreateReconnectRequest": h2((*service.Service).CreateReconnectRequest),
		"RequestCredentials":     h1((*service.Service).RequestCredentials),
		"RevokeRequest":          e1((*service.Service).RevokeRequest),
		"ListRequests":           h1((*service.Service).ListRequests),
		"ListPortalSessions":     h1((*service.Service).ListPortalSessions),
		"EndPortalSessions":      h1((*service.Service).EndPortalSessions),
	}
}

// nameOnly is the service Methods and Signatures build the routes on: none
// is called.
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
		in := make([]reflect.Type, r.fn.NumIn()-1) // without the receiver
		for i := range in {
			in[i] = r.fn.In(i + 1)
		}
		res := make([]reflect.Type, r.fn.NumOut())
		for i := range res {
			res[i] = r.fn.Out(i)
		}
		out[n] = reflect.FuncOf(in, res, false)
	}
	return out
}

// handler is a service method adapted to positional JSON arguments, to be
// bound to a service.
type handler func(s *service.Service) route

// The adapters below keep each route's Go signature checked at compile
// time (hN takes exactly a service method of N arguments after the
// context) but share one body, adapt, which decodes the arguments and
// calls the method by reflection: a generic body per signature was about
// 70 KB of the desktop binary (issue 18).

func h0[O any](f func(*service.Service, context.Context) (O, error)) handler { return adapt(f) }

func h1[A, O any](f func(*service.Service, context.Context, A) (O, error)) handler { return adapt(f) }

func h2[A, B, O any](f func(*service.Service, context.Context, A, B) (O, error)) handler {
	return adapt(f)
}

func e0(f func(*service.Service, context.Context) error) handler { return adapt(f) }

func e1[A any](f func(*service.Service, context.Context, A) error) handler { return adapt(f) }

// adapt makes the handler of f, a method expression
// func(*service.Service, context.Context, args...) returning (result,
// error) or error. The route's fn is f's type, receiver first.
func adapt(f any) handler {
	v := reflect.ValueOf(f)
	t := v.Type()
	return func(s *service.Service) route {
		recv := reflect.ValueOf(s)
		return route{fn: t, call: func(ctx context.Context, args []json.RawMessage) (any, error) {
			n := t.NumIn() - 2
			if len(args) != n {
				return nil, domain.Errorf(domain.EInvalid, "This call takes %d argument(s), got %d.", n, len(args))
			}
			in := make([]reflect.Value, n+2)
			in[0], in[1] = recv, reflect.ValueOf(&ctx).Elem()
			for i, raw := range args {
				p := reflect.New(t.In(i + 2))
				if err := json.Unmarshal(raw, p.Interface()); err != nil {
					return nil, domain.Errorf(domain.EInvalid, "Argument %d is not valid: %v.", i+1, err)
				}
				in[i+2] = p.Elem()
			}
			out := v.Call(in)
			err, _ := out[len(out)-1].Interface().(error)
			if len(out) == 1 {
				return nil, err
			}
			return out[0].Interface(), err
		}}
	}
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
