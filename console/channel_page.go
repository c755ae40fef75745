package console

import (
	"cmp"
	"fmt"
	"net/http"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/webhook"
)

// channelData is the channel page's.
type channelData struct {
	Channel   *pnpd.Channel
	Provider  *pnpd.Provider // nil for a channel no provider owns
	Providers []pnpd.Provider
	HasIcon   bool
	Countries []string
	Tokens    []tokenRow
	Keys      []pnpd.ChannelKey
	Form      channelForm
	Errors    map[string]string
	channelExtras
}

// channelExtras are what one action adds to the channel page: a notice, a
// value shown once, the webhook test's result, a test notification.
type channelExtras struct {
	Notice   string
	Once     *once
	Verified *verified
	Test     testForm
	Sent     string // the request ID of a test notification
	JWK      string // a key refused, shown again to mend
	// Errors and Form replace the page's when a form was refused.
	Errors map[string]string
	Form   *channelForm
}

// once is a secret or token shown this once: the store keeps the token
// only hashed, and the page that shows it is not cached.
type once struct {
	Label, Value, ID string
	Note             string
}

// verified is the result of the webhook test.
type verified struct {
	URL    string
	At     time.Time
	Result webhook.Result
}

// tokenKinds name the kinds of token as LINE's console does.
var tokenKinds = map[string]string{"long_lived": "Long-lived", "short_lived": "Short-lived",
	"v2.1": "v2.1 (user-specified expiry)", "stateless": "Stateless"}

// tokenRow is one of a channel's access tokens: never the token itself.
type tokenRow struct {
	Kind      string
	KeyID     string // a v2.1 token's key ID, which lists and revokes it
	CreatedAt time.Time
	ExpiresAt time.Time
	Expired   bool
}

// channel is the channel the request's path names.
func (c *Console) channel(r *http.Request) (*pnpd.Channel, error) {
	ch, err := c.Store.Channel(r.Context(), r.PathValue("channelID"))
	if pnpd.ErrorCode(err) == pnpd.ENotFound {
		return nil, pnpd.Errorf(pnpd.ENotFound, "There is no such channel.")
	}

	if err != nil {
		return nil, fmt.Errorf("load channel: %w", err)
	}

	return ch, nil
}

func (c *Console) channelPage(w http.ResponseWriter, r *http.Request) error {
	ch, err := c.channel(r)
	if err != nil {
		return err
	}

	return c.showChannel(w, r, http.StatusOK, ch,
		channelExtras{Notice: notices[r.URL.Query().Get("done")]})
}

// showChannel renders the channel page with what an action adds to it.
func (c *Console) showChannel(w http.ResponseWriter, r *http.Request, status int,
	ch *pnpd.Channel, extras channelExtras) error {
	data := channelData{Channel: ch, Countries: c.countries(ch.Country),
		Form: formOf(ch), Errors: extras.Errors, channelExtras: extras}
	if extras.Form != nil {
		data.Form = *extras.Form
	}
	if err := c.loadChannelParts(r, &data); err != nil {
		return err
	}

	c.render(w, r, status, "channel.html", &page{Title: ch.Name, Notice: extras.Notice,
		Data: data})

	return nil
}

// loadChannelParts loads the channel's provider, icon, tokens and keys.
func (c *Console) loadChannelParts(r *http.Request, data *channelData) error {
	ctx, ch := r.Context(), data.Channel
	providers, err := c.Store.Providers(ctx)
	if err != nil {
		return fmt.Errorf("list providers: %w", err)
	}

	data.Providers = providers
	for i := range providers {
		if providers[i].ID == ch.ProviderID {
			data.Provider = &providers[i]
		}
	}

	_, err = c.Store.ChannelIcon(ctx, ch.ID)
	if err != nil && pnpd.ErrorCode(err) != pnpd.ENotFound {
		return fmt.Errorf("load icon: %w", err)
	}

	data.HasIcon = err == nil

	tokens, err := c.Store.AccessTokens(ctx, ch.ID)
	if err != nil {
		return fmt.Errorf("list tokens: %w", err)
	}

	data.Keys, err = c.Store.ChannelKeys(ctx, ch.ID)
	if err != nil {
		return fmt.Errorf("list keys: %w", err)
	}

	now := c.Clock.Now()
	for _, t := range tokens {
		data.Tokens = append(data.Tokens, tokenRow{Kind: cmp.Or(tokenKinds[t.Kind], t.Kind), KeyID: t.KeyID, CreatedAt: t.CreatedAt,
			ExpiresAt: t.ExpiresAt, Expired: !t.ExpiresAt.IsZero() && !t.ExpiresAt.After(now)})
	}

	return nil
}

