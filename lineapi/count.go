package lineapi

import (
	"net/http"
	"regexp"
	"time"

	"github.com/pnpd/pnpd"
)

// jst is UTC+9, the time zone of LINE's statistics.
var jst = pnpd.StatisticsZone

// firstCountedDay is the first day LINE keeps counts for.
var firstCountedDay = time.Date(2018, 3, 31, 0, 0, 0, 0, jst)

var datePattern = regexp.MustCompile(`^[0-9]{8}$`)

type countResponse struct {
	Status  string `json:"status"`
	Success *int64 `json:"success,omitempty"`
}

func (a *API) countFlexible(w http.ResponseWriter, r *http.Request, ch *pnpd.Channel) error {
	return a.count(w, r, ch, pnpd.KindFlexible)
}

// count answers how many notifications of a kind were delivered on a UTC+9
// day: ready for past days, unready for today and later, out_of_service
// before 2018-03-31.
func (a *API) count(w http.ResponseWriter, r *http.Request, ch *pnpd.Channel,
	kind pnpd.NotificationKind) error {
	if err := permitted(ch, kind); err != nil {
		return err
	}

	raw := r.URL.Query().Get("date")
	day, err := time.ParseInLocation("20060102", raw, jst)
	if !datePattern.MatchString(raw) || err != nil {
		return fail(http.StatusBadRequest, msgInvalidDate)
	}

	now := a.Clock.Now().In(jst)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, jst)
	switch {
	case day.Before(firstCountedDay):
		writeJSON(w, http.StatusOK, countResponse{Status: "out_of_service"})
		return nil
	case !day.Before(today):
		writeJSON(w, http.StatusOK, countResponse{Status: "unready"})
		return nil
	}

	n, err := a.Store.CountDelivered(r.Context(), ch.ID, kind, day, day.AddDate(0, 0, 1))
	if err != nil {
		return err
	}

	writeJSON(w, http.StatusOK, countResponse{Status: "ready", Success: &n})

	return nil
}
