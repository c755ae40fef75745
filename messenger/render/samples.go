package render

import "encoding/json"

// Samples returns one message of each kind the renderer knows, as a channel
// might send them: a text with LINE emoji, a sticker, a location, a buttons
// template, a confirm template, a carousel template, a Flex bubble with all
// four blocks and nested boxes, and a Flex carousel of three bubbles. Pages
// and their tests render them to check the layout. Each call returns fresh
// copies.
//
// All but the last pass pnpd's message validator. The Flex carousel mixes
// bubble sizes, which LINE (and so the validator) refuses, so that one
// screenshot shows every width the renderer must handle.
func Samples() []json.RawMessage {
	out := make([]json.RawMessage, len(samples))
	for i, s := range samples {
		out[i] = json.RawMessage(s)
	}

	return out
}

var samples = []string{
	sampleText, sampleSticker, sampleLocation, sampleButtons, sampleConfirm,
	sampleColumns, sampleBubble, sampleCarousel,
}

const sampleText = `{"type": "text",
  "text": "$ Your parcel is on its way!\nIt should arrive tomorrow between 14:00 and 16:00. $",
  "emojis": [
    {"index": 0, "productId": "5ac1bfd5040ab15980c9b435", "emojiId": "001"},
    {"index": 80, "productId": "5ac1bfd5040ab15980c9b435", "emojiId": "002"}]}`

const sampleSticker = `{"type": "sticker", "packageId": "446", "stickerId": "1988"}`

const sampleLocation = `{"type": "location", "title": "Sakura Dental Clinic",
  "address": "1-2-3 Dogenzaka, Shibuya-ku, Tokyo 150-0043",
  "latitude": 35.658034, "longitude": 139.701636}`

const sampleButtons = `{"type": "template", "altText": "Your reservation",
  "template": {"type": "buttons",
    "thumbnailImageUrl": "https://example.com/clinic.jpg",
    "imageAspectRatio": "rectangle", "imageBackgroundColor": "#E8F0FE",
    "title": "Reservation confirmed",
    "text": "Check-up on 12 May at 10:30 with Dr. Sato.",
    "actions": [
      {"type": "uri", "label": "View details", "uri": "https://example.com/r/1024"},
      {"type": "postback", "label": "Change the time", "data": "action=change&id=1024"},
      {"type": "uri", "label": "Call the clinic", "uri": "tel:+81312345678"}]}}`

const sampleConfirm = `{"type": "template", "altText": "Did your parcel arrive?",
  "template": {"type": "confirm", "text": "Did your parcel arrive in good condition?",
    "actions": [
      {"type": "message", "label": "Yes", "text": "Yes"},
      {"type": "message", "label": "No", "text": "No"}]}}`

const sampleColumns = `{"type": "template", "altText": "This week's offers",
  "template": {"type": "carousel", "imageAspectRatio": "square", "columns": [
    {"thumbnailImageUrl": "https://example.com/tea.jpg", "title": "Green tea",
      "text": "20% off all week.",
      "actions": [
        {"type": "uri", "label": "Shop now", "uri": "https://example.com/tea"},
        {"type": "postback", "label": "Remind me", "data": "remind=tea"}]},
    {"thumbnailImageUrl": "https://example.com/cake.jpg", "title": "Matcha roll cake",
      "text": "Freshly baked every morning; pick-up only.",
      "actions": [
        {"type": "uri", "label": "Shop now", "uri": "https://example.com/cake"},
        {"type": "postback", "label": "Remind me", "data": "remind=cake"}]},
    {"thumbnailImageUrl": "https://example.com/set.jpg", "title": "Gift set",
      "text": "Free wrapping.",
      "actions": [
        {"type": "uri", "label": "Shop now", "uri": "https://example.com/set"},
        {"type": "postback", "label": "Remind me", "data": "remind=set"}]}]}}`

