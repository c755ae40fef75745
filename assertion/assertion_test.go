package assertion_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/assertion"
	"github.com/pnpd/pnpd/pnpdtest"
	"github.com/pnpd/pnpd/sqlite"
)

// now is the time on the fixed clock the tests run at.
var now = time.Date(2025, 4, 1, 9, 30, 0, 0, time.UTC)

type fixedClock struct{}

func (fixedClock) Now() time.Time { return now }

// keys are RSA keys made once for every test: making one takes a while.
var keys = sync.OnceValue(func() []*rsa.PrivateKey {
	var out []*rsa.PrivateKey
	for _, bits := range []int{2048, 2048, 1024} {
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			panic(err)
		}
		out = append(out, k)
	}

	return out
})

// publicJWK writes a key's public half as a JWK with extra members.
func publicJWK(k *rsa.PrivateKey, extra map[string]any) []byte {
	m := map[string]any{"kty": "RSA", "alg": "RS256", "use": "sig",
		"n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes())}
	for name, v := range extra {
		if v == nil {
			delete(m, name)
			continue
		}
		m[name] = v
	}
	b, _ := json.Marshal(m)

	return b
}

func b64(b []byte) string {
	return base64.RawURLEncoding.EncodeToString(b)
}

// sign makes a JWS of a header and claims signed with RS256 by k.
func sign(k *rsa.PrivateKey, header, claims map[string]any) string {
	return pnpdtest.SignRS256(k, header, claims)
}

// fixture is a fresh store with one channel.
type fixture struct {
	store   *sqlite.DB
	channel string
}

func setup(tb testing.TB) *fixture {
	tb.Helper()

	db, err := sqlite.Open(tb.Context(), filepath.Join(tb.TempDir(), "pnpd.db"),
		sqlite.Options{})
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { _ = db.Close() })

	ch := &pnpd.Channel{ID: "1650000001", Name: "Parcels", Secret: "s", CreatedAt: now,
		BotUserID: pnpd.NewUserID(), Country: "JP", FlexibleEnabled: true}
	if err := db.CreateChannel(tb.Context(), ch); err != nil {
		tb.Fatalf("create channel: %v", err)
	}

	return &fixture{store: db, channel: ch.ID}
}

// register registers k's public key for the fixture's channel.
func (f *fixture) register(tb testing.TB, k *rsa.PrivateKey) string {
	tb.Helper()

	kid, err := assertion.RegisterKey(tb.Context(), f.store, fixedClock{}, f.channel,
		publicJWK(k, nil))
	if err != nil {
		tb.Fatalf("register key: %v", err)
	}

	return kid
}

// TestParseKey checks which JWKs are taken as public RS256 keys, and that
// the refusals say why.
func TestParseKey(t *testing.T) {
	t.Parallel()
	k, small := keys()[0], keys()[2]

	tests := []struct {
		name string
		jwk  []byte
		want string // in the refusal; "" for a key taken
	}{
		{"public key", publicJWK(k, nil), ""},
		{"without use, with a kid", publicJWK(k, map[string]any{"use": nil, "kid": "x"}), ""},
		{"private key", publicJWK(k, map[string]any{"d": b64(k.D.Bytes())}), "private key"},
		{"private primes only", publicJWK(k, map[string]any{"p": "AQAB"}), "private key"},
		{"EC key", publicJWK(k, map[string]any{"kty": "EC"}), `kty "RSA"`},
		{"RS512", publicJWK(k, map[string]any{"alg": "RS512"}), `alg "RS256"`},
		{"no alg", publicJWK(k, map[string]any{"alg": nil}), `alg "RS256"`},
		{"for encryption", publicJWK(k, map[string]any{"use": "enc"}), `use "sig"`},
		{"1024 bits", publicJWK(small, nil), "1024 bits"},
		{"even exponent", publicJWK(k, map[string]any{"e": "AQAA"}), "exponent"},
		{"exponent 1", publicJWK(k, map[string]any{"e": "AQ"}), "exponent"},
		{"modulus not base64url", publicJWK(k, map[string]any{"n": "a+b/"}), "modulus"},
		{"n a number", publicJWK(k, map[string]any{"n": 5}), "must be strings"},
		{"not JSON", []byte("-----BEGIN PUBLIC KEY-----"), "JSON Web Key"},
		{"null", []byte("null"), "JSON Web Key"},
		{"a list", []byte("[]"), "JSON Web Key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			pub, norm, err := assertion.ParseKey(tt.jwk)
			if tt.want == "" {
				if err != nil || pub.N.Cmp(k.N) != 0 || pub.E != k.E {
					t.Fatalf("ParseKey: %v, want the public key", err)
				}
				if want := string(publicJWK(k, nil)); !sameJSON(norm, want) {
					t.Errorf("normalised = %s, want %s", norm, want)
				}
				return
			}

			if pnpd.ErrorCode(err) != pnpd.EInvalid ||
				!strings.Contains(pnpd.ErrorMessage(err), tt.want) {
				t.Errorf("ParseKey: %v, want EInvalid saying %q", err, tt.want)
			}
		})
	}
}