// saveChannel saves the settings form: a field in error shows the form
// again with the message beside it and saves nothing.
func (c *Console) saveChannel(w http.ResponseWriter, r *http.Request) error {
	ch, err := c.channel(r)
	if err != nil {
		return err
	}

	form, err := readChannelForm(r)
	if _, sent := r.PostForm["provider"]; !sent {
		form.ProviderID = ch.ProviderID
	}
	if err == nil {
		err = form.check(c.countries(ch.Country), true)
	}
	if err == nil {
		err = c.checkProvider(r, form.ProviderID)
	}
	if err == nil {
		err = c.saveForm(r, ch, form)
	}
	if errs, ok := fieldErrors(err); ok {
		return c.showChannel(w, r, http.StatusBadRequest, ch,
			channelExtras{Errors: errs, Form: &form})
	}
	if err != nil {
		return err
	}

	http.Redirect(w, r, "/console/channels/"+ch.ID+"?done=saved", http.StatusSeeOther)

	return nil
}

// checkProvider checks that a channel's new provider exists; 0 is none.
func (c *Console) checkProvider(r *http.Request, id int64) error {
	if id == 0 {
		return nil
	}

	_, err := c.Store.Provider(r.Context(), id)
	if pnpd.ErrorCode(err) == pnpd.ENotFound {
		return formError("provider", "Choose one of the providers in the list.")
	}

	return err
}

// saveForm saves the form's fields and icon in one update.
func (c *Console) saveForm(r *http.Request, ch *pnpd.Channel, form channelForm) error {
	edited := *ch
	form.apply(&edited)
	err := c.Store.Update(r.Context(), func(q pnpd.Queries) error {
		if err := q.UpdateChannel(r.Context(), &edited); err != nil {
			return err
		}

		switch {
		case form.Icon != nil:
			return q.SetChannelIcon(r.Context(), ch.ID, *form.Icon)
		case form.RemoveIcon:
			return q.SetChannelIcon(r.Context(), ch.ID, pnpd.Icon{})
		}

		return nil
	})
	if pnpd.ErrorCode(err) == pnpd.EConflict {
		return formError("bot_user_id", "Another channel has this bot user ID.")
	}

	if err != nil {
		return fmt.Errorf("save channel: %w", err)
	}

	c.Log.InfoContext(r.Context(), "Channel saved", "channel_id", ch.ID,
		"operator", sessionOf(r).operator.Username)

	return nil
}

// channelIcon serves a channel's icon with the type its bytes showed.
func (c *Console) channelIcon(w http.ResponseWriter, r *http.Request) error {
	icon, err := c.Store.ChannelIcon(r.Context(), r.PathValue("channelID"))
	if pnpd.ErrorCode(err) == pnpd.ENotFound {
		return pnpd.Errorf(pnpd.ENotFound, "This channel has no icon.")
	}

	if err != nil {
		return fmt.Errorf("load icon: %w", err)
	}

	w.Header().Set("Content-Type", icon.ContentType)
	w.Header().Set("Content-Length", fmt.Sprint(len(icon.Data)))
	_, _ = w.Write(icon.Data)

	return nil
}

// verifyWebhook sends LINE's webhook test to the channel's webhook URL,
// whether webhooks are on or not, and shows what came of it.
func (c *Console) verifyWebhook(w http.ResponseWriter, r *http.Request) error {
	ch, err := c.channel(r)
	if err != nil {
		return err
	}

	if ch.WebhookURL == "" {
		return c.showChannel(w, r, http.StatusBadRequest, ch, channelExtras{
			Errors: map[string]string{"verify": "Set the webhook URL first."}})
	}

	sender := c.Webhooks
	if sender == nil {
		sender = &webhook.Sender{}
	}
	at := c.Clock.Now()
	res := sender.SendTest(r.Context(), ch.WebhookURL, ch)

	return c.showChannel(w, r, http.StatusOK, ch, channelExtras{
		Verified: &verified{URL: ch.WebhookURL, At: at, Result: res}})
}
