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
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pnpd/pnpd"
)

// sessionCookie names the cookie that holds an operator's session ID; the
// store keeps only its hash.
const sessionCookie = "pnpd_console"

// csrfField names the form field that carries the session's form token.
const csrfField = "csrf"

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
		HttpOnly: true, Secure: pnpd.OverTLS(r), SameSite: http.SameSiteLaxMode})

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
// client address and, when the username is an operator's, against the
// operator, before the slow hash runs, so that neither guessing nor
// flooding gets far. Unknown usernames get no tries of their own, so a
// flood of them cannot crowd out an operator's.
func (c *Console) logIn(w http.ResponseWriter, r *http.Request) error {
	form := logInForm{Username: strings.ToLower(strings.TrimSpace(
		r.PostFormValue("username"))),
		Next: safeNext(r.PostFormValue("next"))}
	op, err := c.operatorNamed(r.Context(), form.Username)
	if err != nil {
		return err
	}

	if !c.admit(r, op) {
		return c.refuseLogIn(w, r, form, "throttled", op)
	}

	match, err := c.checkPassword(r.Context(), op, r.PostFormValue("password"))
	switch {
	case errors.Is(err, errBusy):
		return c.refuseLogIn(w, r, form, "busy", op)
	case err != nil:
		return err
	case !match:
		return c.refuseLogIn(w, r, form, "wrong_password", op)
	}

	if err := c.startSession(w, r, op); err != nil {
		return err
	}

	c.Log.InfoContext(r.Context(), "Operator logged in", "operator", op.Username)
	http.Redirect(w, r, form.Next, http.StatusSeeOther)

	return nil
}

// operatorNamed finds the operator with a username, nil when there is none.
func (c *Console) operatorNamed(ctx context.Context, username string) (*pnpd.Operator,
	error) {
	// No operator has a name outside the rules: no need to ask the store.
	if !validUsername(username) {
		return nil, nil
	}

	op, err := c.Store.OperatorByUsername(ctx, username)
	if pnpd.ErrorCode(err) == pnpd.ENotFound {
		return nil, nil
	}

	if err != nil {
		return nil, fmt.Errorf("log in: %w", err)
	}

	return op, nil
}

// admit spends one of the client's log-in tries and, for an operator, one
// of the operator's; it reports false when either has none left. A client
// out of tries spends none of the operator's.
func (c *Console) admit(r *http.Request, op *pnpd.Operator) bool {
	if !c.clientTries.allow(clientOf(r)) {
		return false
	}

	return op == nil || c.userTries.allow(strconv.FormatInt(op.ID, 10))
}

// checkPassword reports whether password is op's. For an unknown username,
// op nil, it checks a hash no password matches, so that the refusal takes
// as long as a wrong password's.
func (c *Console) checkPassword(ctx context.Context, op *pnpd.Operator,
	password string) (bool, error) {
	hash := c.dummyHash
	if op != nil {
		hash = op.PasswordHash
	}

	match, err := c.verify(ctx, hash, password)
	if err != nil {
		return false, fmt.Errorf("check password: %w", err)
	}

	return match && op != nil, nil
}

// logInRefusals are the log-in page's answers to a refused try, by the
// reason logged. A wrong password is a form to fill in again, as a wrong
// SMS code is in the messenger: 400, not 401, which would ask for HTTP
// auth.
var logInRefusals = map[string]struct {
	status  int
	message string
}{
	"wrong_password": {http.StatusBadRequest, "The username or the password is wrong."},
	"throttled": {http.StatusTooManyRequests,
		"Too many log-in tries. Wait a minute and try again."},
	"busy": {http.StatusServiceUnavailable, busyMessage},
}

// refuseLogIn logs a refused log-in and shows the form again. The log
// names the username only when it is an operator's, and never the
// password.
func (c *Console) refuseLogIn(w http.ResponseWriter, r *http.Request, form logInForm,
	reason string, op *pnpd.Operator) error {
	attrs := []any{"reason", reason, "client", clientOf(r)}
	if op != nil {
		attrs = append(attrs, "username", op.Username)
	}
	c.Log.InfoContext(r.Context(), "Operator log-in refused", attrs...)

	answer := logInRefusals[reason]
	c.render(w, r, answer.status, "login.html", &page{Title: "Log in",
		Error: answer.message, Data: form})

	return nil
}

func (c *Console) logOut(w http.ResponseWriter, r *http.Request) error {
	if err := c.Store.DeleteOperatorSession(r.Context(), sessionOf(r).hash); err != nil {
		return fmt.Errorf("log out: %w", err)
	}

	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/console",
		MaxAge: -1, HttpOnly: true, Secure: pnpd.OverTLS(r), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/console/login", http.StatusSeeOther)

	return nil
}

// EnsureAdmin creates the operator "admin" when there is no operator yet,
// with password, or a generated one when password is empty. It returns
// the generated password, to be shown once, "" when it generated none, and
// whether it created admin. A password outside the bounds of every
// operator's is refused, even when admin exists.
func EnsureAdmin(ctx context.Context, store pnpd.Store, h Hasher, now time.Time,
	password string) (generated string, created bool, err error) {
	if err := validAdminPassword(password); err != nil {
		return "", false, err
	}

	n, err := store.CountOperators(ctx)
	if err != nil || n > 0 {
		return "", false, err
	}

	if password == "" {
		generated = pnpd.NewToken(15)
		password = generated
	}
	if h == (Hasher{}) {
		h = RecommendedHasher()
	}

	err = store.CreateOperator(ctx, &pnpd.Operator{Username: "admin",
		PasswordHash: h.Hash(password), CreatedAt: now})
	if pnpd.ErrorCode(err) == pnpd.EConflict {
		// Another node on the same database created admin meanwhile.
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("create the first operator: %w", err)
	}

	return generated, true, nil
}

// validAdminPassword refuses a password given for admin, "" meaning none,
// that an operator could not choose in the console.
func validAdminPassword(password string) error {
	if password == "" {
		return nil
	}

	if err := ValidatePassword(password); err != nil {
		return fmt.Errorf("admin's password: %w", err)
	}

	return nil
}

// ResetAdminPassword gives the operator "admin" a new password, or a
// generated one when password is empty, and ends its sessions: the way back
// in for an operator who lost the password printed once. It returns the
// generated password, "" when it generated none.
func ResetAdminPassword(ctx context.Context, store pnpd.Store, h Hasher,
	password string) (string, error) {
	if err := validAdminPassword(password); err != nil {
		return "", err
	}

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