func sameJSON(a, b string) bool {
	var va, vb map[string]any
	if json.Unmarshal([]byte(a), &va) != nil || json.Unmarshal([]byte(b), &vb) != nil {
		return false
	}
	ja, _ := json.Marshal(va)
	jb, _ := json.Marshal(vb)

	return string(ja) == string(jb)
}

// TestRegisterKey checks that a key gets a kid of its own, is listed with
// the channel's keys, cannot be registered twice, and that an unknown
// channel or a private key is refused.
func TestRegisterKey(t *testing.T) {
	t.Parallel()
	f := setup(t)
	first, second := f.register(t, keys()[0]), f.register(t, keys()[1])
	if first == second || len(first) != 36 {
		t.Errorf("kids %q and %q, want two different UUIDs", first, second)
	}

	got, err := f.store.ChannelKeys(t.Context(), f.channel)
	if err != nil || len(got) != 2 || got[0].KID != first || got[1].KID != second {
		t.Errorf("channel keys: %+v (%v), want %s and %s", got, err, first, second)
	}

	ctx := t.Context()
	_, err = assertion.RegisterKey(ctx, f.store, fixedClock{}, f.channel,
		publicJWK(keys()[0], map[string]any{"use": nil}))
	if pnpd.ErrorCode(err) != pnpd.EConflict || !strings.Contains(err.Error(), first) {
		t.Errorf("register the same key again: %v, want EConflict naming %s", err, first)
	}
	_, err = assertion.RegisterKey(ctx, f.store, fixedClock{}, "1999999999",
		publicJWK(keys()[0], nil))
	if pnpd.ErrorCode(err) != pnpd.ENotFound {
		t.Errorf("register for an unknown channel: %v, want ENotFound", err)
	}
	_, err = assertion.RegisterKey(ctx, f.store, fixedClock{}, f.channel,
		publicJWK(keys()[0], map[string]any{"d": b64(keys()[0].D.Bytes())}))
	if pnpd.ErrorCode(err) != pnpd.EInvalid {
		t.Errorf("register a private key: %v, want EInvalid", err)
	}
}

// claims are an assertion's claims as LINE's guide writes them, valid at
// now for the fixture's channel.
func (f *fixture) claims(edit map[string]any) map[string]any {
	c := map[string]any{"iss": f.channel, "sub": f.channel, "aud": "https://api.line.me/",
		"exp": now.Add(30 * time.Minute).Unix(), "token_exp": 86400}
	for name, v := range edit {
		if v == nil {
			delete(c, name)
			continue
		}
		c[name] = v
	}

	return c
}

// TestCheck checks an assertion of each kind, good and bad.
func TestCheck(t *testing.T) {
	t.Parallel()
	f := setup(t)
	k, other := keys()[0], keys()[1]
	kid := f.register(t, k)
	head := map[string]any{"alg": "RS256", "typ": "JWT", "kid": kid}
	valid := sign(k, head, f.claims(nil))

	tests := []struct {
		name      string
		assertion string
		code      pnpd.Code // "" for an assertion taken
		want      string
	}{
		{"valid", valid, "", ""},
		{"aud in a list", sign(k, head, f.claims(map[string]any{
			"aud": []string{"https://api.line.me/"}})), "", ""},
		{"no token_exp", sign(k, head, f.claims(map[string]any{"token_exp": nil})), "", ""},
		{"signed by another key", sign(other, head, f.claims(nil)), pnpd.EUnauthorized,
			"signature"},
		{"signature cut", valid[:len(valid)-4], pnpd.EUnauthorized, "signature"},
		{"claims changed", changeClaims(valid, f.claims(map[string]any{"token_exp": 60})),
			pnpd.EUnauthorized, "signature"},
		{"unknown kid", sign(k, map[string]any{"alg": "RS256", "kid": "nope"}, f.claims(nil)),
			pnpd.EUnauthorized, "not a registered key"},
		{"no kid", sign(k, map[string]any{"alg": "RS256"}, f.claims(nil)), pnpd.EInvalid,
			"no kid"},
		{"HS256", sign(k, map[string]any{"alg": "HS256", "kid": kid}, f.claims(nil)),
			pnpd.EInvalid, "RS256"},
		{"alg none", sign(k, map[string]any{"alg": "none", "kid": kid}, f.claims(nil)),
			pnpd.EInvalid, "RS256"},
		{"another channel", sign(k, head, f.claims(map[string]any{"iss": "1650000002",
			"sub": "1650000002"})), pnpd.EUnauthorized, "iss and sub"},
		{"sub not iss", sign(k, head, f.claims(map[string]any{"sub": "1650000002"})),
			pnpd.EUnauthorized, "iss and sub"},
		{"other aud", sign(k, head, f.claims(map[string]any{"aud": "https://pnpd/"})),
			pnpd.EInvalid, "aud"},
		{"no exp", sign(k, head, f.claims(map[string]any{"exp": nil})), pnpd.EInvalid,
			"no exp"},
		{"expired", sign(k, head, f.claims(map[string]any{"exp": now.Unix()})),
			pnpd.EInvalid, "expired"},
		{"exp over 30 minutes on", sign(k, head, f.claims(map[string]any{
			"exp": now.Add(31 * time.Minute).Unix()})), pnpd.EInvalid, "30 minutes"},
		{"token_exp 0", sign(k, head, f.claims(map[string]any{"token_exp": 0})),
			pnpd.EInvalid, "token_exp"},
		{"token_exp over 30 days", sign(k, head, f.claims(map[string]any{
			"token_exp": 2592001})), pnpd.EInvalid, "token_exp"},
		{"token_exp a string", sign(k, head, f.claims(map[string]any{
			"token_exp": "86400"})), pnpd.EInvalid, "token_exp must be a number"},
		{"exp a string", sign(k, head, f.claims(map[string]any{
			"exp": "1900000000"})), pnpd.EInvalid, "no exp, or not as a number"},
		{"critical extension", sign(k, map[string]any{"alg": "RS256", "kid": kid,
			"crit": []string{"exp"}}, f.claims(nil)), pnpd.EInvalid, "not a JWT"},
		{"typ not JWT", sign(k, map[string]any{"alg": "RS256", "kid": kid, "typ": "JOSE"},
			f.claims(nil)), pnpd.EInvalid, "not a JWT"},
		{"not a JWT", "abc", pnpd.EInvalid, "not a JWT"},
		{"claims not JSON", "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.AAAA", pnpd.EInvalid,
			"not a JWT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			c, err := assertion.Check(t.Context(), f.store, now, tt.assertion)
			if tt.code == "" {
				if err != nil || c.ChannelID != f.channel || c.KID != kid {
					t.Errorf("Check: %+v, %v; want the channel and kid", c, err)
				}
				return
			}
			if pnpd.ErrorCode(err) != tt.code ||
				!strings.Contains(pnpd.ErrorMessage(err), tt.want) {
				t.Errorf("Check: %v, want %s saying %q", err, tt.code, tt.want)
			}
		})
	}
}

