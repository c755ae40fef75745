package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/receiving"
)

// maxText is the longest text message LINE takes, in characters.
const maxText = 5000

// testForm is the "send a test notification" form. The page never shows
// the number back: only Masked, once it was read.
type testForm struct {
	Phone  string
	Masked string
	Text   string
}

// sendTest sends a text notification from the channel to a phone number,
// through the receiving flow that /bot/pnp/push uses, and shows the
// request ID it was accepted under.
func (c *Console) sendTest(w http.ResponseWriter, r *http.Request) error {
	ch, err := c.channel(r)
	if err != nil {
		return err
	}

	form := testForm{Phone: strings.TrimSpace(r.PostFormValue("phone")),
		Text: strings.TrimSpace(r.PostFormValue("text"))}
	id, err := c.pushTest(r, ch, &form)
	form.Phone = ""
	if errs, ok := fieldErrors(err); ok {
		return c.showChannel(w, r, http.StatusBadRequest, ch,
			channelExtras{Errors: errs, Test: form})
	}
	if err != nil {
		return err
	}

	return c.showChannel(w, r, http.StatusOK, ch, channelExtras{
		Notice: "The test notification was accepted.", Sent: id, Test: form})
}

// pushTest checks the form and hands the notification to the receiving
// flow. The phone number is only hashed, as a business would send it.
func (c *Console) pushTest(r *http.Request, ch *pnpd.Channel, form *testForm) (string,
	error) {
	switch {
	case !ch.FlexibleEnabled:
		return "", formError("test", "This channel may not send flexible notifications; "+
			"turn them on in its settings first.")
	case !strings.HasPrefix(form.Phone, "+"):
		return "", formError("phone", "Write the phone number in E.164, such as +8190…")
	case form.Text == "" || utf8.RuneCountInString(form.Text) > maxText:
		return "", formError("text", "Write a text of 1 to %d characters.", maxText)
	}

	e164, err := pnpd.NormalizePhone(form.Phone, "")
	if err != nil {
		return "", formError("phone", "%s", pnpd.ErrorMessage(err))
	}

	form.Masked = pnpd.MaskPhone(e164)

	messages, err := json.Marshal([]map[string]string{{"type": "text", "text": form.Text}})
	if err != nil {
		return "", fmt.Errorf("test notification: %w", err)
	}

	id := pnpd.NewRequestID()
	_, err = c.Receiving.Accept(r.Context(), receiving.Push{RequestID: id, Channel: ch,
		Kind: pnpd.KindFlexible, To: pnpd.HashPhone(e164), Messages: messages})
	if pnpd.ErrorCode(err) == pnpd.ERefused {
		return "", formError("test", "The recipient cannot receive notification messages "+
			"(no account for the number, a number outside the service countries, "+
			"notification messages rejected, or the privacy policy not agreed).")
	}
	if err != nil {
		return "", fmt.Errorf("test notification: %w", err)
	}

	c.Log.InfoContext(r.Context(), "Test notification sent", "channel_id", ch.ID,
		"request_id", id, "operator", sessionOf(r).operator.Username)

	return id, nil
}
