package providers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	neturl "net/url"
	"strconv"
	"strings"

	"patchbay/backend/domain"
)

// InventorySpec says how to list a provider's items (repositories,
// projects, channels): the request and where the names are in the answer.
type InventorySpec struct {
	Kind string `json:"kind"` // what the items are: repositories, projects…
	URL  string `json:"url"`
	// ItemsPath is a dotted path to the array in the answer ("" = the
	// answer itself is the array).
	ItemsPath string `json:"itemsPath,omitempty"`
	// NameField is a dotted path to each item's name.
	NameField string `json:"nameField"`
	// Pages says how the answer continues on further pages (one of the
	// Pages* constants), up to MaxPages requests; "" reads only the first.
	Pages    string `json:"pages,omitempty"`
	MaxPages int    `json:"maxPages,omitempty"`
	// Next is the dotted path in the answer to what says how it continues:
	// the next page's URL (PagesNext), the cursor (PagesCursor, unless
	// NextHeader names the header carrying it), or for PagesOffset and
	// PagesNumber either a flag that is true on the last page or the total
	// number of items.
	Next       string `json:"next,omitempty"`
	NextHeader string `json:"nextHeader,omitempty"`
	// Param is the query parameter that asks for the next page: the cursor
	// (PagesCursor), the number of items read so far (PagesOffset) or the
	// page's number from 1 (PagesNumber).
	Param string `json:"param,omitempty"`
}

// InventorySpec.Pages: how a vendor's list answer names the next page.
const (
	// PagesLink: the Link header's rel="next" (RFC 8288; docs.github.com,
	// "Using pagination in the REST API"; docs.gitlab.com/api/rest,
	// "Pagination Link header").
	PagesLink = "link"
	// PagesNext: the next page's URL in the answer (Bitbucket Cloud's
	// "next", developer.atlassian.com/cloud/bitbucket/rest/intro,
	// "Pagination").
	PagesNext = "next"
	// PagesCursor: a cursor sent back in Param (Slack's
	// response_metadata.next_cursor, docs.slack.dev/apis/web-api/pagination;
	// Azure DevOps' x-ms-continuationtoken header, Projects - List's
	// continuationToken).
	PagesCursor = "cursor"
	// PagesOffset: Param is the index of the first item (Jira Cloud's
	// startAt, with isLast; "Pagination" in the Jira Cloud REST v3 intro).
	PagesOffset = "offset"
	// PagesNumber: Param is the page number (SonarQube's p, with
	// paging.total; the server's web_api documentation).
	PagesNumber = "page"
)

// check rejects pagination the inventory cannot follow.
func (s *InventorySpec) check() error {
	ok := false
	switch s.Pages {
	case "", PagesLink:
		ok = true
	case PagesNext:
		ok = s.Next != ""
	case PagesCursor:
		ok = s.Param != "" && (s.Next != "" || s.NextHeader != "")
	case PagesOffset, PagesNumber:
		ok = s.Param != "" && s.Next != ""
	}
	if !ok {
		return fmt.Errorf("inventory pages %q: unknown, or without next (or nextHeader) and param", s.Pages)
	}
	return nil
}

// defaultMaxPages caps a paginated inventory whose spec sets no MaxPages.
const defaultMaxPages = 10

// PostSpec says how to post a message (Slack's chat.postMessage).
type PostSpec struct {
	URL string `json:"url"`
	// Body is a JSON template with {{channel}} and {{text}} placeholders.
	Body string `json:"body"`
	// Reader reads the answer (Slack: HTTP 200 with ok:false is a failure);
	// the mode's validation reader if empty.
	Reader string `json:"reader,omitempty"`
}

// Inventory fetches the names of the provider's items with t's credential,
// page after page when the spec says how the answer continues (at most
// MaxPages requests; the message says when the provider lists more). A
// page that fails fails the whole inventory: a partial list never passes
// for the whole.
func (v *Validator) Inventory(ctx context.Context, t Target, spec InventorySpec) ([]string, domain.CheckResult) {
	if t.Mode.Inventory != nil {
		spec = *t.Mode.Inventory
	}
	maxPages := spec.MaxPages
	if maxPages <= 0 {
		maxPages = defaultMaxPages
	}
	answer := ValidateSpec{Reader: t.Mode.Validate.Reader, RateRemainingHeader: t.Mode.Validate.RateRemainingHeader, RateResetHeader: t.Mode.Validate.RateResetHeader}
	var names []string
	var res domain.CheckResult
	url, pages, read, more := spec.URL, 0, 0, false
	for {
		var body []byte
		var header http.Header
		res, body, header = v.callHeader(ctx, t, "GET", url, nil, answer)
		pages++
		if !res.OK() {
			Explain(&res, t.Provider)
			return nil, res
		}
		page, doc, n, problem := itemNames(body, spec)
		if problem != "" {
			res.Class, res.Message = domain.ClassMisconfigured, problem
			return nil, res
		}
		names, read = append(names, page...), read+n
		next := nextPage(spec, t.apiBase(), header, doc, read, pages)
		if next == "" || next == url {
			break
		}
		if pages >= maxPages {
			more = true
			break
		}
		url = next
	}
	res.Message = fmt.Sprintf("Fetched %d %s.", len(names), spec.Kind)
	if more {
		res.Message = fmt.Sprintf("Fetched the first %d %s (%d pages); the provider lists more.", len(names), spec.Kind, pages)
	}
	return names, res
}

