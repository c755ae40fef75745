package messenger

import (
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/pnpd/pnpd"
)

// The system texts, one catalogue per language; English is complete and
// the fallback for any key another language lacks.
//
//go:embed catalogue/*.json
var catalogueFiles embed.FS

// Languages lists the languages the messenger speaks, in menu order.
var Languages = []struct{ Code, Name string }{
	{"en", "English"}, {"ja", "日本語"}, {"th", "ไทย"}, {"zh-TW", "繁體中文"},
}

var catalogues = loadCatalogues()

func loadCatalogues() map[string]map[string]string {
	out := map[string]map[string]string{}
	entries, err := catalogueFiles.ReadDir("catalogue")
	if err != nil {
		panic(fmt.Sprintf("catalogue: %v", err))
	}

	for _, e := range entries {
		raw, err := catalogueFiles.ReadFile(path.Join("catalogue", e.Name()))
		if err != nil {
			panic(fmt.Sprintf("catalogue %s: %v", e.Name(), err))
		}

		texts := map[string]string{}
		if err := json.Unmarshal(raw, &texts); err != nil {
			panic(fmt.Sprintf("catalogue %s: %v", e.Name(), err))
		}
		out[strings.TrimSuffix(e.Name(), ".json")] = texts
	}

	return out
}

// T returns the text for key in the language, with %s filled from args.
func T(lang, key string, args ...any) string {
	text, ok := catalogues[lang][key]
	if !ok {
		text, ok = catalogues["en"][key]
	}
	if !ok {
		return key
	}
	if len(args) == 0 {
		return text
	}

	// Every blank is %s: numbers fill it as text.
	strs := make([]any, len(args))
	for i, a := range args {
		strs[i] = fmt.Sprint(a)
	}

	return fmt.Sprintf(text, strs...)
}

// CatalogueKeys lists the keys of the English catalogue, which every
// language's must match.
func CatalogueKeys() []string {
	keys := make([]string, 0, len(catalogues["en"]))
	for k := range catalogues["en"] {
		keys = append(keys, k)
	}
	slices.Sort(keys)

	return keys
}

func language(l string) string {
	if _, ok := catalogues[l]; ok {
		return l
	}

	return "en"
}

func importantLabel(lang string) string {
	return T(lang, "label.important")
}

func noticeText(lang string, kind pnpd.NoticeKind, channelName string) string {
	switch kind {
	case pnpd.NoticeReceived, pnpd.NoticePending:
		return T(lang, "notice."+string(kind), channelName)
	}

	return T(lang, "notice."+string(kind))
}

func noticeActionFor(lang string, kind pnpd.NoticeKind) *noticeAction {
	switch kind {
	case pnpd.NoticeConsentRequest:
		return &noticeAction{Label: T(lang, "notice.set"), Target: "consent"}
	case pnpd.NoticeSMSRequest:
		return &noticeAction{Label: T(lang, "notice.set"), Target: "verification"}
	}

	return nil
}
