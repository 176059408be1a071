package vault

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// An answer is one response of Vault's, read for what it says in Vault's
// own terms. Only three answers mean "no setup token": a 404 that carries
// Vault's JSON error body with an empty error list, a KV v2 version that is deleted or destroyed, and
// a secret that exists without the field. Everything else (an empty 404
// from a proxy, a 200 with {} or null, a 204, a wrapped response) says
// nothing about the secret and is an error.

// errNotVault means a response did not have the shape Vault gives it.
var errNotVault = errors.New("not an answer Vault gives")

// envelope is the top of every JSON body Vault sends.
type envelope struct {
	Data     json.RawMessage `json:"data"`
	Errors   *[]string       `json:"errors"`
	WrapInfo json.RawMessage `json:"wrap_info"`
}

// parseEnvelope decodes body as Vault's JSON object; anything else (empty,
// HTML, a JSON array, null) is errNotVault.
func parseEnvelope(body []byte) (envelope, error) {
	var e envelope
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return e, errNotVault
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	if err := dec.Decode(&e); err != nil {
		return e, errNotVault
	}
	return e, nil
}

// isNull reports whether raw is absent or JSON null.
func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null"))
}

// secretAnswer is what a read of the secret said.
type secretAnswer struct {
	// fields are the secret's fields, when it exists.
	fields map[string]any
	// absent says, in Vault's terms, why there is no secret ("no secret
	// at …", "version 3 was deleted"); "" when fields is set.
	absent string
	// version and created describe a KV v2 secret's current version.
	version int
	created time.Time
}

// kvv2Data is the "data" of a KV v2 read: the fields and the version's
// metadata.
type kvv2Data struct {
	Data     map[string]any `json:"data"`
	Metadata *struct {
		Version      json.Number `json:"version"`
		CreatedTime  string      `json:"created_time"`
		DeletionTime string      `json:"deletion_time"`
		Destroyed    bool        `json:"destroyed"`
	} `json:"metadata"`
}

// readAnswer classifies the response to a read of the secret (KV version
// v) by status and body. A nil error means Vault answered: either the
// secret's fields, or a reason why there is none.
func readAnswer(v int, status int, body []byte) (secretAnswer, error) {
	e, perr := parseEnvelope(body)
	if perr == nil && !isNull(e.WrapInfo) {
		return secretAnswer{}, errWrapped
	}
	switch status {
	case http.StatusOK:
		if perr != nil || isNull(e.Data) {
			return secretAnswer{}, errShape("a 200 without the secret's data")
		}
		if v == 1 {
			var fields map[string]any
			if err := decodeNumbers(e.Data, &fields); err != nil {
				return secretAnswer{}, errShape("a 200 whose data is not an object")
			}
			return secretAnswer{fields: fields}, nil
		}
		var d kvv2Data
		if err := decodeNumbers(e.Data, &d); err != nil || d.Metadata == nil {
			return secretAnswer{}, errShape("a 200 that is not a KV version 2 secret (no metadata)")
		}
		if d.Data == nil {
			if why := deleted(d); why != "" {
				return secretAnswer{absent: why}, nil
			}
			return secretAnswer{}, errShape("a 200 with a KV version 2 secret without data that is neither deleted nor destroyed")
		}
		a := secretAnswer{fields: d.Data}
		if n, err := d.Metadata.Version.Int64(); err == nil {
			a.version = int(n)
		}
		a.created, _ = time.Parse(time.RFC3339Nano, d.Metadata.CreatedTime)
		return a, nil
	case http.StatusNotFound:
		if perr != nil {
			return secretAnswer{}, errShape("a 404 without Vault's JSON body")
		}
		if v == 2 && !isNull(e.Data) {
			var d kvv2Data
			if err := decodeNumbers(e.Data, &d); err == nil && d.Metadata != nil {
				if why := deleted(d); why != "" {
					return secretAnswer{absent: why}, nil
				}
			}
			return secretAnswer{}, errShape("a 404 with data that is not a deleted KV version 2 secret")
		}
		if e.Errors == nil {
			return secretAnswer{}, errShape("a 404 without Vault's error list")
		}
		if len(*e.Errors) > 0 {
			// Vault's "no such secret" carries an empty list; a 404 with
			// errors is about something else (a mount that is gone: "no
			// handler for route"), not the secret.
			return secretAnswer{}, &statusError{status: status, errs: *e.Errors}
		}
		return secretAnswer{absent: "no secret"}, nil
	case http.StatusNoContent:
		return secretAnswer{}, errShape("a 204, no content")
	}
	return secretAnswer{}, &statusError{status: status, errs: errorList(e, perr)}
}

