package lineapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/message"
	"github.com/pnpd/pnpd/receiving"
)

// maxBody is LINE's limit on a request body.
const maxBody = 2 << 20

var (
	digest   = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)
	unitName = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
)

// sendFields are the members both kinds of notification request have.
// The requests declare them themselves: an embedded struct's Go name would
// show in LINE's parse errors.
type sendFields struct {
	To                     *string
	NotificationDisabled   *bool
	CustomAggregationUnits []string
}

// push returns the notification the fields ask for, of a kind, from a
// channel, with its messages.
func (f *sendFields) push(ch *pnpd.Channel, kind pnpd.NotificationKind, tag string,
	messages json.RawMessage) receiving.Push {
	return receiving.Push{
		Channel:              ch,
		Kind:                 kind,
		To:                   *f.To,
		DeliveryTag:          tag,
		Messages:             messages,
		NotificationDisabled: f.NotificationDisabled != nil && *f.NotificationDisabled,
		AggregationUnit:      firstOrEmpty(f.CustomAggregationUnits),
	}
}

type pushRequest struct {
	To                     *string         `json:"to"`
	Messages               json.RawMessage `json:"messages"`
	NotificationDisabled   *bool           `json:"notificationDisabled"`
	CustomAggregationUnits []string        `json:"customAggregationUnits"`
}

func (r *pushRequest) fields() sendFields {
	return sendFields{r.To, r.NotificationDisabled, r.CustomAggregationUnits}
}

// push is POST /bot/pnp/push: validate, then store the notification durably
// and answer; delivery and the webhook happen later, never in this request.
func (a *API) push(w http.ResponseWriter, r *http.Request, ch *pnpd.Channel) error {
	tag, body, err := readSend(r, ch, pnpd.KindFlexible)
	if err != nil {
		return err
	}

	req, err := decodePush(body)
	if err != nil {
		return err
	}

	messages, err := canonical(req.Messages)
	if err != nil {
		return err
	}

	p := req.fields()

	return a.accept(w, r, p.push(ch, pnpd.KindFlexible, tag, messages), http.StatusOK)
}

// readSend reads what every send request starts with: the channel's
// permission for the kind, the headers, and the body. It returns the
// delivery tag and the body.
func readSend(r *http.Request, ch *pnpd.Channel, kind pnpd.NotificationKind) (string,
	[]byte, error) {
	if err := permitted(ch, kind); err != nil {
		return "", nil, err
	}

	tag, err := checkHeaders(r)
	if err != nil {
		return "", nil, err
	}

	body, err := readBody(r)

	return tag, body, err
}

// accept runs the receiving flow on a checked notification, counts what
// became of it and, once it is stored, answers status and {}.
func (a *API) accept(w http.ResponseWriter, r *http.Request, p receiving.Push,
	status int) error {
	p.RequestID = RequestID(r.Context())
	outcome, err := a.Receiving.Accept(r.Context(), p)
	a.countOutcome(outcome, err)
	if err != nil {
		return err
	}

	writeJSON(w, status, struct{}{})

	return nil
}

// checkHeaders checks the headers of a send request and returns the
// delivery tag ("" when absent: the Go SDK always sends the header, empty
// unless the caller set a tag).
func checkHeaders(r *http.Request) (string, error) {
	if _, ok := r.Header["X-Line-Retry-Key"]; ok {
		return "", fail(http.StatusBadRequest, msgRetryKey)
	}

	if err := checkContentType(r); err != nil {
		return "", err
	}

	tag := r.Header.Get("X-Line-Delivery-Tag")
	// The tag comes back in the webhook's JSON, which holds only text: a
	// tag that is not UTF-8 could not come back as it was sent.
	if !utf8.ValidString(tag) {
		return "", fail(http.StatusBadRequest, "The request has 1 error(s)", message.Detail{
			Message: "Must be UTF-8 text", Property: "X-Line-Delivery-Tag",
		})
	}
	// Characters are UTF-16 units here too, as in LINE's other limits.
	if n := message.UTF16Len(tag); tag != "" && (n < 16 || n > 100) {
		return "", fail(http.StatusBadRequest, "The request has 1 error(s)", message.Detail{
			Message: "Length must be between 16 and 100", Property: "X-Line-Delivery-Tag",
		})
	}

	return tag, nil
}

// checkContentType accepts JSON only, with or without a charset.
func checkContentType(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return fail(http.StatusUnsupportedMediaType,
			fmt.Sprintf("The content type, '%s', is not supported", ct))
	}

	return nil
}

