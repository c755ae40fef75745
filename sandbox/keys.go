package sandbox

import (
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/assertion"
)

// registerKeys adds the endpoints of a channel's assertion signing keys,
// the public keys its JWT assertions for v2.1 tokens are checked with.
func (a *API) registerKeys(route routeFunc) {
	route("POST /sandbox/v1/channels/{channelID}/keys", a.addKey)
	route("GET /sandbox/v1/channels/{channelID}/keys", a.keys)
}

// addKey is POST /channels/{channelId}/keys: the body is a public RSA JWK,
// the answer 201 with the kid pnpd gave it.
func (a *API) addKey(w http.ResponseWriter, r *http.Request) error {
	jwk, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var sizeErr *http.MaxBytesError
	if errors.As(err, &sizeErr) {
		return pnpd.Errorf(pnpd.EInvalid, "The request body is over %d KB.", maxBody>>10)
	}
	if err != nil {
		return pnpd.Errorf(pnpd.EInvalid, "The request body could not be read.")
	}

	var kid string
	err = a.Store.Update(r.Context(), func(q pnpd.Queries) error {
		var err error
		kid, err = assertion.RegisterKey(r.Context(), q, a.Clock, r.PathValue("channelID"),
			jwk)

		return err
	})
	if err != nil {
		return notFoundAs(err, "No channel has this ID.")
	}

	writeJSON(w, http.StatusCreated, map[string]string{"kid": kid})

	return nil
}

// keyEntry is a registered key as the list shows it.
type keyEntry struct {
	KID       string    `json:"kid"`
	CreatedAt time.Time `json:"createdAt"`
}

// keys is GET /channels/{channelId}/keys: the channel's keys, oldest first.
func (a *API) keys(w http.ResponseWriter, r *http.Request) error {
	channelID := r.PathValue("channelID")
	if err := knownChannel(r, a.Store, channelID); err != nil {
		return err
	}

	keys, err := a.Store.ChannelKeys(r.Context(), channelID)
	if err != nil {
		return err
	}

	out := make([]keyEntry, 0, len(keys))
	for _, k := range keys {
		out = append(out, keyEntry{KID: k.KID, CreatedAt: k.CreatedAt})
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": out})

	return nil
}
