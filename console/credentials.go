package console

import (
	"fmt"
	"net/http"
	"time"

	"github.com/pnpd/pnpd"
)

// keepOldFor is how long a reissued long-lived token's predecessor may keep
// working when the operator asks for it, as LINE offers.
const keepOldFor = 24 * time.Hour

// reissueSecret gives the channel a new secret and shows it this once;
// webhooks are signed with it from the next one on. The operator must
// tick the confirmation: the business's receiver needs the new secret.
func (c *Console) reissueSecret(w http.ResponseWriter, r *http.Request) error {
	ch, err := c.channel(r)
	if err != nil {
		return err
	}

	if r.PostFormValue("confirm") != "on" {
		return c.showChannel(w, r, http.StatusBadRequest, ch, channelExtras{
			Errors: map[string]string{"secret": "Tick the box to confirm the reissue."}})
	}

	edited := *ch
	edited.Secret = pnpd.NewChannelSecret()
	if err := c.Store.UpdateChannel(r.Context(), &edited); err != nil {
		return fmt.Errorf("reissue channel secret: %w", err)
	}

	c.Log.InfoContext(r.Context(), "Channel secret reissued", "channel_id", ch.ID,
		"operator", sessionOf(r).operator.Username)

	return c.showChannel(w, r, http.StatusOK, &edited, channelExtras{
		Notice: "The channel secret was reissued; the old one no longer signs webhooks.",
		Once:   &once{Label: "New channel secret", Value: edited.Secret, ID: "new-secret"}})
}

// issueToken issues the channel's long-lived access token. As LINE has one
// per channel, issuing one revokes the one before at once or, when the
// operator chose so, lets it work for 24 more hours.
func (c *Console) issueToken(w http.ResponseWriter, r *http.Request) error {
	ch, err := c.channel(r)
	if err != nil {
		return err
	}

	now, keep := c.Clock.Now(), r.PostFormValue("keep_old") == "on"
	token, stored := pnpd.NewLongLivedToken(ch.ID, now)
	err = c.Store.Update(r.Context(), func(q pnpd.Queries) error {
		if err := retireTokens(r, q, ch.ID, keep, now); err != nil {
			return err
		}

		return q.CreateAccessToken(r.Context(), stored)
	})
	if err != nil {
		return fmt.Errorf("issue long-lived token: %w", err)
	}

	c.Log.InfoContext(r.Context(), "Long-lived token issued", "channel_id", ch.ID,
		"kept_old", keep, "operator", sessionOf(r).operator.Username)

	note := "Any earlier long-lived token was revoked; tokens of other kinds are " +
		"left as they are."
	if keep {
		note = "Any earlier long-lived token works until " + now.Add(keepOldFor).UTC().
			Format("2006-01-02 15:04 UTC") + "."
	}

	return c.showChannel(w, r, http.StatusOK, ch, channelExtras{
		Notice: "A long-lived channel access token was issued.",
		Once: &once{Label: "Long-lived channel access token", Value: token, ID: "new-token",
			Note: note}})
}

// retireTokens revokes the channel's long-lived tokens, or makes them
// expire in keepOldFor when keep.
func retireTokens(r *http.Request, q pnpd.Queries, channelID string, keep bool,
	now time.Time) error {
	if keep {
		_, err := q.ExpireAccessTokens(r.Context(), channelID, pnpd.TokenLongLived,
			now.Add(keepOldFor))
		return err
	}

	_, err := q.TrimAccessTokens(r.Context(), channelID, pnpd.TokenLongLived, 0)

	return err
}
