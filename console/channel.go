package console

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/webhook"
)

// maxIcon is the largest icon the console takes.
const maxIcon = 512 << 10

// iconTypes are the image types an icon may have.
var iconTypes = []string{"image/png", "image/jpeg", "image/gif", "image/webp"}

var botUserID = regexp.MustCompile(`^U[0-9a-f]{32}$`)

// channelForm is what the channel forms edit; a new channel's form has only
// the name, the country, the icon and the kinds of notification.
type channelForm struct {
	Name, Country, BotUserID, WebhookURL string
	Flexible, Template                   bool
	Webhook, Redelivery                  bool
	ProviderID                           int64
	Icon                                 *pnpd.Icon // nil: unchanged
	RemoveIcon                           bool
}

// formOf fills a form from a channel, to edit it.
func formOf(ch *pnpd.Channel) channelForm {
	return channelForm{Name: ch.Name, Country: ch.Country, BotUserID: ch.BotUserID,
		WebhookURL: ch.WebhookURL, Flexible: ch.FlexibleEnabled,
		Template: ch.TemplateEnabled, Webhook: ch.WebhookEnabled,
		Redelivery: ch.RedeliveryEnabled, ProviderID: ch.ProviderID}
}

// readChannelForm reads a posted channel form. Checkboxes not sent are off.
func readChannelForm(r *http.Request) (channelForm, error) {
	f := channelForm{
		Name:       strings.TrimSpace(r.PostFormValue("name")),
		Country:    strings.ToUpper(strings.TrimSpace(r.PostFormValue("country"))),
		BotUserID:  strings.TrimSpace(r.PostFormValue("bot_user_id")),
		WebhookURL: strings.TrimSpace(r.PostFormValue("webhook_url")),
		Flexible:   r.PostFormValue("flexible") == "on",
		Template:   r.PostFormValue("template") == "on",
		Webhook:    r.PostFormValue("webhook") == "on",
		Redelivery: r.PostFormValue("redelivery") == "on",
		RemoveIcon: r.PostFormValue("remove_icon") == "on",
	}
	if raw, sent := r.PostForm["provider"]; sent {
		id, err := strconv.ParseInt(raw[0], 10, 64)
		if err != nil || id < 0 {
			return f, formError("provider", "Choose a provider in the list.")
		}
		f.ProviderID = id
	}

	icon, err := readIcon(r)
	f.Icon = icon

	return f, err
}

// readIcon reads the uploaded icon, nil when none was chosen. Its type is
// judged from its bytes, not from what the browser says.
func readIcon(r *http.Request) (*pnpd.Icon, error) {
	file, _, err := r.FormFile("icon")
	if errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart) {
		return nil, nil
	}

	if err != nil {
		return nil, formError("icon", "The icon could not be read.")
	}

	defer file.Close()

	data, err := io.ReadAll(io.LimitReader(file, maxIcon+1))
	switch {
	case err != nil:
		return nil, formError("icon", "The icon could not be read.")
	case len(data) == 0:
		return nil, nil
	case len(data) > maxIcon:
		return nil, formError("icon", "The icon may be at most %d KB.", maxIcon>>10)
	}

	kind := http.DetectContentType(data)
	if !slices.Contains(iconTypes, kind) {
		return nil, formError("icon", "The icon must be a PNG, JPEG, GIF or WebP image.")
	}

	return &pnpd.Icon{ContentType: kind, Data: data}, nil
}

// check checks the fields both forms have, and the others when full.
func (f channelForm) check(countries []string, full bool) error {
	switch {
	case !pnpd.ValidChannelName(f.Name):
		return formError("name", "Give the channel a name of 1 to %d printable characters.",
			pnpd.MaxChannelName)
	case !slices.Contains(countries, f.Country) || !pnpd.KnownCountry(f.Country):
		return formError("country", "Choose one of the countries in the list.")
	case !full:
		return nil
	case !botUserID.MatchString(f.BotUserID):
		return formError("bot_user_id",
			"A bot user ID is U followed by 32 lower-case hex digits.")
	case f.WebhookURL != "" && !webhook.ValidURL(f.WebhookURL):
		return formError("webhook_url",
			"The webhook URL must be an http or https URL with a host, of at most "+
				"500 characters.")
	case f.Webhook && f.WebhookURL == "":
		return formError("webhook_url", "Set a webhook URL to turn webhooks on.")
	}

	return nil
}

