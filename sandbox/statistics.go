package sandbox

import (
	"net/http"
	"time"

	"github.com/pnpd/pnpd"
)

// dayStatistics is a channel's deliveries on one UTC+9 day.
type dayStatistics struct {
	Date     string      `json:"date"`
	Flexible int64       `json:"flexible"`
	Template int64       `json:"template"`
	Units    []unitCount `json:"units"`
}

// unitCount is an aggregation unit's deliveries on the day, by kind.
type unitCount struct {
	Name     string `json:"name"`
	Flexible int64  `json:"flexible"`
	Template int64  `json:"template"`
}

// statistics is GET /sandbox/v1/channels/{channelID}/statistics?date=:
// what a channel delivered on a UTC+9 day (yyyyMMdd; today by default), by
// kind and by aggregation unit. Unlike LINE's count endpoints it answers
// for today too, so that a test need not wait for the day to end.
func (a *API) statistics(w http.ResponseWriter, r *http.Request) error {
	ch, err := a.Store.Channel(r.Context(), r.PathValue("channelID"))
	if err != nil {
		return notFoundAs(err, "No channel has this ID.")
	}

	day, err := statisticsDay(r.URL.Query().Get("date"), a.Clock.Now())
	if err != nil {
		return err
	}

	out, err := a.countDay(r, ch.ID, day)
	if err != nil {
		return err
	}

	writeJSON(w, http.StatusOK, out)

	return nil
}

func statisticsDay(raw string, now time.Time) (time.Time, error) {
	if raw == "" {
		now = now.In(pnpd.StatisticsZone)
		return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0,
			pnpd.StatisticsZone), nil
	}

	day, err := time.ParseInLocation("20060102", raw, pnpd.StatisticsZone)
	if err != nil || len(raw) != 8 {
		return time.Time{}, pnpd.Errorf(pnpd.EInvalid, "Give the date as yyyyMMdd.")
	}

	return day, nil
}

func (a *API) countDay(r *http.Request, channelID string, day time.Time) (*dayStatistics,
	error) {
	ctx, next := r.Context(), day.AddDate(0, 0, 1)
	out := &dayStatistics{Date: day.Format("20060102"), Units: []unitCount{}}

	var err error
	if out.Flexible, err = a.Store.CountDelivered(ctx, channelID, pnpd.KindFlexible, day,
		next); err != nil {
		return nil, err
	}
	if out.Template, err = a.Store.CountDelivered(ctx, channelID, pnpd.KindTemplate, day,
		next); err != nil {
		return nil, err
	}

	units, err := a.Store.CountDeliveredByUnit(ctx, channelID, day, next)
	if err != nil {
		return nil, err
	}
	for _, u := range units {
		if n := len(out.Units); n == 0 || out.Units[n-1].Name != u.Unit {
			out.Units = append(out.Units, unitCount{Name: u.Unit})
		}
		last := &out.Units[len(out.Units)-1]
		if u.Kind == pnpd.KindTemplate {
			last.Template = u.Delivered
		} else {
			last.Flexible = u.Delivered
		}
	}

	return out, nil
}
