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

var (
	// errWrapped: we never ask for wrapping (VAULT_WRAP_TTL), so a policy demands it.
	errWrapped = errors.New("the answer came back response-wrapped (a policy requires wrapping for this path), " +
		"and claude-auth-sync reads secrets unwrapped")
	errTooLarge = errors.New("more than 1 MiB, which is not a setup token and its dates")
)

// maxBody bounds what is read of a response (a secret is a few hundred bytes).
const maxBody = 1 << 20

// envelope is the top of every JSON body Vault sends; Errors is nil when absent or null, empty for [].
type envelope struct {
	Data     json.RawMessage `json:"data"`
	Errors   []string        `json:"errors"`
	WrapInfo json.RawMessage `json:"wrap_info"`
}

// parseEnvelope decodes body as Vault's JSON object; anything else (empty, HTML, an array, null) is not ok.
func parseEnvelope(body []byte) (e envelope, ok bool) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' || decodeNumbers(trimmed, &e) != nil {
		return envelope{}, false
	}
	return e, true
}

// isNull reports whether raw is absent or JSON null.
func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null"))
}

// secretAnswer is what a read of the secret said: its fields, or absent, why there is none in Vault's terms ("no secret", "version 3 was deleted").
type secretAnswer struct {
	fields  map[string]any
	absent  string
	version int // of a KV v2 secret, with created
	created time.Time
}

// kvv2Data is the "data" of a KV v2 read: the fields and the version's metadata.
type kvv2Data struct {
	Data     map[string]any `json:"data"`
	Metadata *struct {
		Version      json.Number `json:"version"`
		CreatedTime  string      `json:"created_time"`
		DeletionTime string      `json:"deletion_time"`
		Destroyed    bool        `json:"destroyed"`
	} `json:"metadata"`
}

// readAnswer classifies the response to a read of the secret (KV version v); a nil error means Vault answered: the fields, or why there
// are none, in Vault's own terms (a 404 with its JSON and no errors, a KV v2 version deleted or destroyed: docs/how-it-works.md).
func readAnswer(v int, status int, body []byte) (secretAnswer, error) {
	e, ok := parseEnvelope(body)
	if ok && !isNull(e.WrapInfo) {
		return secretAnswer{}, errWrapped
	}
	a, d := secretAnswer{}, kvv2Data{}
	isKV2 := func() bool { return decodeNumbers(e.Data, &d) == nil && d.Metadata != nil }
	switch {
	case status == http.StatusOK && (!ok || isNull(e.Data)):
		return a, shapeError("a 200 without the secret's data")
	case status == http.StatusOK && v == 1 && decodeNumbers(e.Data, &a.fields) != nil:
		return secretAnswer{}, shapeError("a 200 whose data is not an object")
	case status == http.StatusOK && v == 1:
		return a, nil
	case status == http.StatusOK && !isKV2():
		return secretAnswer{}, shapeError("a 200 that is not a KV version 2 secret (no metadata)")
	case status == http.StatusOK && d.Data != nil:
		n, _ := d.Metadata.Version.Int64()
		created, _ := time.Parse(time.RFC3339Nano, d.Metadata.CreatedTime)
		return secretAnswer{fields: d.Data, version: int(n), created: created}, nil
	case status == http.StatusOK && deleted(d) == "":
		return secretAnswer{}, shapeError("a 200 with a KV version 2 secret without data that is neither deleted nor destroyed")
	case status == http.StatusOK:
		return secretAnswer{absent: deleted(d)}, nil
	case status == http.StatusNotFound && !ok:
		return secretAnswer{}, shapeError("a 404 without Vault's JSON body")
	case status == http.StatusNotFound && v == 2 && !isNull(e.Data):
		if isKV2() && deleted(d) != "" {
			return secretAnswer{absent: deleted(d)}, nil
		}
		return secretAnswer{}, shapeError("a 404 with data that is not a deleted KV version 2 secret")
	case status == http.StatusNotFound && e.Errors == nil:
		return secretAnswer{}, shapeError("a 404 without Vault's error list")
	case status == http.StatusNotFound && len(e.Errors) == 0:
		return secretAnswer{absent: "no secret"}, nil
	case status == http.StatusNoContent:
		return secretAnswer{}, shapeError("a 204, no content")
	}
	// A 404 with errors is not about the secret (a mount that is gone: "no handler for route").
	return secretAnswer{}, &statusError{status: status, errs: e.Errors}
}

// deleted says why a KV v2 version without data has none, "" if it does not say.
func deleted(d kvv2Data) string {
	if m := d.Metadata; m.Destroyed || m.DeletionTime != "" {
		if m.Destroyed {
			return "version " + m.Version.String() + " was destroyed"
		}
		return "version " + m.Version.String() + " was deleted"
	}
	return ""
}

// mountAnswer is what sys/internal/ui/mounts said of the mount.
type mountAnswer struct {
	path, kind string
	version    int
}

// mountsAnswer reads sys/internal/ui/mounts' answer as the Vault CLI does: a 200 describes the mount; a 404 in Vault's JSON is an old Vault's: KV v1.
func mountsAnswer(status int, body []byte, err error) (mountAnswer, error) {
	e, ok := parseEnvelope(body)
	var d struct {
		Path    string            `json:"path"`
		Type    string            `json:"type"`
		Options map[string]string `json:"options"`
	}
	switch {
	case err != nil:
		return mountAnswer{}, err
	case status == http.StatusOK && (!ok || isNull(e.Data) || decodeNumbers(e.Data, &d) != nil || d.Type == ""):
		return mountAnswer{}, shapeError("a 200 that does not describe a mount")
	case status == http.StatusOK:
		m := mountAnswer{path: d.Path, kind: d.Type, version: 1}
		if d.Options["version"] == "2" {
			m.version = 2
		}
		return m, nil
	case status == http.StatusNotFound && e.Errors == nil: // also when not Vault's JSON
		return mountAnswer{}, shapeError("a 404 without Vault's JSON body")
	case status == http.StatusNotFound:
		return mountAnswer{version: 1}, nil
	}
	return mountAnswer{}, &statusError{status: status, errs: e.Errors}
}

func decodeNumbers(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(v)
}

// shapeError is a response that is not one of Vault's answers.
type shapeError string

func (e shapeError) Error() string { return string(e) }

// statusError is an error status with Vault's error list, if any.
type statusError struct {
	status int
	errs   []string
}

// detail is the status and Vault's errors, for a message: "500: internal error".
func (e *statusError) detail() string {
	if len(e.errs) == 0 {
		return strconv.Itoa(e.status)
	}
	return strconv.Itoa(e.status) + ": " + strings.Join(e.errs, "; ")
}

// is reports whether this is status with s in Vault's errors: 503 "sealed" (or uninitialised), 403 "invalid token" (a token Vault does not know).
func (e *statusError) is(status int, s string) bool {
	return e.status == status && strings.Contains(strings.Join(e.errs, " "), s)
}

func (e *statusError) Error() string { return "status " + e.detail() }
