package sandbox

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/webhook"
)

// ChannelSpec describes a channel to create.
type ChannelSpec struct {
	Name       string `json:"name"`
	Country    string `json:"country"`
	WebhookURL string `json:"webhookUrl"`
	Redelivery bool   `json:"redelivery"`
	// Flexible and Template say whether the channel may send flexible and
	// template notifications; it may send both when they are absent.
	Flexible *bool `json:"flexible"`
	Template *bool `json:"template"`
	// TemplateKeys limits the templates the channel may use; when empty,
	// it may use every template of its country's catalogue.
	TemplateKeys []string `json:"templateKeys"`
}

// Credentials are what a business needs to use a channel. They are shown
// once: the store keeps the token only as a hash.
type Credentials struct {
	ChannelID     string `json:"channelId"`
	ChannelSecret string `json:"channelSecret"`
	AccessToken   string `json:"accessToken"`
	BotUserID     string `json:"botUserId"`
}

// CreateChannel creates a channel with a long-lived access token; in
// sandbox mode the blocking magic number's recipient blocks it.
func CreateChannel(ctx context.Context, q pnpd.Queries, clock pnpd.Clock,
	spec ChannelSpec) (Credentials, error) {
	if err := checkSpec(&spec); err != nil {
		return Credentials{}, err
	}

	ch := pnpd.NewChannel(spec.Name, spec.Country, clock.Now())
	ch.WebhookURL, ch.WebhookEnabled = spec.WebhookURL, spec.WebhookURL != ""
	ch.RedeliveryEnabled = spec.Redelivery
	ch.FlexibleEnabled = spec.Flexible == nil || *spec.Flexible
	ch.TemplateEnabled = spec.Template == nil || *spec.Template
	ch.TemplateKeys = spec.TemplateKeys
	if err := q.CreateChannel(ctx, ch); err != nil {
		return Credentials{}, err
	}

	// The blocking magic number blocks every channel, new ones too.
	if err := blockForMagic(ctx, q, ch.ID); err != nil {
		return Credentials{}, err
	}

	token, err := IssueToken(ctx, q, clock, ch.ID)
	if err != nil {
		return Credentials{}, err
	}

	return Credentials{ChannelID: ch.ID, ChannelSecret: ch.Secret, AccessToken: token,
		BotUserID: ch.BotUserID}, nil
}

// IssueToken issues a further long-lived access token for a channel.
func IssueToken(ctx context.Context, q pnpd.Queries, clock pnpd.Clock,
	channelID string) (string, error) {
	token, stored := pnpd.NewLongLivedToken(channelID, clock.Now())
	if err := q.CreateAccessToken(ctx, stored); err != nil {
		return "", fmt.Errorf("issue token: %w", err)
	}

	return token, nil
}

func checkSpec(spec *ChannelSpec) error {
	spec.Name = strings.TrimSpace(spec.Name)
	spec.Country = strings.ToUpper(spec.Country)
	if spec.Country == "" {
		spec.Country = "JP"
	}

	switch {
	case !pnpd.ValidChannelName(spec.Name):
		return pnpd.Errorf(pnpd.EInvalid, "Give the channel a name of 1 to 20 printable characters.")
	case !pnpd.KnownCountry(spec.Country):
		return pnpd.Errorf(pnpd.EInvalid, "The country must be a country code such as JP.")
	case spec.WebhookURL != "" && !webhook.ValidURL(spec.WebhookURL):
		return pnpd.Errorf(pnpd.EInvalid,
			"The webhook URL must be an http or https URL of at most 500 characters.")
	}

	return nil
}

func (a *API) createChannel(w http.ResponseWriter, r *http.Request) error {
	var spec ChannelSpec
	if err := decodeJSON(r, &spec); err != nil {
		return err
	}

	if err := a.checkTemplateKeys(&spec); err != nil {
		return err
	}

	var creds Credentials
	err := a.Store.Update(r.Context(), func(q pnpd.Queries) error {
		var err error
		creds, err = CreateChannel(r.Context(), q, a.Clock, spec)

		return err
	})
	if err != nil {
		return err
	}

	writeJSON(w, http.StatusCreated, creds)

	return nil
}

// checkTemplateKeys refuses template keys that the channel's country's
// catalogue lacks: the channel could never use them.
func (a *API) checkTemplateKeys(spec *ChannelSpec) error {
	if len(spec.TemplateKeys) == 0 || a.Templates == nil {
		return nil
	}

	set := a.Templates.Set(strings.ToUpper(cmp.Or(spec.Country, "JP")))
	for _, key := range spec.TemplateKeys {
		if set == nil {
			return pnpd.Errorf(pnpd.EInvalid, "The country has no template catalogue.")
		}
		if _, ok := set.Template(key); !ok {
			return pnpd.Errorf(pnpd.EInvalid, "The template %q is not in the catalogue of %s.",
				key, set.Country)
		}
	}

	return nil
}
