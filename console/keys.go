package console

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/assertion"
)

// registerKey registers a public key (a JWK) the business signs its JWT
// assertions with, for channel access tokens v2.1; the page shows the kid
// the assertions must name.
func (c *Console) registerKey(w http.ResponseWriter, r *http.Request) error {
	ch, err := c.channel(r)
	if err != nil {
		return err
	}

	jwk := strings.TrimSpace(r.PostFormValue("jwk"))
	var kid string
	err = c.Store.Update(r.Context(), func(q pnpd.Queries) error {
		kid, err = assertion.RegisterKey(r.Context(), q, c.Clock, ch.ID, []byte(jwk))
		return err
	})
	var refused *pnpd.Error
	if errors.As(err, &refused) && refused.Code != pnpd.EInternal {
		return c.showChannel(w, r, http.StatusBadRequest, ch, channelExtras{
			Errors: map[string]string{"jwk": refused.Message}, JWK: jwk})
	}
	if err != nil {
		return fmt.Errorf("register key: %w", err)
	}

	c.Log.InfoContext(r.Context(), "Assertion key registered", "channel_id", ch.ID,
		"kid", kid, "operator", sessionOf(r).operator.Username)

	return c.showChannel(w, r, http.StatusCreated, ch, channelExtras{
		Notice: "The key was registered. Name its kid, " + kid + ", in the header " +
			"of the JWT assertions it signs."})
}

// deleteKey deletes a registered key: assertions it signs are refused from
// then on, while the v2.1 tokens issued for them keep working until they
// expire or are revoked.
func (c *Console) deleteKey(w http.ResponseWriter, r *http.Request) error {
	ch, err := c.channel(r)
	if err != nil {
		return err
	}

	err = c.Store.DeleteChannelKey(r.Context(), ch.ID, r.PathValue("kid"))
	if pnpd.ErrorCode(err) == pnpd.ENotFound {
		return pnpd.Errorf(pnpd.ENotFound, "The channel has no key with that kid.")
	}
	if err != nil {
		return fmt.Errorf("delete key: %w", err)
	}

	c.Log.InfoContext(r.Context(), "Assertion key deleted", "channel_id", ch.ID,
		"kid", r.PathValue("kid"), "operator", sessionOf(r).operator.Username)
	http.Redirect(w, r, "/console/channels/"+ch.ID+"?done=key_deleted", http.StatusSeeOther)

	return nil
}