func readBody(r *http.Request) ([]byte, error) {
	if r.ContentLength > maxBody {
		return nil, fail(http.StatusRequestEntityTooLarge, msgTooLarge)
	}

	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, fail(http.StatusRequestEntityTooLarge, msgTooLarge)
	}
	if err != nil {
		// A body cut short or badly chunked is the client's fault: answer as
		// LINE does for JSON that ends early.
		line, col := position(body, int64(len(body))+1)
		return nil, fail(http.StatusBadRequest, fmt.Sprintf(
			"The request body could not be parsed as JSON (line: %d, column: %d)", line, col))
	}

	// Text must be UTF-8: what is stored is shown to recipients as JSON.
	if !utf8.Valid(body) {
		line, col := position(body, int64(firstInvalidUTF8(body))+1)
		return nil, fail(http.StatusBadRequest, fmt.Sprintf(
			"The request body could not be parsed as JSON (line: %d, column: %d)", line, col))
	}

	return body, nil
}

// canonical re-encodes the validated messages for storage: compact, with
// lone surrogate escapes replaced, so that what recipients are shown is
// always valid UTF-8 JSON.
func canonical(messages json.RawMessage) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(messages))
	dec.UseNumber() // keep numbers exactly as sent
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("re-encode messages: %w", err)
	}

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("re-encode messages: %w", err)
	}

	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}

	return len(b)
}

func decodePush(body []byte) (*pushRequest, error) {
	var req pushRequest
	if err := decodeJSON(body, &req); err != nil {
		return nil, err
	}

	details := checkTo(req.To)
	msgDetails, container := message.Validate(req.Messages)
	details = append(details, msgDetails...)
	details = append(details, checkUnits(req.CustomAggregationUnits)...)
	switch {
	case len(details) > 0:
		return nil, bodyErrors(details)
	case container != nil:
		return nil, fail(http.StatusBadRequest, fmt.Sprintf(
			"A message (messages[%d]) in the request body is invalid", container.Index),
			container.Details...)
	}

	return &req, nil
}

// checkTo checks the phone hash a notification is sent to.
func checkTo(to *string) []message.Detail {
	switch {
	case to == nil || *to == "":
		return []message.Detail{{Message: "May not be empty", Property: "to"}}
	case !digest.MatchString(*to):
		return []message.Detail{{Message: msgInvalidDigest, Property: "to"}}
	}

	return nil
}

// decodeJSON decodes a request body, answering LINE's parse errors with the
// line and column at fault.
func decodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	err := dec.Decode(v)
	if err == nil {
		err = trailingData(body, dec.InputOffset())
	}

	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &typeErr) && typeErr.Field != "":
		line, col := position(body, typeErr.Offset)
		return fail(http.StatusBadRequest, fmt.Sprintf(
			"The property, '%s', in the request body is invalid (line: %d, column: %d)",
			typeErr.Field, line, col))
	case errors.As(err, &syntax):
		line, col := position(body, syntax.Offset)
		return fail(http.StatusBadRequest, fmt.Sprintf(
			"The request body could not be parsed as JSON (line: %d, column: %d)", line, col))
	case errors.As(err, &typeErr):
		line, col := position(body, typeErr.Offset)
		return fail(http.StatusBadRequest, fmt.Sprintf(
			"The request body could not be parsed as JSON (line: %d, column: %d)", line, col))
	}

	line, col := position(body, int64(len(body)))

	return fail(http.StatusBadRequest, fmt.Sprintf(
		"The request body could not be parsed as JSON (line: %d, column: %d)", line, col))
}

// trailingData reports anything but white space after the body's JSON value
// as a syntax error. Decoder.More would miss a stray "}" or "]", and Token
// reports the offset before the white space it skips; the offset counts
// the byte at fault, as encoding/json's own syntax errors do.
func trailingData(body []byte, end int64) error {
	notSpace := func(r rune) bool { return !strings.ContainsRune(" \t\r\n", r) }
	i := bytes.IndexFunc(body[end:], notSpace)
	if i < 0 {
		return nil
	}

	return &json.SyntaxError{Offset: end + int64(i) + 1}
}

// position turns a byte offset into a 1-based line and column.
func position(body []byte, offset int64) (line, col int) {
	offset = min(max(offset, 0), int64(len(body)))
	before := body[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - bytes.LastIndexByte(before, '\n')

	return line, col
}

// checkUnits checks customAggregationUnits: at most one name of at most 30
// characters from [A-Za-z0-9_].
func checkUnits(units []string) []message.Detail {
	if len(units) > 1 {
		return []message.Detail{{Message: "Size must be between 0 and 1",
			Property: "customAggregationUnits"}}
	}

	for i, u := range units {
		prop := fmt.Sprintf("customAggregationUnits[%d]", i)
		switch {
		case len(u) == 0 || len(u) > 30:
			return []message.Detail{{Message: "Length must be between 1 and 30", Property: prop}}
		case !unitName.MatchString(u):
			return []message.Detail{{Message: "Invalid characters are included in " +
				"custom aggregation unit", Property: prop}}
		}
	}

	return nil
}

func firstOrEmpty(s []string) string {
	if len(s) == 0 {
		return ""
	}

	return s[0]
}
