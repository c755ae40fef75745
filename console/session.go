package console

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/pnpd/pnpd"
)

// sessionCookie names the cookie that holds an operator's session ID; the
// store keeps only its hash.
const sessionCookie = "pnpd_console"

// csrfField names the form field that carries the session's form token.
const csrfField = "csrf"

// Log-in tries: each username and each client address may try logInBurst
// times at once, then logInRate times a minute.
const (
	logInRate  = 5
	logInBurst = 5
)

// session is the signed-in operator of a request and the token its forms
// must carry.
type session struct {
	hash     string
	operator *pnpd.Operator
	csrf     string
}

type sessionKey struct{}

// sessionOf returns the request's session, nil when nobody is signed in.
func sessionOf(r *http.Request) *session {
	s, _ := r.Context().Value(sessionKey{}).(*session)

	return s
}

// formToken derives a session's form token from its ID, so that nothing
// more need be stored: whoever reads a page learns the token, never the
// session ID it comes from.
func formToken(sessionID string) string {
	mac := hmac.New(sha256.New, []byte(sessionID))
	mac.Write([]byte("pnpd console form token"))

	return hex.EncodeToString(mac.Sum(nil))
}

// signedIn runs h for a signed-in operator, EUnauthorized otherwise. A
// POST must carry the session's form token: a request another site makes
// the browser send cannot know it.
func (c *Console) signedIn(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		s, err := c.session(r)
		if err != nil {
			return err
		}

		if r.Method == http.MethodPost {
			if err := parseForm(w, r); err != nil {
				return err
			}

			got := r.PostFormValue(csrfField)
			if subtle.ConstantTimeCompare([]byte(got), []byte(s.csrf)) != 1 {
				return pnpd.Errorf(pnpd.EForbidden,
					"The form has expired. Go back, reload the page and try again.")
			}
		}

		return h(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, s)))
	}
}

// maxForm bounds a posted form, an icon included.
const maxForm = 2 << 20

// parseForm reads a posted form, plain or multipart, of at most maxForm.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	err := r.ParseMultipartForm(maxForm)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return pnpd.Errorf(pnpd.EInvalid, "The form is too large: at most 2 MB, icon included.")
	case err != nil && !errors.Is(err, http.ErrNotMultipart):
		return pnpd.Errorf(pnpd.EInvalid, "The form could not be read.")
	}

	return nil
}

// session finds the request's live session and extends it.
func (c *Console) session(r *http.Request) (*session, error) {
	cookie, err := r.Cookie(sessionCookie)
	if err != nil || cookie.Value == "" {
		return nil, pnpd.Errorf(pnpd.EUnauthorized, "Log in first.")
	}

	now := c.Clock.Now()
	hash := pnpd.HashToken(cookie.Value)
	stored, err := c.Store.OperatorSession(r.Context(), hash, now)
	if pnpd.ErrorCode(err) == pnpd.ENotFound || err == nil &&
		!now.Before(stored.CreatedAt.Add(sessionMaxAge)) {
		return nil, pnpd.Errorf(pnpd.EUnauthorized, "Your session has ended. Log in again.")
	}

	if err != nil {
		return nil, fmt.Errorf("console session: %w", err)
	}

	op, err := c.Store.Operator(r.Context(), stored.OperatorID)
	if err != nil {
		return nil, fmt.Errorf("console session: %w", err)
	}

	// The session lasts idle() from its last use, and sessionMaxAge at
	// most; the expiry is written at most once a minute, not on every page.
	until := now.Add(c.idle())
	if end := stored.CreatedAt.Add(sessionMaxAge); end.Before(until) {
		until = end
	}
	if stored.ExpiresAt.Before(until.Add(-time.Minute)) {
		err := c.Store.ExtendOperatorSession(r.Context(), hash, until)
		if err != nil {
			return nil, fmt.Errorf("console session: %w", err)
		}
	}

	return &session{hash: hash, operator: op, csrf: formToken(cookie.Value)}, nil
}

// sessionMaxAge is the longest a log-in lasts, however busy: a stolen
// cookie stops working within a week even if used all the time.
const sessionMaxAge = 7 * 24 * time.Hour

func (c *Console) idle() time.Duration {
	return cmp.Or(c.SessionIdle, 12*time.Hour)
}

// startSession signs an operator in: a random ID in an HttpOnly, SameSite
// cookie limited to the console, its hash in the store.
func (c *Console) startSession(w http.ResponseWriter, r *http.Request,
	op *pnpd.Operator) error {
	id := pnpd.RandomHex(32)
	now := c.Clock.Now()
	err := c.Store.CreateOperatorSession(r.Context(), &pnpd.OperatorSession{
		Hash: pnpd.HashToken(id), OperatorID: op.ID, CreatedAt: now,
		ExpiresAt: now.Add(c.idle()),
	})
	if err != nil {
		return fmt.Errorf("start console session: %w", err)
	}

	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/console",
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})

	return nil
}

func (c *Console) logInPage(w http.ResponseWriter, r *http.Request) error {
	c.render(w, r, http.StatusOK, "login.html", &page{Title: "Log in",
		Data: logInForm{Next: safeNext(r.URL.Query().Get("next"))}})

	return nil
}

// logInForm is the log-in page's form.
type logInForm struct {
	Username string
	Next     string
}

