// Sends a LINE notification message with LINE's official Node SDK to pnpd
// and checks that its delivery webhook arrives, signed, at a bot started
// here on 127.0.0.1. The sandbox API sets the stage (a channel, a
// recipient) with plain fetch.
//
//   PNPD_URL=http://127.0.0.1:8080 PNPD_SANDBOX_TOKEN=... node --test
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomInt } from "node:crypto";
import { createServer } from "node:http";
import { messagingApi, validateSignature, HTTPFetchError } from "@line/bot-sdk";

const pnpdURL = process.env.PNPD_URL;
const sandboxToken = process.env.PNPD_SANDBOX_TOKEN;
if (!pnpdURL || !sandboxToken) {
  throw new Error("Set PNPD_URL and PNPD_SANDBOX_TOKEN to a pnpd running with --sandbox.");
}

// sandbox calls pnpd's sandbox API and answers its JSON body.
async function sandbox(method, path, body) {
  const res = await fetch(pnpdURL + "/sandbox/v1" + path, {
    method,
    headers: {
      Authorization: `Bearer ${sandboxToken}`,
      "Content-Type": "application/json",
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// LINE addresses a person by the SHA-256 of the number in E.164, in hex.
function phoneHash(e164) {
  return createHash("sha256").update(e164).digest("hex");
}

// bot is the business's webhook receiver: it keeps every delivery event
// whose signature checks out with the channel secret.
const bot = {
  secret: "",
  events: [],
  problems: [],
  waiting: [],
  server: null,
  url: "",
};

function receive(req, res) {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    if (!validateSignature(body, bot.secret, req.headers["x-line-signature"] ?? "")) {
      bot.problems.push("a webhook with a bad signature");
      res.writeHead(400).end();
      return;
    }
    for (const event of JSON.parse(body.toString("utf8")).events) {
      bot.events.push(event);
    }
    res.writeHead(200).end();
    bot.waiting.forEach((check) => check());
  });
}

// deliveryEvent waits for the delivery event whose delivery.data is data.
function deliveryEvent(data, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no delivery webhook came")), timeoutMs);
    const check = () => {
      const event = bot.events.find((e) => e.type === "delivery" && e.delivery?.data === data);
      if (event) {
        clearTimeout(timer);
        resolve(event);
      }
    };
    bot.waiting.push(check);
    check();
  });
}

let channel;
let client;

before(async () => {
  bot.server = createServer(receive);
  await new Promise((resolve) => bot.server.listen(0, "127.0.0.1", resolve));
  bot.url = `http://127.0.0.1:${bot.server.address().port}/callback`;

  channel = await sandbox("POST", "/channels", {
    name: "Node Shop",
    webhookUrl: bot.url,
    redelivery: true,
  });
  bot.secret = channel.channelSecret;

  // The only change an integration needs: the SDK's baseURL.
  client = new messagingApi.MessagingApiClient({
    channelAccessToken: channel.accessToken,
    baseURL: pnpdURL,
  });
});

after(async () => {
  await new Promise((resolve) => bot.server.close(resolve));
});

test("a notification to an agreed recipient arrives with its signed webhook", async () => {
  // A fresh number for each run, outside the magic numbers' block.
  const phoneNumber = "+81905" + String(randomInt(0, 1e7)).padStart(7, "0");
  const recipient = await sandbox("POST", "/recipients", { phoneNumber });
  assert.equal(recipient.phoneHash, phoneHash(phoneNumber));
  assert.equal(recipient.smsVerificationRequired, false);

  const tag = `node-example-${Date.now()}`;
  const sent = await client.pushMessagesByPhoneWithHttpInfo(
    { to: phoneHash(phoneNumber), messages: [{ type: "text", text: "Your order shipped." }] },
    tag,
  );
  const requestId = sent.httpResponse.headers.get("x-line-request-id");
  assert.ok(requestId, "the push has an x-line-request-id");

  const event = await deliveryEvent(tag, 10_000);
  assert.equal(event.mode, "active");
  assert.equal(event.deliveryContext.isRedelivery, false);
  assert.match(event.webhookEventId, /^[0-9A-HJKMNP-TV-Z]{26}$/);
  assert.deepEqual(bot.problems, []);

  const notification = await sandbox(
    "GET",
    `/notifications/${encodeURIComponent(requestId)}?wait=5&until=webhook`,
  );
  assert.equal(notification.state, "delivered");
  assert.equal(notification.deliveryTag, tag);
  assert.equal(notification.webhook.eventId, event.webhookEventId);
  assert.equal(notification.webhook.delivered, true);
});

test("a magic number with no account is refused with 422", async () => {
  const { magicNumbers } = await sandbox("GET", "/magic-numbers");
  const unregistered = magicNumbers.find((m) => m.answer === 422 && /no account/.test(m.behaviour));
  assert.ok(unregistered, "the sandbox has a magic number with no account");

  await assert.rejects(
    client.pushMessagesByPhone({
      to: unregistered.phoneHash,
      messages: [{ type: "text", text: "Hello" }],
    }),
    (err) => {
      assert.ok(err instanceof HTTPFetchError, `${err}`);
      assert.equal(err.status, 422);
      assert.deepEqual(JSON.parse(err.body), { message: "Failed to send messages" });
      return true;
    },
  );
});