// itemNames reads one page of an inventory answer: the names, the answer,
// how many items it lists; problem says what is wrong with it.
func itemNames(body []byte, spec InventorySpec) (names []string, doc any, n int, problem string) {
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, nil, 0, "The provider's inventory answer is not JSON."
	}
	items, ok := dig(doc, spec.ItemsPath).([]any)
	if !ok {
		return nil, nil, 0, fmt.Sprintf("The provider's inventory answer has no list at %q.", spec.ItemsPath)
	}
	names = make([]string, 0, len(items))
	for _, it := range items {
		if s, ok := dig(it, spec.NameField).(string); ok && s != "" {
			names = append(names, s)
		}
	}
	return names, doc, len(items), ""
}

// nextPage is the URL of the page after the one answered (header, doc),
// "" after the last; read is the number of items read so far, pages the
// number of pages. A URL the answer names must be on base's scheme and host
// (sameOrigin); a cursor, offset or page number goes in spec.Param of the
// first page's URL.
func nextPage(spec InventorySpec, base string, header http.Header, doc any, read, pages int) string {
	v := ""
	switch spec.Pages {
	case PagesLink:
		return nextLink(header, base)
	case PagesNext:
		next, _ := dig(doc, spec.Next).(string)
		return sameOrigin(next, base)
	case PagesCursor:
		if v, _ = dig(doc, spec.Next).(string); spec.NextHeader != "" {
			v = header.Get(spec.NextHeader)
		}
	case PagesOffset, PagesNumber:
		switch end := dig(doc, spec.Next).(type) {
		case bool: // isLast
			if end {
				return ""
			}
		case float64: // the total
			if float64(read) >= end {
				return ""
			}
		default:
			return ""
		}
		v = strconv.Itoa(read)
		if spec.Pages == PagesNumber {
			v = strconv.Itoa(pages + 1)
		}
	}
	if v == "" {
		return ""
	}
	sep := "?"
	if strings.Contains(spec.URL, "?") {
		sep = "&"
	}
	return spec.URL + sep + spec.Param + "=" + neturl.QueryEscape(v)
}

// nextLink returns the rel="next" target of the Link header fields (RFC
// 8288 section 3), if it is on base's origin (sameOrigin).
func nextLink(h http.Header, base string) string {
	for _, field := range h.Values("Link") {
		for rest := field; ; {
			start := strings.IndexByte(rest, '<')
			end := strings.IndexByte(rest, '>')
			if start < 0 || end < start {
				break
			}
			target := rest[start+1 : end]
			rest = rest[end+1:]
			// The link's parameters run to the next link (a comma outside quotes).
			params, inQuote, cut := rest, false, len(rest)
			for i, c := range rest {
				if c == '"' {
					inQuote = !inQuote
				} else if c == ',' && !inQuote {
					cut = i
					break
				}
			}
			params, rest = rest[:cut], rest[cut:]
			if !relIsNext(params) {
				continue
			}
			return sameOrigin(target, base)
		}
	}
	return ""
}

// sameOrigin is target if it is an absolute URL on the scheme and host of
// base, else "": the credential goes nowhere else. A target with template
// braces is refused too, since request URLs are templates filled with the
// connection's values.
func sameOrigin(target, base string) string {
	u, err := neturl.Parse(target)
	b, berr := neturl.Parse(base)
	if err != nil || berr != nil || !u.IsAbs() || u.Scheme != b.Scheme || !strings.EqualFold(u.Host, b.Host) || strings.ContainsAny(target, "{}") {
		return ""
	}
	return target
}

// relIsNext reports whether a link's parameters (;rel="next" …) include the
// relation type next (rel may list several, space-separated).
func relIsNext(params string) bool {
	for _, p := range strings.Split(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "rel") {
			continue
		}
		for _, r := range strings.Fields(strings.Trim(strings.TrimSpace(v), `"`)) {
			if strings.EqualFold(r, "next") {
				return true
			}
		}
	}
	return false
}

// Post sends a message (Slack summary) with t's credential.
func (v *Validator) Post(ctx context.Context, t Target, spec PostSpec, channel, text string) domain.CheckResult {
	esc := func(s string) string { b, _ := json.Marshal(s); return strings.Trim(string(b), `"`) }
	body := strings.NewReplacer("{{channel}}", esc(channel), "{{text}}", esc(text)).Replace(spec.Body)
	reader := t.Mode.Validate.Reader
	if spec.Reader != "" {
		reader = spec.Reader
	}
	res, _ := v.call(ctx, t, "POST", spec.URL, []byte(body), ValidateSpec{Reader: reader})
	if res.OK() {
		res.Message = "Posted the summary to " + channel + "."
	} else {
		Explain(&res, t.Provider)
	}
	return res
}

func dig(v any, path string) any {
	if path == "" {
		return v
	}
	for _, part := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[part]
	}
	return v
}
