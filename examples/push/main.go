// Command push sends one notification message with LINE's official Go SDK,
// pointed at pnpd instead of api.line.me: the only change an integration
// needs.
//
//	go run ./examples/push -token TOKEN -phone +819011110001 -text "Hello"
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"log"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
)

func main() {
	endpoint := flag.String("endpoint", "http://127.0.0.1:8080", "pnpd's base URL")
	token := flag.String("token", "", "the channel access token pnpd printed")
	phone := flag.String("phone", "+819011110001", "the recipient's number in E.164")
	text := flag.String("text", "Your parcel arrives today between 14:00 and 16:00.", "text")
	tag := flag.String("tag", "", "X-Line-Delivery-Tag, 16 to 100 characters (optional)")
	flag.Parse()

	api, err := messaging_api.NewMessagingApiAPI(*token, messaging_api.WithEndpoint(*endpoint))
	if err != nil {
		log.Fatal(err)
	}

	// LINE addresses a person by the SHA-256 of the E.164 number, in hex.
	sum := sha256.Sum256([]byte(*phone))
	_, err = api.PushMessagesByPhone(&messaging_api.PnpMessagesRequest{
		To:       hex.EncodeToString(sum[:]),
		Messages: []messaging_api.MessageInterface{messaging_api.TextMessage{Text: *text}},
	}, *tag)
	if err != nil {
		log.Fatal(err)
	}

	fmt.Println("accepted: pnpd will deliver it as the recipient's state allows")
}
