package messenger

import "testing"

// TestBrokerPublishAll: after missed changes every open page is told to
// reload, and a page with a wake-up pending gets no second one.
func TestBrokerPublishAll(t *testing.T) {
	t.Parallel()
	b := NewBroker()
	aiko, cancelAiko := b.subscribe("aiko")
	defer cancelAiko()
	ben, cancelBen := b.subscribe("ben")
	defer cancelBen()
	gone, cancelGone := b.subscribe("gone")
	cancelGone()

	b.Publish("aiko")
	b.PublishAll()

	for name, page := range map[string]<-chan struct{}{"aiko": aiko, "ben": ben} {
		if got := len(page); got != 1 {
			t.Errorf("%s's page has %d wake-ups pending, want 1", name, got)
		}
	}
	if got := len(gone); got != 0 {
		t.Errorf("a closed page was woken %d times, want 0", got)
	}
}
