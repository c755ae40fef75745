package messenger

import (
	"fmt"

	"github.com/pnpd/pnpd"
)

// texts holds the system account's wording per language. The web messenger
// (issue #3) grows this into the full catalogue.
var texts = map[string]map[string]string{
	"en": {
		"label":                     "Important notification",
		"set":                       "Set",
		string(pnpd.NoticeReceived): "You received a notification message from %s.",
		string(pnpd.NoticePending): "You have a notification message from %s. " +
			"It waits for you for 24 hours.",
		string(pnpd.NoticeConsentRequest): "Set up to receive notification messages: " +
			"businesses you share your phone number with can then send you important notices.",
		string(pnpd.NoticeSMSRequest): "Confirm your phone number by SMS to see the " +
			"notification messages waiting for you.",
		string(pnpd.NoticeNumberChanged): "Your phone number has been changed.",
	},
	"ja": {
		"label":                     "重要なお知らせ",
		"set":                       "設定する",
		string(pnpd.NoticeReceived): "%sから通知メッセージを受信しました。",
		string(pnpd.NoticePending): "%sからの通知メッセージがあります。" +
			"24時間以内に受信設定をすると表示されます。",
		string(pnpd.NoticeConsentRequest): "通知メッセージの受信を設定してください。" +
			"電話番号を伝えた企業から大切なお知らせが届きます。",
		string(pnpd.NoticeSMSRequest):    "通知メッセージを受け取るには、SMSで電話番号を認証してください。",
		string(pnpd.NoticeNumberChanged): "電話番号が変更されました。",
	},
}

func text(lang, key string) string {
	if t, ok := texts[lang][key]; ok {
		return t
	}

	return texts["en"][key]
}

func importantLabel(lang string) string {
	return text(lang, "label")
}

func noticeText(lang string, kind pnpd.NoticeKind, channelName string) string {
	switch kind {
	case pnpd.NoticeReceived, pnpd.NoticePending:
		return fmt.Sprintf(text(lang, string(kind)), channelName)
	}

	return text(lang, string(kind))
}

func noticeActionFor(lang string, kind pnpd.NoticeKind) *noticeAction {
	switch kind {
	case pnpd.NoticeConsentRequest:
		return &noticeAction{Label: text(lang, "set"), Target: "consent"}
	case pnpd.NoticeSMSRequest:
		return &noticeAction{Label: text(lang, "set"), Target: "verification"}
	}

	return nil
}