const sampleBubble = `{"type": "flex", "altText": "Your receipt",
  "contents": {"type": "bubble",
    "styles": {"header": {"backgroundColor": "#F3F6F9"},
      "footer": {"separator": true, "separatorColor": "#DDDDDD"}},
    "header": {"type": "box", "layout": "vertical", "contents": [
      {"type": "text", "text": "RECEIPT", "size": "xs", "color": "#1DB446",
        "weight": "bold"},
      {"type": "text", "text": "Order #1024 · Cafe Hinata", "size": "xl",
        "weight": "bold", "margin": "sm"}]},
    "hero": {"type": "image", "url": "https://example.com/cafe.jpg", "size": "full",
      "aspectRatio": "20:13", "aspectMode": "cover"},
    "body": {"type": "box", "layout": "vertical", "spacing": "md", "contents": [
      {"type": "box", "layout": "baseline", "spacing": "xs", "contents": [
        {"type": "icon", "url": "https://example.com/star.png", "size": "sm"},
        {"type": "icon", "url": "https://example.com/star.png", "size": "sm"},
        {"type": "icon", "url": "https://example.com/star.png", "size": "sm"},
        {"type": "icon", "url": "https://example.com/star.png", "size": "sm"},
        {"type": "icon", "url": "https://example.com/grey.png", "size": "sm"},
        {"type": "text", "text": "4.0", "size": "sm", "color": "#999999",
          "margin": "md", "flex": 0}]},
      {"type": "separator"},
      {"type": "box", "layout": "vertical", "spacing": "sm", "contents": [
        {"type": "box", "layout": "horizontal", "contents": [
          {"type": "text", "text": "Hojicha latte (large, oat milk, less sweet)",
            "size": "sm", "color": "#555555", "flex": 3},
          {"type": "text", "text": "¥620", "size": "sm", "align": "end", "flex": 1}]},
        {"type": "box", "layout": "horizontal", "contents": [
          {"type": "text", "text": "Matcha roll cake", "size": "sm", "color": "#555555",
            "flex": 3},
          {"type": "text", "text": "¥480", "size": "sm", "align": "end", "flex": 1}]},
        {"type": "separator", "margin": "md"},
        {"type": "box", "layout": "horizontal", "margin": "md", "contents": [
          {"type": "text", "text": "Total", "weight": "bold"},
          {"type": "filler"},
          {"type": "text", "text": "¥1,100", "weight": "bold", "flex": 0}]}]},
      {"type": "box", "layout": "horizontal", "cornerRadius": "md",
        "backgroundColor": "#1DB44622", "paddingAll": "md", "spacing": "md", "contents": [
        {"type": "box", "layout": "vertical", "width": "8px", "cornerRadius": "xs",
          "backgroundColor": "#1DB446", "contents": []},
        {"type": "text", "wrap": true, "size": "sm", "contents": [
          {"type": "span", "text": "Points earned: "},
          {"type": "span", "text": "11", "weight": "bold", "color": "#1DB446"},
          {"type": "span", "text": " · expires in one year", "style": "italic",
            "size": "xs", "color": "#777777"}]}]}]},
    "footer": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": [
      {"type": "button", "style": "primary", "height": "sm",
        "action": {"type": "uri", "label": "View the receipt",
          "uri": "https://example.com/receipts/1024"}},
      {"type": "button", "style": "secondary", "height": "sm",
        "action": {"type": "postback", "label": "Report a problem",
          "data": "report=1024"}}]}}}`

const sampleCarousel = `{"type": "flex", "altText": "Upcoming appointments",
  "contents": {"type": "carousel", "contents": [
    {"type": "bubble", "size": "micro",
      "hero": {"type": "image", "url": "https://example.com/a.jpg", "size": "full",
        "aspectRatio": "4:3"},
      "body": {"type": "box", "layout": "vertical", "paddingAll": "12px", "contents": [
        {"type": "text", "text": "Dental check-up", "weight": "bold", "size": "sm",
          "wrap": true},
        {"type": "text", "text": "Mon 12 May, 10:30", "size": "xs", "color": "#8C8C8C"}]}},
    {"type": "bubble", "size": "kilo",
      "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": [
        {"type": "text", "text": "Hair salon", "weight": "bold", "size": "lg"},
        {"type": "text", "text": "Thu 15 May, 18:00 with Yuki. Please arrive ten minutes early.",
          "wrap": true, "size": "sm", "maxLines": 2}]},
      "footer": {"type": "box", "layout": "horizontal", "spacing": "sm", "contents": [
        {"type": "button", "style": "link", "height": "sm",
          "action": {"type": "postback", "label": "Cancel", "data": "cancel=2"}},
        {"type": "button", "style": "primary", "height": "sm", "color": "#0B7A75",
          "action": {"type": "uri", "label": "Map", "uri": "https://example.com/map/2"}}]}},
    {"type": "bubble", "size": "giga",
      "body": {"type": "box", "layout": "horizontal", "spacing": "lg", "contents": [
        {"type": "image", "url": "https://example.com/b.jpg", "size": "sm", "flex": 0,
          "aspectRatio": "1:1"},
        {"type": "box", "layout": "vertical", "contents": [
          {"type": "text", "text": "Car inspection", "weight": "bold", "size": "lg"},
          {"type": "text", "wrap": true,
            "text": "Sat 24 May, 09:00 at Minato Auto. Bring your papers and your seal.",
            "size": "sm", "color": "#555555"}]}]},
      "footer": {"type": "box", "layout": "vertical", "contents": [
        {"type": "button", "style": "secondary",
          "action": {"type": "message", "label": "Confirm", "text": "Confirm"}}]}}]}}`
