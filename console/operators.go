package console

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pnpd/pnpd"
)

// The bounds of a password: long enough to resist guessing at the log-in
// limits, short enough to hash without a second thought.
const (
	minPassword = 12
	maxPassword = 256
)

// operatorsData is the operators page's: every operator, and the forms to
// add one and to change one's own password.
type operatorsData struct {
	Operators []pnpd.Operator
	Username  string // the new operator's, shown again on an error
	Errors    map[string]string
}

// operatorsPage lists the operators.
func (c *Console) operatorsPage(w http.ResponseWriter, r *http.Request) error {
	return c.showOperators(w, r, http.StatusOK, operatorsData{},
		notices[r.URL.Query().Get("done")])
}

func (c *Console) showOperators(w http.ResponseWriter, r *http.Request, status int,
	d operatorsData, notice string) error {
	ops, err := c.Store.Operators(r.Context())
	if err != nil {
		return fmt.Errorf("list operators: %w", err)
	}

	d.Operators = ops
	c.render(w, r, status, "operators.html", &page{Title: "Operators", Notice: notice,
		Data: d})

	return nil
}

// addOperator adds an operator with a password the operator adding it
// chose and hands over; every operator may do everything.
func (c *Console) addOperator(w http.ResponseWriter, r *http.Request) error {
	// Usernames are kept in lower case, so that ADMIN cannot stand beside
	// admin.
	d := operatorsData{Username: strings.ToLower(strings.TrimSpace(
		r.PostFormValue("username")))}
	problem := map[string]string{}
	if !validUsername(d.Username) {
		problem["username"] = "A username is 1 to 40 letters, digits, dots, " +
			"hyphens or underscores."
	}
	if msg := passwordProblem(r.PostFormValue("password")); msg != "" {
		problem["password"] = msg
	}
	if len(problem) > 0 {
		d.Errors = problem
		return c.showOperators(w, r, http.StatusBadRequest, d, "")
	}

	hash, err := c.hash(r.Context(), r.PostFormValue("password"))
	if err != nil {
		return fmt.Errorf("add operator: %w", err)
	}

	err = c.Store.CreateOperator(r.Context(), &pnpd.Operator{Username: d.Username,
		PasswordHash: hash, CreatedAt: c.Clock.Now()})
	if pnpd.ErrorCode(err) == pnpd.EConflict {
		d.Errors = map[string]string{"username": "This username is taken."}
		return c.showOperators(w, r, http.StatusBadRequest, d, "")
	}
	if err != nil {
		return fmt.Errorf("add operator: %w", err)
	}

	c.Log.InfoContext(r.Context(), "Operator added", "username", d.Username,
		"operator", sessionOf(r).operator.Username)
	http.Redirect(w, r, "/console/operators?done=operator", http.StatusSeeOther)

	return nil
}

// changePassword changes the signed-in operator's own password, given the
// current one. Every session of the operator ends, this one too, which
// starts again at once: whoever else was signed in with the old password
// is out.
func (c *Console) changePassword(w http.ResponseWriter, r *http.Request) error {
	op := sessionOf(r).operator
	// Guessing the current password counts against the operator's log-in
	// limit: a stolen session must not make guessing it free.
	if !c.userTries.allow(strconv.FormatInt(op.ID, 10)) {
		c.Log.InfoContext(r.Context(), "Operator password change refused",
			"reason", "throttled", "operator", op.Username, "client", clientOf(r))
		return pnpd.Errorf(pnpd.ERateLimited,
			"Too many tries. Wait a minute and try again.")
	}

	match, err := c.verify(r.Context(), op.PasswordHash, r.PostFormValue("current"))
	if err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	if !match {
		c.Log.InfoContext(r.Context(), "Operator password change refused",
			"reason", "wrong_password", "operator", op.Username, "client", clientOf(r))
	}

	next := r.PostFormValue("new")
	switch msg := passwordProblem(next); {
	case !match:
		return c.showOperators(w, r, http.StatusBadRequest, operatorsData{
			Errors: map[string]string{"current": "This is not your current password."}}, "")
	case msg != "":
		return c.showOperators(w, r, http.StatusBadRequest, operatorsData{
			Errors: map[string]string{"new": msg}}, "")
	}

	hash, err := c.hash(r.Context(), next)
	if err != nil {
		return fmt.Errorf("change password: %w", err)
	}

	if err := c.Store.SetOperatorPassword(r.Context(), op.ID, hash); err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	if err := c.startSession(w, r, op); err != nil {
		return err
	}

	c.Log.InfoContext(r.Context(), "Operator password changed", "operator", op.Username)
	http.Redirect(w, r, "/console/operators?done=password", http.StatusSeeOther)

	return nil
}

// validUsername keeps usernames to what reads well in logs and on pages.
func validUsername(name string) bool {
	if name == "" || len(name) > 40 {
		return false
	}

	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			r == '.' || r == '-' || r == '_'
		if !ok {
			return false
		}
	}

	return true
}

// ValidatePassword refuses a password that an operator could not choose in
// the console: shorter than 12 characters, longer than 256, or all spaces.
func ValidatePassword(password string) error {
	n := utf8.RuneCountInString(password)
	if n < minPassword || n > maxPassword {
		return fmt.Errorf("a password needs %d to %d characters, not %d", minPassword,
			maxPassword, n)
	}
	if strings.TrimSpace(password) == "" {
		return errors.New("a password needs more than spaces")
	}

	return nil
}

// passwordProblem says what is wrong with a new password, "" when nothing.
func passwordProblem(password string) string {
	if ValidatePassword(password) != nil {
		return fmt.Sprintf("A password is %d to %d characters, not all spaces.", minPassword,
			maxPassword)
	}

	return ""
}
