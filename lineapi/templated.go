package lineapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/message"
	"github.com/pnpd/pnpd/pnptemplate"
)

type templatedRequest struct {
	To                     *string         `json:"to"`
	TemplateKey            *string         `json:"templateKey"`
	Body                   json.RawMessage `json:"body"`
	NotificationDisabled   *bool           `json:"notificationDisabled"`
	CustomAggregationUnits []string        `json:"customAggregationUnits"`
}

func (r *templatedRequest) fields() sendFields {
	return sendFields{r.To, r.NotificationDisabled, r.CustomAggregationUnits}
}

// templatedPush is POST /v2/bot/message/pnp/templated/push: the template
// notification. It runs the receiving flow as the flexible push does and
// answers 202 once the notification is stored.
func (a *API) templatedPush(w http.ResponseWriter, r *http.Request, ch *pnpd.Channel) error {
	tag, body, err := readSend(r, ch, pnpd.KindTemplate)
	if err != nil {
		return err
	}

	req, filled, err := a.decodeTemplated(body, ch, true)
	if err != nil {
		return err
	}

	messages := json.RawMessage("[" + string(filled.JSON()) + "]")
	p := req.fields()

	return a.accept(w, r, p.push(ch, pnpd.KindTemplate, tag, messages), http.StatusAccepted)
}

// permitted refuses a channel that may not send notifications of a kind,
// as LINE refuses an account without the option.
func permitted(ch *pnpd.Channel, kind pnpd.NotificationKind) error {
	if !ch.MayUse(kind) {
		return fail(http.StatusForbidden, msgNotAvailable)
	}

	return nil
}

// decodeTemplated checks a template notification request in three steps,
// each with LINE's wording: the form of the request ("The request body has
// N error(s)"), then its template key against the channel's catalogue, then
// its item and button keys ("N invalid key(s)."). A preview needs no to.
func (a *API) decodeTemplated(body []byte, ch *pnpd.Channel,
	needTo bool) (*templatedRequest, *pnptemplate.Message, error) {
	var req templatedRequest
	if err := decodeJSON(body, &req); err != nil {
		return nil, nil, err
	}

	var details []message.Detail
	if needTo || req.To != nil {
		details = append(details, checkTo(req.To)...)
	}
	if req.TemplateKey == nil || *req.TemplateKey == "" {
		details = append(details, message.Detail{Message: "May not be empty",
			Property: "templateKey"})
	}
	content, bodyDetails := message.ParseTemplateBody(req.Body)
	details = append(details, bodyDetails...)
	details = append(details, checkUnits(req.CustomAggregationUnits)...)
	if len(details) > 0 {
		return nil, nil, bodyErrors(details)
	}

	filled, err := a.Templates.Fill(ch.Country, ch.TemplateKeys, *req.TemplateKey, content)
	if err != nil {
		return nil, nil, templateError(err)
	}

	return &req, filled, nil
}

// templateError words a catalogue refusal as LINE's documented bodies do.
func templateError(err error) error {
	var tpl *pnptemplate.UnknownTemplateError
	var keys *pnptemplate.UnknownKeysError
	switch {
	case errors.As(err, &tpl):
		return fail(http.StatusBadRequest, "Invalid templateKey: "+tpl.Key, message.Detail{
			Message:  "The specified template doesn't exist, or you don't have the permission",
			Property: "templateKey",
		})
	case errors.As(err, &keys):
		details := make([]message.Detail, 0, len(keys.Keys))
		for _, k := range keys.Keys {
			details = append(details, message.Detail{Property: k.Property,
				Message: fmt.Sprintf("The specified %s key does not exist: %s", k.Kind, k.Key)})
		}

		return fail(http.StatusBadRequest, fmt.Sprintf(
			"The request body has %d invalid key(s).", len(details)), details...)
	}

	return err
}

func (a *API) countTemplated(w http.ResponseWriter, r *http.Request, ch *pnpd.Channel) error {
	return a.count(w, r, ch, pnpd.KindTemplate)
}
