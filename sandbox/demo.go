package sandbox

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/pnpd/pnpd"
)

// demoSetting marks a database the demo was seeded into, with its channel.
const demoSetting = "demo.channel_id"

// DemoRecipient is a demo recipient in one state of the receiving flow.
type DemoRecipient struct {
	Name        string
	PhoneNumber string
	State       string // what a notification to this number does
	consent     pnpd.Consent
	privacy     bool
	age         time.Duration // how long ago the account was created
	blocked     bool
}

const day = 24 * time.Hour

// demoRecipients are one recipient per flow and per answer of the API.
var demoRecipients = []DemoRecipient{
	{"Aiko", "+819011110001", "agreed, SMS not needed: delivered at once",
		pnpd.ConsentAgreed, true, 30 * day, false},
	{"Botan", "+819011110002", "consent not set: held until the recipient agrees",
		pnpd.ConsentNotSet, true, 30 * day, false},
	{"Chiyo", "+819011110003", "consent not set, SMS needed: held for consent, then SMS",
		pnpd.ConsentNotSet, true, 200 * day, false},
	{"Daiki", "+819011110004", "agreed, SMS needed: held until SMS verification",
		pnpd.ConsentAgreed, true, 200 * day, false},
	{"Emi", "+819011110005", "rejected: the API answers 422",
		pnpd.ConsentRejected, true, 30 * day, false},
	{"Fumio", "+819011110006", "privacy policy not agreed: the API answers 422",
		pnpd.ConsentAgreed, false, 30 * day, false},
	{"Goro", "+819011110007", "blocked the demo channel: 200, never delivered",
		pnpd.ConsentAgreed, true, 30 * day, true},
	{"Hana", "+66811110008", "Thailand, agreed: delivered at once",
		pnpd.ConsentAgreed, true, 30 * day, false},
}

// Demo is what SeedDemo made, for printing.
type Demo struct {
	Created     bool
	Credentials Credentials
	Recipients  []DemoRecipient
}

// SeedDemo creates the demo channel and recipients in an empty database.
// In a database seeded before, it issues a fresh access token for the demo
// channel, since the first one is stored only as a hash.
func SeedDemo(ctx context.Context, store pnpd.Store, clock pnpd.Clock) (Demo, error) {
	demo := Demo{Recipients: demoRecipients}
	err := store.Update(ctx, func(q pnpd.Queries) error {
		id, err := q.Setting(ctx, demoSetting)
		if err != nil {
			return err
		}
		if id != "" {
			return reissue(ctx, q, clock, id, &demo)
		}

		demo.Created = true
		demo.Credentials, err = CreateChannel(ctx, q, clock, ChannelSpec{Name: "pnpd Demo Shop"})
		if err != nil {
			return err
		}

		if err := seedRecipients(ctx, q, clock.Now(), demo.Credentials.ChannelID); err != nil {
			return err
		}

		return q.SetSetting(ctx, demoSetting, demo.Credentials.ChannelID)
	})
	if err != nil {
		return Demo{}, fmt.Errorf("seed demo: %w", err)
	}

	return demo, nil
}

func reissue(ctx context.Context, q pnpd.Queries, clock pnpd.Clock, channelID string,
	demo *Demo) error {
	ch, err := q.Channel(ctx, channelID)
	if err != nil {
		return err
	}

	token, err := IssueToken(ctx, q, clock, ch.ID)
	demo.Credentials = Credentials{ChannelID: ch.ID, ChannelSecret: ch.Secret,
		AccessToken: token, BotUserID: ch.BotUserID}

	return err
}

func seedRecipients(ctx context.Context, q pnpd.Queries, now time.Time,
	channelID string) error {
	for _, d := range demoRecipients {
		r := &pnpd.Recipient{
			ID:                  pnpd.NewUserID(),
			DisplayName:         d.Name,
			PhoneNumber:         d.PhoneNumber,
			PhoneHash:           pnpd.HashPhone(d.PhoneNumber),
			Language:            "en",
			CreatedAt:           now.Add(-d.age),
			SMSVerifiedAt:       now.Add(-d.age),
			Consent:             d.consent,
			PrivacyPolicyAgreed: d.privacy,
		}
		if err := q.CreateRecipient(ctx, r); err != nil {
			return err
		}

		if d.blocked {
			if err := q.SetBlocked(ctx, r.ID, channelID, true); err != nil {
				return err
			}
		}
	}

	return nil
}

// Print writes the demo's credentials and recipients for the person who
// started the server.
func (d Demo) Print(w io.Writer, baseURL string) {
	c := d.Credentials
	fmt.Fprintf(w, "\nDemo channel (LINE SDK base URL %s)\n", baseURL)
	fmt.Fprintf(w, "  channel ID      %s\n  channel secret  %s\n", c.ChannelID, c.ChannelSecret)
	fmt.Fprintf(w, "  access token    %s\n  bot user ID     %s\n", c.AccessToken, c.BotUserID)
	if !d.Created {
		fmt.Fprintf(w, "  (a new access token for this run; earlier ones still work)\n")
	}
	fmt.Fprintf(w, "  sends flexible and template notifications (the templates: "+
		"%s/templates)\n", baseURL)
	fmt.Fprintf(w, "\nDemo recipients (send to the SHA-256 hex of the number)\n")
	if !d.Created {
		fmt.Fprintf(w, "  as seeded; what recipients did since may have changed their state\n")
	}
	for _, r := range d.Recipients {
		fmt.Fprintf(w, "  %-14s %-6s %s\n", r.PhoneNumber, r.Name, r.State)
	}
	fmt.Fprintf(w, "  %-14s %-6s %s\n", "+819099999999", "-", "no account: the API answers 422")
	fmt.Fprintf(w, "  %-14s %-6s %s\n", "+8190000000xx", "-", "01 to 08, the sandbox's magic "+
		"numbers: "+baseURL+"/sandbox/v1/magic-numbers, or the README")
}
