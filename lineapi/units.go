package lineapi

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/pnpd/pnpd"
)

// maxUnitPage is the most unit names one list answer holds; LINE gives at
// most 100 whatever the limit asks.
const maxUnitPage = 100

// unitUsage is GET /v2/bot/message/aggregation/info: how many aggregation
// unit names the channel has used this month (UTC+9). A name counts once a
// notification naming it has been delivered.
func (a *API) unitUsage(w http.ResponseWriter, r *http.Request, ch *pnpd.Channel) error {
	names, err := a.Store.AggregationUnits(r.Context(), ch.ID,
		pnpd.AggregationMonth(a.Clock.Now()))
	if err != nil {
		return err
	}

	writeJSON(w, http.StatusOK, struct {
		Count int `json:"numOfCustomAggregationUnits"`
	}{len(names)})

	return nil
}

type unitPage struct {
	Units []string `json:"customAggregationUnits"`
	Next  string   `json:"next,omitempty"`
}

// unitList is GET /v2/bot/message/aggregation/list: this month's unit
// names in order, limit at a time; next continues after the last.
func (a *API) unitList(w http.ResponseWriter, r *http.Request, ch *pnpd.Channel) error {
	limit, after, err := pageQuery(r)
	if err != nil {
		return err
	}

	names, err := a.Store.AggregationUnits(r.Context(), ch.ID,
		pnpd.AggregationMonth(a.Clock.Now()))
	if err != nil {
		return err
	}

	// Names are sorted, so a page starts after the last name of the one
	// before, even if names were added meanwhile.
	start, _ := slices.BinarySearch(names, after)
	if start < len(names) && names[start] == after {
		start++
	}
	// An empty list is [], as LINE writes it, never null.
	page := unitPage{Units: append([]string{}, names[start:min(len(names), start+limit)]...)}
	if end := start + len(page.Units); end < len(names) && len(page.Units) > 0 {
		page.Next = base64.RawURLEncoding.EncodeToString([]byte(names[end-1]))
	}

	writeJSON(w, http.StatusOK, page)

	return nil
}

// pageQuery reads limit (1 or more; above 100 counts as 100) and start, the
// continuation token of an earlier answer.
func pageQuery(r *http.Request) (limit int, after string, err error) {
	q := r.URL.Query()
	limit = maxUnitPage
	if raw := q.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			return 0, "", fail(http.StatusBadRequest,
				"The value for the 'limit' parameter is invalid")
		}
		limit = min(n, maxUnitPage)
	}

	if raw := q.Get("start"); raw != "" {
		b, err := base64.RawURLEncoding.DecodeString(raw)
		if err != nil || len(b) == 0 || len(b) > 30 || strings.ContainsFunc(string(b),
			func(c rune) bool { return !unitName.MatchString(string(c)) }) {
			return 0, "", fail(http.StatusBadRequest,
				"The value for the 'start' parameter is invalid")
		}
		after = string(b)
	}

	return limit, after, nil
}
