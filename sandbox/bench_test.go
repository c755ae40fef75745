package sandbox_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/sandbox"
	"github.com/pnpd/pnpd/sqlite"
)

// BenchmarkReset measures a reset of a database holding what a test run
// leaves: three channels, 100 recipients, each with a delivered
// notification, its chat bubbles, webhook event, attempt and queued job, a
// session and an SMS code, and a few faults. Only the reset is timed.
func BenchmarkReset(b *testing.B) {
	db, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "pnpd.db"),
		sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	clock := &pnpd.OffsetClock{}

	for b.Loop() {
		b.StopTimer()
		if err := seedLoad(b, db, clock); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()

		if err := sandbox.Reset(b.Context(), db, clock, false); err != nil {
			b.Fatal(err)
		}
	}
}

// seedLoad fills the store with a small test run's data in one update.
func seedLoad(b *testing.B, store pnpd.Store, clock pnpd.Clock) error {
	b.Helper()

	return store.Update(b.Context(), func(q pnpd.Queries) error {
		var channels []string
		for i := range 3 {
			c, err := sandbox.CreateChannel(b.Context(), q, clock, sandbox.ChannelSpec{
				Name: fmt.Sprintf("Shop %d", i), WebhookURL: "http://127.0.0.1:1/hook"})
			if err != nil {
				return err
			}
			channels = append(channels, c.ChannelID)

			err = q.AddWebhookFault(b.Context(), &pnpd.WebhookFault{ChannelID: c.ChannelID,
				Kind: pnpd.FaultDrop, Remaining: 2, CreatedAt: clock.Now()})
			if err != nil {
				return err
			}
		}

		for i := range 100 {
			if err := seedRecipient(b, q, clock.Now(), channels[i%3], i); err != nil {
				return err
			}
		}

		return nil
	})
}

// seedRecipient saves the i-th recipient with what a delivery leaves.
func seedRecipient(b *testing.B, q pnpd.Queries, now time.Time, channelID string,
	i int) error {
	ctx, phone := b.Context(), fmt.Sprintf("+8180%08d", i)
	r := &pnpd.Recipient{ID: pnpd.NewUserID(), DisplayName: "R", PhoneNumber: phone,
		PhoneHash: pnpd.HashPhone(phone), Language: "en", CreatedAt: now,
		Consent: pnpd.ConsentAgreed, PrivacyPolicyAgreed: true}
	n := &pnpd.Notification{ID: pnpd.NewRequestID(), ChannelID: channelID,
		RecipientID: r.ID, Kind: pnpd.KindFlexible, To: r.PhoneHash,
		Messages: json.RawMessage(`[{"type":"text","text":"hi"}]`),
		State:    pnpd.StateDelivered, AcceptedAt: now, ExpiresAt: now.Add(24 * time.Hour),
		DeliveredAt: now}
	e := &pnpd.WebhookEvent{ID: fmt.Sprintf("01JQ%022d", i), NotificationID: n.ID,
		ChannelID: channelID, Destination: "U", Data: r.PhoneHash, Timestamp: now}

	return firstError(
		q.CreateRecipient(ctx, r),
		q.CreateNotification(ctx, n),
		q.AddChatMessage(ctx, &pnpd.ChatMessage{RecipientID: r.ID, ChatID: pnpd.SystemChatID,
			Notice: pnpd.NoticeReceived, NotificationID: n.ID, CreatedAt: now}),
		q.AddChatMessage(ctx, &pnpd.ChatMessage{RecipientID: r.ID, ChatID: channelID,
			NotificationID: n.ID, Message: json.RawMessage(`{"type":"text","text":"hi"}`),
			CreatedAt: now}),
		q.CreateWebhookEvent(ctx, e),
		q.AddWebhookAttempt(ctx, &pnpd.WebhookAttempt{EventID: e.ID, Attempt: 1, At: now,
			StatusCode: 500, Reason: pnpd.ReasonErrorStatusCode, Detail: "500"}),
		q.Enqueue(ctx, pnpd.WebhookJob{EventID: e.ID}),
		q.CreateSession(ctx, &pnpd.Session{Hash: pnpd.HashToken(phone), RecipientID: r.ID,
			CreatedAt: now, ExpiresAt: now.Add(time.Hour)}),
		q.CreateSMSCode(ctx, &pnpd.SMSCode{PhoneNumber: phone, Purpose: pnpd.PurposeVerify,
			RecipientID: r.ID, CodeHash: "h", CreatedAt: now, ExpiresAt: now}),
		q.AddSMS(ctx, &pnpd.SMS{PhoneNumber: phone, Text: "code", CreatedAt: now}),
	)
}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}

	return nil
}
