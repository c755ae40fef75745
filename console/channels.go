package console

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/pnpd/pnpd"
)

// channelRoutes adds the pages of providers and channels.
func (c *Console) channelRoutes(route func(string, handler)) {
	route("POST /console/providers", c.createProvider)
	route("GET /console/providers/{providerID}/channels/new", c.newChannelPage)
	route("POST /console/providers/{providerID}/channels", c.createChannel)
	route("GET /console/channels/{channelID}", c.channelPage)
	route("POST /console/channels/{channelID}", c.saveChannel)
	route("GET /console/channels/{channelID}/icon", c.channelIcon)
	route("POST /console/channels/{channelID}/verify", c.verifyWebhook)
	route("POST /console/channels/{channelID}/secret", c.reissueSecret)
	route("POST /console/channels/{channelID}/token", c.issueToken)
	route("POST /console/channels/{channelID}/test", c.sendTest)
}

// homeData is the home page's: the providers with their channels, and the
// new provider form.
type homeData struct {
	Rows   []providerRow
	Name   string
	Errors map[string]string
}

// createProvider creates a provider from the home page's form.
func (c *Console) createProvider(w http.ResponseWriter, r *http.Request) error {
	name := strings.TrimSpace(r.PostFormValue("name"))
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return c.showHome(w, r, http.StatusBadRequest, homeData{Name: name,
			Errors: map[string]string{"name": "Give the provider a name of 1 to 100 characters."}})
	}

	err := c.Store.CreateProvider(r.Context(), &pnpd.Provider{Name: name,
		CreatedAt: c.Clock.Now()})
	if err != nil {
		return fmt.Errorf("create provider: %w", err)
	}
	http.Redirect(w, r, "/console/?done=provider", http.StatusSeeOther)

	return nil
}

// providerRow is one provider on the home page, with its channels.
type providerRow struct {
	Provider pnpd.Provider
	Channels []*pnpd.Channel
}

// home lists the providers with their channels; channels no provider owns,
// such as the sandbox's, come last.
func (c *Console) home(w http.ResponseWriter, r *http.Request) error {
	return c.showHome(w, r, http.StatusOK, homeData{})
}

func (c *Console) showHome(w http.ResponseWriter, r *http.Request, status int,
	data homeData) error {
	rows, err := c.providerRows(r)
	if err != nil {
		return err
	}

	data.Rows = rows
	c.render(w, r, status, "home.html", &page{Title: "Providers and channels",
		Notice: notices[r.URL.Query().Get("done")], Data: data})

	return nil
}

func (c *Console) providerRows(r *http.Request) ([]providerRow, error) {
	providers, err := c.Store.Providers(r.Context())
	if err != nil {
		return nil, fmt.Errorf("list providers: %w", err)
	}

	channels, err := c.Store.Channels(r.Context())
	if err != nil {
		return nil, fmt.Errorf("list channels: %w", err)
	}

	rows := make([]providerRow, 0, len(providers)+1)
	index := map[int64]int{}
	for _, p := range providers {
		index[p.ID] = len(rows)
		rows = append(rows, providerRow{Provider: p})
	}
	for _, ch := range channels {
		i, ok := index[ch.ProviderID]
		if !ok {
			i, index[ch.ProviderID] = len(rows), len(rows)
			rows = append(rows, providerRow{Provider: pnpd.Provider{Name: "No provider"}})
		}
		rows[i].Channels = append(rows[i].Channels, ch)
	}

	return rows, nil
}

// notices are what a page says after a change it was redirected from,
// named by its ?done= value.
var notices = map[string]string{
	"provider": "The provider was created.",
	"saved":    "The changes were saved.",
}
