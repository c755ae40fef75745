package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/pnpd/pnpd"
)

// reset is POST /reset [{"keepChannels":false}]: the sandbox starts again,
// empty but for the magic numbers and, when asked, the channels.
func (a *API) reset(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		KeepChannels bool `json:"keepChannels"`
	}
	if err := decodeOptionalJSON(r, &req); err != nil {
		return err
	}

	if err := Reset(r.Context(), a.Store, a.Clock, req.KeepChannels); err != nil {
		return err
	}
	a.clockMoved()
	a.Log.InfoContext(r.Context(), "Sandbox reset", "keep_channels", req.KeepChannels)
	w.WriteHeader(http.StatusNoContent)

	return nil
}

// decodeOptionalJSON decodes the body into v, leaving v alone when the
// body is empty.
func decodeOptionalJSON(r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err == nil && len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err == nil {
		err = json.Unmarshal(body, v)
	}
	if err != nil {
		return bodyError(err)
	}

	return nil
}

// Reset empties the sandbox in one transaction: every recipient,
// notification, chat message, webhook event, attempt and fault, SMS code
// and outbox SMS, session, aggregation unit and pending job; channels and
// their tokens too unless keepChannels. It sets the clock back to the wall
// clock and seeds the magic numbers again.
func Reset(ctx context.Context, store pnpd.Store, clock *pnpd.OffsetClock,
	keepChannels bool) error {
	// The whole reset commits, or none of it: the client goes away or not.
	ctx = context.WithoutCancel(ctx)
	err := store.Update(ctx, func(q pnpd.Queries) error {
		if err := q.Reset(ctx, keepChannels); err != nil {
			return err
		}

		return resetSettings(ctx, q, keepChannels)
	})
	if err != nil {
		return fmt.Errorf("reset sandbox: %w", err)
	}

	// Read back rather than set to zero: a move on another node may have
	// followed the reset.
	return RestoreClock(ctx, store, clock)
}

// resetSettings sets the stored clock back and seeds the magic numbers. The
// seed reads the wall clock, which the sandbox's is once the reset commits.
func resetSettings(ctx context.Context, q pnpd.Queries, keepChannels bool) error {
	if err := q.SetSetting(ctx, ClockSetting, "0"); err != nil {
		return err
	}

	// Without its channel, the demo must be seeded anew at the next start.
	if !keepChannels {
		if err := q.SetSetting(ctx, demoSetting, ""); err != nil {
			return err
		}
	}

	return SeedMagicNumbers(ctx, q, &pnpd.OffsetClock{})
}