// logIn checks a username and password. Every try counts against the
// username and the client address, before the slow hash runs, so that
// neither guessing nor flooding gets far.
func (c *Console) logIn(w http.ResponseWriter, r *http.Request) error {
	form := logInForm{Username: strings.TrimSpace(r.PostFormValue("username")),
		Next: safeNext(r.PostFormValue("next"))}
	// The username is kept hashed: a long one must not fill the memory.
	user := "user:" + pnpd.HashToken(form.Username)
	if !c.logIns.allow(user) || !c.logIns.allow("client:"+clientOf(r)) {
		c.render(w, r, http.StatusTooManyRequests, "login.html", &page{Title: "Log in",
			Error: "Too many log-in tries. Wait a minute and try again.", Data: form})
		return nil
	}

	op, err := c.checkPassword(r.Context(), form.Username, r.PostFormValue("password"))
	if err != nil {
		return err
	}

	// A wrong password is a form to fill in again, as a wrong SMS code is
	// in the messenger: 400, not 401, which would ask for HTTP auth.
	if op == nil {
		c.render(w, r, http.StatusBadRequest, "login.html", &page{Title: "Log in",
			Error: "The username or the password is wrong.", Data: form})
		return nil
	}

	if err := c.startSession(w, r, op); err != nil {
		return err
	}

	c.Log.InfoContext(r.Context(), "Operator logged in", "operator", op.Username)
	http.Redirect(w, r, form.Next, http.StatusSeeOther)

	return nil
}

// checkPassword returns the operator whose password this is, nil when the
// username or the password is wrong.
func (c *Console) checkPassword(ctx context.Context, username,
	password string) (*pnpd.Operator, error) {
	op, err := c.Store.OperatorByUsername(ctx, username)
	if pnpd.ErrorCode(err) == pnpd.ENotFound {
		_, _ = Verify(c.dummyHash(), password)
		return nil, nil
	}

	if err != nil {
		return nil, fmt.Errorf("log in: %w", err)
	}

	match, err := Verify(op.PasswordHash, password)
	if err != nil {
		return nil, fmt.Errorf("log in %s: %w", op.Username, err)
	}

	if !match {
		return nil, nil
	}

	return op, nil
}

func (c *Console) logOut(w http.ResponseWriter, r *http.Request) error {
	if err := c.Store.DeleteOperatorSession(r.Context(), sessionOf(r).hash); err != nil {
		return fmt.Errorf("log out: %w", err)
	}

	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/console",
		MaxAge: -1, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/console/login", http.StatusSeeOther)

	return nil
}

// clientOf is the client address a log-in try counts against.
//
// TODO(#4): behind a reverse proxy every client shares the proxy's address
// and so one budget of tries; a trusted-proxy option would fix it.
func clientOf(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}

	return host
}

// throttle is a token bucket per key. It forgets every key once it holds
// too many, which at worst gives each a fresh budget.
type throttle struct {
	mu      sync.Mutex
	perMin  float64
	burst   int
	buckets map[string]*rate.Limiter
}

// throttleKeys bounds the keys a throttle holds.
const throttleKeys = 10_000

func newThrottle(perMin float64, burst int) *throttle {
	return &throttle{perMin: perMin, burst: burst, buckets: map[string]*rate.Limiter{}}
}

func (t *throttle) allow(key string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()

	l, ok := t.buckets[key]
	if !ok {
		if len(t.buckets) >= throttleKeys {
			t.buckets = map[string]*rate.Limiter{}
		}
		l = rate.NewLimiter(rate.Limit(t.perMin/60), t.burst)
		t.buckets[key] = l
	}

	return l.Allow()
}

// EnsureAdmin creates the operator "admin" when there is no operator yet,
// with password, or a generated one when password is empty. It returns
// the generated password, to be shown once; "" when it generated none.
func EnsureAdmin(ctx context.Context, store pnpd.Store, h Hasher, now time.Time,
	password string) (string, error) {
	n, err := store.CountOperators(ctx)
	if err != nil || n > 0 {
		return "", err
	}

	generated := ""
	if password == "" {
		generated = pnpd.NewToken(15)
		password = generated
	}
	if h == (Hasher{}) {
		h = RecommendedHasher()
	}

	err = store.CreateOperator(ctx, &pnpd.Operator{Username: "admin",
		PasswordHash: h.Hash(password), CreatedAt: now})
	if err != nil {
		return "", fmt.Errorf("create the first operator: %w", err)
	}

	return generated, nil
}

// ResetAdminPassword gives the operator "admin" a new password, or a
// generated one when password is empty, and ends its sessions: the way back
// in for an operator who lost the password printed once. It returns the
// generated password, "" when it generated none.
func ResetAdminPassword(ctx context.Context, store pnpd.Store, h Hasher,
	password string) (string, error) {
	admin, err := store.OperatorByUsername(ctx, "admin")
	if err != nil {
		return "", fmt.Errorf("find the operator admin: %w", err)
	}

	generated := ""
	if password == "" {
		generated = pnpd.NewToken(15)
		password = generated
	}
	if h == (Hasher{}) {
		h = RecommendedHasher()
	}

	if err := store.SetOperatorPassword(ctx, admin.ID, h.Hash(password)); err != nil {
		return "", fmt.Errorf("set the admin's password: %w", err)
	}

	return generated, nil
}