// TestCheckTokenLifetime checks that token_exp comes back as a duration.
func TestCheckTokenLifetime(t *testing.T) {
	t.Parallel()
	f := setup(t)
	k := keys()[0]
	head := map[string]any{"alg": "RS256", "kid": f.register(t, k)}

	c, err := assertion.Check(t.Context(), f.store, now, sign(k, head,
		f.claims(map[string]any{"token_exp": 2592000})))
	if err != nil || c.TokenLifetime != 30*24*time.Hour {
		t.Errorf("Check: %+v, %v; want a lifetime of 30 days", c, err)
	}
}

// changeClaims swaps a JWS's claims for others, keeping its signature.
func changeClaims(jws string, claims map[string]any) string {
	parts := strings.Split(jws, ".")
	c, _ := json.Marshal(claims)

	return parts[0] + "." + b64(c) + "." + parts[2]
}

// FuzzParseKey checks that any input is taken or refused with EInvalid,
// and that a key taken reads back the same from its normalised form.
func FuzzParseKey(f *testing.F) {
	k := keys()[0]
	f.Add(publicJWK(k, nil))
	f.Add(publicJWK(k, map[string]any{"d": "AQAB"}))
	f.Add(publicJWK(keys()[2], nil))
	f.Add([]byte(`{"kty":"RSA","alg":"RS256","n":"AQAB","e":"AQAB"}`))
	f.Add([]byte(`{"kty":"RSA","kty":"EC"}`))

	f.Fuzz(func(t *testing.T, data []byte) {
		pub, norm, err := assertion.ParseKey(data)
		if err != nil {
			if pnpd.ErrorCode(err) != pnpd.EInvalid {
				t.Fatalf("refusal %v is not EInvalid", err)
			}
			return
		}

		again, norm2, err := assertion.ParseKey([]byte(norm))
		if err != nil || norm2 != norm || again.N.Cmp(pub.N) != 0 || again.E != pub.E {
			t.Fatalf("normalised %s reads back as %s (%v)", norm, norm2, err)
		}
	})
}

// FuzzCheck checks that any assertion is taken or refused with EInvalid or
// EUnauthorized, never an internal error, and that only assertions signed
// by the registered key are taken.
func FuzzCheck(f *testing.F) {
	fx := setup(f)
	k := keys()[0]
	kid := fx.register(f, k)
	head := map[string]any{"alg": "RS256", "kid": kid}
	f.Add(sign(k, head, fx.claims(nil)))
	f.Add(sign(k, head, fx.claims(map[string]any{"aud": []any{1, "x"}, "exp": 1e300})))
	f.Add(sign(keys()[1], head, fx.claims(nil)))
	f.Add("e30.e30.")
	f.Add("..")

	f.Fuzz(func(t *testing.T, s string) {
		c, err := assertion.Check(t.Context(), fx.store, now, s)
		switch code := pnpd.ErrorCode(err); {
		case err == nil:
			if c.ChannelID != fx.channel || c.KID != kid {
				t.Fatalf("taken for %+v", c)
			}
		case code != pnpd.EInvalid && code != pnpd.EUnauthorized:
			t.Fatalf("refusal %v is neither EInvalid nor EUnauthorized", err)
		}
	})
}