// deleted says why a KV v2 version without data has none, "" if it does
// not say.
func deleted(d kvv2Data) string {
	m := d.Metadata
	switch {
	case m.Destroyed:
		return "version " + m.Version.String() + " was destroyed"
	case m.DeletionTime != "":
		return "version " + m.Version.String() + " was deleted"
	}
	return ""
}

// mountAnswer is what sys/internal/ui/mounts said of the mount.
type mountAnswer struct {
	path, kind string
	version    int
}

// mountsAnswer classifies the preflight's response as the Vault CLI does:
// a 200 describes the mount; a 404 in Vault's JSON is a server too old to
// have the endpoint, which runs KV version 1.
func mountsAnswer(status int, body []byte) (mountAnswer, error) {
	e, perr := parseEnvelope(body)
	switch status {
	case http.StatusOK:
		var d struct {
			Path    string            `json:"path"`
			Type    string            `json:"type"`
			Options map[string]string `json:"options"`
		}
		if perr != nil || isNull(e.Data) || decodeNumbers(e.Data, &d) != nil || d.Type == "" {
			return mountAnswer{}, errShape("a 200 that does not describe a mount")
		}
		m := mountAnswer{path: d.Path, kind: d.Type, version: 1}
		if d.Options["version"] == "2" {
			m.version = 2
		}
		return m, nil
	case http.StatusNotFound:
		if perr != nil || e.Errors == nil {
			return mountAnswer{}, errShape("a 404 without Vault's JSON body")
		}
		return mountAnswer{version: 1}, nil
	}
	return mountAnswer{}, &statusError{status: status, errs: errorList(e, perr)}
}

func decodeNumbers(raw json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(v)
}

func errorList(e envelope, perr error) []string {
	if perr != nil || e.Errors == nil {
		return nil
	}
	return *e.Errors
}

// errWrapped means Vault wrapped its answer in a single-use token instead
// of giving it: VAULT_WRAP_TTL is not used here, so a policy demands it.
var errWrapped = errors.New("the answer came back response-wrapped (a policy requires wrapping for this path), and claude-auth-sync reads secrets unwrapped")

// shapeError is a response that is not one of Vault's answers.
type shapeError struct{ what string }

func (e *shapeError) Error() string { return e.what }
func (e *shapeError) Unwrap() error { return errNotVault }

func errShape(what string) error { return &shapeError{what: what} }

// statusError is an error status with Vault's error list, if any.
type statusError struct {
	status int
	errs   []string
}

// detail is the status and Vault's errors, for a message: "500: internal
// error".
func (e *statusError) detail() string {
	d := strconv.Itoa(e.status)
	if len(e.errs) > 0 {
		d += ": " + strings.Join(e.errs, "; ")
	}
	return d
}

// sealed reports whether this is a sealed (or uninitialised) node's 503.
func (e *statusError) sealed() bool {
	return e.status == http.StatusServiceUnavailable && strings.Contains(strings.Join(e.errs, " "), "sealed")
}

// unknownToken reports Vault's 403 for a token it does not know, which
// adds "invalid token" to "permission denied".
func (e *statusError) unknownToken() bool {
	return e.status == http.StatusForbidden && strings.Contains(strings.Join(e.errs, " "), "invalid token")
}

func (e *statusError) Error() string {
	s := "status " + strconv.Itoa(e.status)
	for _, m := range e.errs {
		s += "; " + m
	}
	return s
}