// apply copies the form's editable fields to a channel.
func (f channelForm) apply(ch *pnpd.Channel) {
	ch.Name, ch.Country, ch.BotUserID, ch.WebhookURL = f.Name, f.Country, f.BotUserID,
		f.WebhookURL
	ch.FlexibleEnabled, ch.TemplateEnabled = f.Flexible, f.Template
	ch.WebhookEnabled, ch.RedeliveryEnabled = f.Webhook, f.Redelivery
	ch.ProviderID = f.ProviderID
}

// newChannelData is the new channel page's.
type newChannelData struct {
	Provider  *pnpd.Provider
	Form      channelForm
	Errors    map[string]string
	Countries []string
}

func (c *Console) newChannelPage(w http.ResponseWriter, r *http.Request) error {
	p, err := c.provider(r)
	if err != nil {
		return err
	}

	form := channelForm{Country: c.countries("")[0], Flexible: true, Template: true}
	c.showNewChannel(w, r, http.StatusOK, newChannelData{Provider: p, Form: form})

	return nil
}

func (c *Console) showNewChannel(w http.ResponseWriter, r *http.Request, status int,
	data newChannelData) {
	data.Countries = c.countries("")
	c.render(w, r, status, "channel_new.html", &page{Title: "New channel", Data: data})
}

// provider is the provider the request's path names.
func (c *Console) provider(r *http.Request) (*pnpd.Provider, error) {
	id, err := strconv.ParseInt(r.PathValue("providerID"), 10, 64)
	if err != nil {
		return nil, pnpd.Errorf(pnpd.ENotFound, "There is no such provider.")
	}

	p, err := c.Store.Provider(r.Context(), id)
	if pnpd.ErrorCode(err) == pnpd.ENotFound {
		return nil, pnpd.Errorf(pnpd.ENotFound, "There is no such provider.")
	}

	if err != nil {
		return nil, fmt.Errorf("load provider: %w", err)
	}

	return p, nil
}

// countries are the countries a channel may be given: the service
// countries, and the channel's own when it is elsewhere.
func (c *Console) countries(current string) []string {
	list := slices.Clone(c.Countries)
	if len(list) == 0 {
		list = []string{"JP", "TH", "TW"}
	}
	if current != "" && !slices.Contains(list, current) {
		list = append(list, current)
	}

	return list
}

// createChannel creates a channel in a provider and shows its page with
// its secret, this once.
func (c *Console) createChannel(w http.ResponseWriter, r *http.Request) error {
	p, err := c.provider(r)
	if err != nil {
		return err
	}

	form, err := readChannelForm(r)
	if err == nil {
		err = form.check(c.countries(""), false)
	}
	if errs, ok := fieldErrors(err); ok {
		c.showNewChannel(w, r, http.StatusBadRequest,
			newChannelData{Provider: p, Form: form, Errors: errs})
		return nil
	}

	if err != nil {
		return err
	}

	ch := pnpd.NewChannel(form.Name, form.Country, c.Clock.Now())
	ch.ProviderID, ch.FlexibleEnabled, ch.TemplateEnabled = p.ID, form.Flexible, form.Template
	err = c.Store.Update(r.Context(), func(q pnpd.Queries) error {
		if err := q.CreateChannel(r.Context(), ch); err != nil {
			return err
		}

		if form.Icon == nil {
			return nil
		}

		return q.SetChannelIcon(r.Context(), ch.ID, *form.Icon)
	})
	if err != nil {
		return fmt.Errorf("create channel: %w", err)
	}

	c.Log.InfoContext(r.Context(), "Channel created", "channel_id", ch.ID,
		"operator", sessionOf(r).operator.Username)

	return c.showChannel(w, r, http.StatusCreated, ch, channelExtras{
		Notice: "The channel was created.",
		Once:   &once{Label: "Channel secret", Value: ch.Secret, ID: "new-secret"}})
}
