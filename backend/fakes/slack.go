package fakes

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// Slack fakes. Every Web API method answers HTTP 200 with {"ok":true,…} or
// {"ok":false,"error":…} and accepts POST with a form or JSON body, the token
// in "Authorization: Bearer" (docs.slack.dev/apis/web-api: "Slack Web API",
// its "Evaluating responses" and "POST bodies" sections).

// Channels of the fake workspace: the app is a member of general and
// alerts, not of private-no-bot; old-project is archived.
const (
	SlackChannelNotMember = "private-no-bot"
	SlackChannelArchived  = "old-project"
)

// slackError is a Web API error answer.
func slackError(w http.ResponseWriter, e string, extra ...string) {
	body := map[string]any{"ok": false, "error": e}
	for i := 0; i+1 < len(extra); i += 2 {
		body[extra[i]] = extra[i+1]
	}
	writeJSON(w, http.StatusOK, body)
}

// slackBad is how Slack answers a token it does not accept: HTTP 200,
// invalid_auth, or token_revoked for one that was revoked
// (docs.slack.dev/reference/methods/auth.test, Errors).
func slackBad(w http.ResponseWriter, revoked bool) {
	if revoked {
		slackError(w, "token_revoked")
		return
	}
	slackError(w, "invalid_auth")
}

func (s *Server) slackAPIs() []fakeAPI {
	// auth.test (docs.slack.dev/reference/methods/auth.test), by POST or
	// GET: the granted scopes come in the x-oauth-scopes header.
	authTest := func(w http.ResponseWriter, r *http.Request, tok string) {
		w.Header().Set("X-OAuth-Scopes", "channels:read,groups:read,chat:write,users:read,team:read")
		writeJSON(w, 200, map[string]any{"ok": true, "url": "https://demo.slack.com/", "team": "Demo", "user": "patchbay-bot",
			"team_id": "T9TK3CUKW", "user_id": "U0KRQLJ9H", "bot_id": "B0KRQLJ9H", "is_enterprise_install": false})
	}
	return []fakeAPI{
		{"POST /slack/api/auth.test", bearer, authTest, slackBad},
		{"GET /slack/api/auth.test", bearer, authTest, slackBad},
		// conversations.list (docs.slack.dev/reference/methods/conversations.list),
		// cursor-paginated (slackPage).
		{"GET /slack/api/conversations.list", bearer, func(w http.ResponseWriter, r *http.Request, _ string) {
			page, next := slackPage(r, s.listed("", "general", "alerts", SlackChannelNotMember, SlackChannelArchived))
			ch := []map[string]any{}
			for _, n := range page {
				ch = append(ch, map[string]any{"id": "C" + strings.ToUpper(n[:3]), "name": n, "is_channel": true,
					"is_archived": n == SlackChannelArchived, "is_member": n == "general" || n == "alerts"})
			}
			writeJSON(w, 200, map[string]any{"ok": true, "channels": ch, "response_metadata": map[string]string{"next_cursor": next}})
		}, slackBad},
		// chat.postMessage (docs.slack.dev/reference/methods/chat.postMessage):
		// needs chat:write; not_in_channel, channel_not_found and
		// is_archived are answers about the channel, not the token.
		{"POST /slack/api/chat.postMessage", bearer, func(w http.ResponseWriter, r *http.Request, tok string) {
			channel, text := slackArgs(r)
			switch {
			case strings.Contains(tok, MarkNoScope):
				slackError(w, "missing_scope", "needed", "chat:write", "provided", "channels:read,users:read")
				return
			case channel == SlackChannelNotMember:
				slackError(w, "not_in_channel")
				return
			case channel == SlackChannelArchived:
				slackError(w, "is_archived")
				return
			case channel != "general" && channel != "alerts":
				slackError(w, "channel_not_found")
				return
			case text == "":
				slackError(w, "no_text")
				return
			}
			s.mu.Lock()
			s.posts = append(s.posts, channel+": "+text)
			s.mu.Unlock()
			writeJSON(w, 200, map[string]any{"ok": true, "channel": "C" + strings.ToUpper(channel[:3]), "ts": "1503435956.000247",
				"message": map[string]any{"text": text, "type": "message", "subtype": "bot_message", "ts": "1503435956.000247"}})
		}, slackBad},
	}
}

// slackArgs reads channel and text from a JSON or form body.
func slackArgs(r *http.Request) (channel, text string) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var m struct{ Channel, Text string }
		_ = json.NewDecoder(r.Body).Decode(&m)
		return strings.TrimPrefix(m.Channel, "#"), m.Text
	}
	_ = r.ParseForm()
	v := url.Values(r.Form)
	return strings.TrimPrefix(v.Get("channel"), "#"), v.Get("text")
}
