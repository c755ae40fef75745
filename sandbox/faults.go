package sandbox

import (
	"net/http"
	"time"

	"github.com/pnpd/pnpd"
)

// faultSpec is the body of POST /channels/{channelId}/webhook-faults.
type faultSpec struct {
	Kind       pnpd.FaultKind `json:"kind"`
	StatusCode *int           `json:"statusCode"`
	DelayMs    *int64         `json:"delayMs"`
	Count      *int           `json:"count"`
}

// faultView is a pending fault as the sandbox shows it.
type faultView struct {
	ID         int64          `json:"id"`
	Kind       pnpd.FaultKind `json:"kind"`
	StatusCode int            `json:"statusCode"`
	DelayMs    int64          `json:"delayMs"`
	Remaining  int            `json:"remaining"`
}

// The limits of a fault.
const (
	maxFaultCount = 100
	minFaultCode  = 300
	maxFaultCode  = 599
)

// faultOf checks a fault's body and returns the fault it asks for.
func (a *API) faultOf(spec faultSpec, channelID string,
	now time.Time) (*pnpd.WebhookFault, error) {
	f := &pnpd.WebhookFault{ChannelID: channelID, Kind: spec.Kind, Remaining: 1,
		CreatedAt: now}
	if err := a.checkFaultKind(spec); err != nil {
		return nil, err
	}

	if spec.Count != nil {
		if *spec.Count < 1 || *spec.Count > maxFaultCount {
			return nil, pnpd.Errorf(pnpd.EInvalid, "Give count from 1 to 100.")
		}
		f.Remaining = *spec.Count
	}
	if spec.StatusCode != nil {
		f.StatusCode = *spec.StatusCode
	}
	if spec.DelayMs != nil {
		f.Delay = time.Duration(*spec.DelayMs) * time.Millisecond
	}

	return f, nil
}

// checkFaultKind checks the kind and the settings that belong to it.
func (a *API) checkFaultKind(spec faultSpec) error {
	switch spec.Kind {
	case pnpd.FaultStatus, pnpd.FaultDelay, pnpd.FaultDrop, pnpd.FaultDuplicate:
	default:
		return pnpd.Errorf(pnpd.EInvalid, "Give kind: status, delay, drop or duplicate.")
	}

	status, delay := spec.Kind == pnpd.FaultStatus, spec.Kind == pnpd.FaultDelay
	maxDelay := a.MaxFaultDelay.Milliseconds()
	switch {
	case delay && maxDelay == 0:
		return pnpd.Errorf(pnpd.EInvalid, "This pnpd takes no delay faults: its "+
			"--job-rescue-after leaves a delayed webhook no time; start it with "+
			"--job-rescue-after 13s or more.")
	case status && (spec.StatusCode == nil || *spec.StatusCode < minFaultCode ||
		*spec.StatusCode > maxFaultCode):
		return pnpd.Errorf(pnpd.EInvalid, "A status fault needs statusCode from 300 to 599.")
	case !status && spec.StatusCode != nil:
		return pnpd.Errorf(pnpd.EInvalid, "Only a status fault takes statusCode.")
	case delay && (spec.DelayMs == nil || *spec.DelayMs < 1 || *spec.DelayMs > maxDelay):
		return pnpd.Errorf(pnpd.EInvalid, "A delay fault needs delayMs from 1 to %d.",
			maxDelay)
	case !delay && spec.DelayMs != nil:
		return pnpd.Errorf(pnpd.EInvalid, "Only a delay fault takes delayMs.")
	}

	return nil
}

// addFaults is POST /channels/{channelId}/webhook-faults: the channel's
// next webhook attempts fail as the body says. It answers with every
// pending fault of the channel.
func (a *API) addFaults(w http.ResponseWriter, r *http.Request) error {
	var spec faultSpec
	if err := decodeJSON(r, &spec); err != nil {
		return err
	}

	ctx, channelID := r.Context(), r.PathValue("channelID")
	f, err := a.faultOf(spec, channelID, a.Clock.Now())
	if err != nil {
		return err
	}

	var pending []pnpd.WebhookFault
	err = a.Store.Update(ctx, func(q pnpd.Queries) error {
		if err := knownChannel(r, q, channelID); err != nil {
			return err
		}
		if err := q.AddWebhookFault(ctx, f); err != nil {
			return err
		}

		var err error
		pending, err = q.WebhookFaults(ctx, channelID)

		return err
	})
	if err != nil {
		return err
	}

	writeJSON(w, http.StatusCreated, faultList(pending))

	return nil
}

// knownChannel answers 404 for a channel that does not exist.
func knownChannel(r *http.Request, q pnpd.Queries, channelID string) error {
	_, err := q.Channel(r.Context(), channelID)

	return notFoundAs(err, "No channel has this ID.")
}

// faults is GET /channels/{channelId}/webhook-faults: the pending faults,
// oldest first.
func (a *API) faults(w http.ResponseWriter, r *http.Request) error {
	channelID := r.PathValue("channelID")
	if err := knownChannel(r, a.Store, channelID); err != nil {
		return err
	}

	pending, err := a.Store.WebhookFaults(r.Context(), channelID)
	if err != nil {
		return err
	}

	writeJSON(w, http.StatusOK, faultList(pending))

	return nil
}

// clearFaults is DELETE /channels/{channelId}/webhook-faults.
func (a *API) clearFaults(w http.ResponseWriter, r *http.Request) error {
	channelID := r.PathValue("channelID")
	if err := knownChannel(r, a.Store, channelID); err != nil {
		return err
	}

	if err := a.Store.ClearWebhookFaults(r.Context(), channelID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)

	return nil
}

func faultList(faults []pnpd.WebhookFault) map[string][]faultView {
	out := make([]faultView, 0, len(faults))
	for _, f := range faults {
		out = append(out, faultView{ID: f.ID, Kind: f.Kind, StatusCode: f.StatusCode,
			DelayMs: f.Delay.Milliseconds(), Remaining: f.Remaining})
	}

	return map[string][]faultView{"faults": out}
}
