package console

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pnpd/pnpd"
)

// homeData is the home page's: the providers with their channels, and the
// new provider form.
type homeData struct {
	Rows   []providerRow
	Name   string
	Errors map[string]string
}

// maxProviderName is the longest provider name, in characters.
const maxProviderName = 100

// providerName reads a provider name from a form; "" when it is empty, too
// long or not printable.
func providerName(r *http.Request) string {
	name := strings.TrimSpace(r.PostFormValue("name"))
	if utf8.RuneCountInString(name) > maxProviderName || !pnpd.Printable(name) {
		return ""
	}

	return name
}

// msgProviderName asks for a valid provider name.
const msgProviderName = "Give the provider a name of 1 to 100 printable characters."

// msgProviderTaken refuses a second provider of one name: the channel
// page's list of providers would not tell them apart.
const msgProviderTaken = "Another provider has this name."

// providerNameTaken reports whether a provider other than except has the
// name, in any case.
func (c *Console) providerNameTaken(r *http.Request, name string, except int64) (bool,
	error) {
	providers, err := c.Store.Providers(r.Context())
	if err != nil {
		return false, fmt.Errorf("list providers: %w", err)
	}

	return slices.ContainsFunc(providers, func(p pnpd.Provider) bool {
		return p.ID != except && strings.EqualFold(p.Name, name)
	}), nil
}

// createProvider creates a provider from the home page's form.
func (c *Console) createProvider(w http.ResponseWriter, r *http.Request) error {
	name := providerName(r)
	if name == "" {
		return c.showHome(w, r, http.StatusBadRequest, homeData{
			Name: r.PostFormValue("name"), Errors: map[string]string{"name": msgProviderName}})
	}
	taken, err := c.providerNameTaken(r, name, 0)
	if err != nil {
		return err
	}
	if taken {
		return c.showHome(w, r, http.StatusBadRequest, homeData{
			Name: name, Errors: map[string]string{"name": msgProviderTaken}})
	}

	err = c.Store.CreateProvider(r.Context(), &pnpd.Provider{Name: name,
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

// renameProvider gives a provider a new name.
func (c *Console) renameProvider(w http.ResponseWriter, r *http.Request) error {
	p, err := c.provider(r)
	if err != nil {
		return err
	}

	name := providerName(r)
	if name == "" {
		return c.showHome(w, r, http.StatusBadRequest, homeData{
			Errors: map[string]string{"rename-" + strconv.FormatInt(p.ID, 10): msgProviderName}})
	}
	taken, err := c.providerNameTaken(r, name, p.ID)
	if err != nil {
		return err
	}
	if taken {
		return c.showHome(w, r, http.StatusBadRequest, homeData{Errors: map[string]string{
			"rename-" + strconv.FormatInt(p.ID, 10): msgProviderTaken}})
	}
	if err := c.Store.RenameProvider(r.Context(), p.ID, name); err != nil {
		return fmt.Errorf("rename provider: %w", err)
	}

	http.Redirect(w, r, "/console/?done=renamed", http.StatusSeeOther)

	return nil
}

// deleteProvider deletes a provider that has no channels left.
func (c *Console) deleteProvider(w http.ResponseWriter, r *http.Request) error {
	p, err := c.provider(r)
	if err != nil {
		return err
	}

	err = c.Store.DeleteProvider(r.Context(), p.ID)
	if pnpd.ErrorCode(err) == pnpd.EConflict {
		return pnpd.Errorf(pnpd.EConflict, "%s still has channels; it cannot be deleted.",
			p.Name)
	}
	if err != nil {
		return fmt.Errorf("delete provider: %w", err)
	}

	http.Redirect(w, r, "/console/?done=deleted", http.StatusSeeOther)

	return nil
}

// notices are what a page says after a change it was redirected from,
// named by its ?done= value.
var notices = map[string]string{
	"provider": "The provider was created.",
	"saved":    "The changes were saved.",
	"renamed":  "The provider was renamed.",
	"deleted":  "The provider was deleted.",
	"operator": "The operator was added. Hand over the password by a safe way.",
	"password": "Your password was changed; every other session of yours has ended.",
	"key_deleted": "The key was deleted: assertions it signs are refused from now " +
		"on; the v2.1 tokens issued for them work until they expire or are revoked.",
}
