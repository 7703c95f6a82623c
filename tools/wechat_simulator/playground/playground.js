// The WeChat customer playground: talks only to the simulator that serves it (same origin).
"use strict";

(() => {
  const API = "/__sim/playground/api/";
  const ACCOUNTS = "/__sim/accounts";
  const POLL_MS = 1000;
  const OPEN_ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
  const $ = (id) => document.getElementById(id);

  let accounts = [];
  let shownThread = "";
  let polling = false;
  let stickToBottom = true; // follow new messages unless the reader scrolled up

  // --- who is chatting -------------------------------------------------------------------

  /** A new OpenID in WeChat's shape: 28 characters, letters, digits, _ and -. */
  function newOpenId() {
    const random = crypto.getRandomValues(new Uint8Array(23));
    return "oPlay" + Array.from(random, (b) => OPEN_ID_CHARS[b % OPEN_ID_CHARS.length]).join("");
  }

  function appId() { return $("account").value; }
  function openId() { return $("open-id").value.trim(); }
  function chosen() { return appId() !== "" && /^[A-Za-z0-9_-]{1,64}$/.test(openId()); }

  function setOpenId(value) {
    $("open-id").value = value;
    sessionStorage.setItem("playground.openId", value);
    refresh();
  }

  async function loadAccounts(select) {
    const answer = await call("GET", ACCOUNTS);
    if (!answer.ok) return;
    const box = $("account");
    if (!select && JSON.stringify(answer.data.accounts) === JSON.stringify(accounts) && box.value) return;
    accounts = answer.data.accounts;
    const keep = select || box.value || sessionStorage.getItem("playground.appId") || "";
    box.replaceChildren();
    if (accounts.length === 0) {
      box.append(new Option("(no account registered yet)", ""));
    }
    for (const account of accounts) {
      box.append(new Option(`${account.name} (${account.appId}, ${account.messageMode})`, account.appId));
    }
    if (accounts.some((a) => a.appId === keep)) box.value = keep;
    accountChanged();
  }

  function accountChanged() {
    sessionStorage.setItem("playground.appId", appId());
    const account = accounts.find((a) => a.appId === appId());
    $("phone-title").textContent = account ? account.name : "No account";
    refresh();
  }

  // --- talking to the simulator ------------------------------------------------------------

  async function call(method, url, body, contentType) {
    const init = { method, headers: {} };
    if (body !== undefined) {
      init.headers["Content-Type"] = contentType || "application/json";
      init.body = contentType ? body : JSON.stringify(body);
    }
    try {
      const response = await fetch(url, init);
      const data = await response.json().catch(() => ({}));
      if (!response.ok) {
        const message = data.error ? data.error.message : `HTTP ${response.status}`;
        say(message, true);
      }
      return { ok: response.ok, status: response.status, data };
    } catch (error) {
      say(`The simulator did not answer: ${error.message}`, true);
      return { ok: false, status: 0, data: {} };
    }
  }

  function say(message, isError) {
    const status = $("status");
    status.textContent = message;
    status.classList.toggle("error", Boolean(isError));
  }

  function needCustomer() {
    if (chosen()) return true;
    say(appId() === "" ? "Register an account first (below)." :
      "The Customer OpenID must be 1-64 letters, digits, _ or -.", true);
    return false;
  }

  async function act(body, what) {
    if (!needCustomer()) return false;
    const answer = await call("POST", API + "send", { appId: appId(), openId: openId(), ...body });
    if (answer.ok) report(answer.data.item, what);
    refresh();
    return answer.ok;
  }

  function report(item, what) {
    const status = item.appAnswer.status;
    if (status === 200) say(`${what}: the app answered ${item.appAnswer.body || "(empty)"}`);
    else say(`${what}: the app answered ${status === null ? "nothing" : status} ${item.appAnswer.body}`, true);
  }

  async function sendImage() {
    if (!needCustomer()) return;
    let file = $("image-file").files[0];
    let name = file ? file.name : "sample.png";
    if (!file) {
      const sample = await fetch("/__sim/playground/sample.png");
      file = await sample.blob();
    }
    if (!["image/png", "image/jpeg", "image/gif"].includes(file.type)) {
      say("Choose a PNG, JPEG or GIF image.", true);
      return;
    }
    const query = new URLSearchParams({ appId: appId(), openId: openId(), filename: name });
    const answer = await call("POST", `${API}image?${query}`, file, file.type);
    if (answer.ok) {
      report(answer.data.item, "Image sent");
      $("image-file").value = "";
    }
    refresh();
  }

  async function changeWeChat(route, what) {
    if (!needCustomer()) return;
    const answer = await call("POST", API + route, { appId: appId(), openId: openId() });
    if (answer.ok) say(what);
    refresh();
  }

  async function register(event) {
    event.preventDefault();
    const form = new FormData($("register-form"));
    const body = {};
    for (const [name, value] of form.entries()) {
      if (value !== "") body[name] = String(value).trim();
    }
    const answer = await call("POST", ACCOUNTS, body);
    if (answer.ok) {
      say(`Registered ${answer.data.name} (${answer.data.appId}).`);
      await loadAccounts(answer.data.appId);
    }
  }

  // --- the thread ------------------------------------------------------------------------

  async function refresh() {
    if (!chosen()) {
      $("thread").replaceChildren();
      $("customer-state").textContent = "";
      shownThread = "";
      return;
    }
    const query = new URLSearchParams({ appId: appId(), openId: openId() });
    const response = await fetch(`${API}thread?${query}`).catch(() => null);
    if (!response || !response.ok) return;
    const data = await response.json();
    showCustomer(data.customer);
    const text = JSON.stringify(data.items);
    if (text !== shownThread) {
      shownThread = text;
      showThread(data.items);
    }
  }

  async function poll() {
    if (polling) return;
    polling = true;
    try { await refresh(); } finally { polling = false; }
  }

  function time(at) {
    return new Date(at * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  function showCustomer(customer) {
    const line = $("customer-state");
    if (!customer) {
      line.textContent = "WeChat has not heard from this customer yet.";
      return;
    }
    const parts = [customer.following ? "Following" : "Not following"];
    if (customer.typing) parts.push("the account is typing…");
    if (customer.windowExpiresAt) {
      parts.push(`reply window open until ${new Date(customer.windowExpiresAt * 1000).toLocaleString()}`);
    } else {
      parts.push("reply window closed (the customer has not written in the last 48 hours)");
    }
    if (customer.windowExpiresAt && customer.repliesLeft !== null) {
      parts.push(`${customer.repliesLeft} replies left`);
    }
    line.textContent = parts.join(" · ");
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function content(item, who) {
    const bubble = element("div", "bubble");
    if (item.mediaUrl && item.type === "image") {
      const image = element("img");
      image.src = item.mediaUrl;
      image.alt = who === "customer" ? "Image you sent" : "Image from the account";
      image.addEventListener("load", followBottom);
      bubble.append(image);
    } else if (item.mediaUrl) {
      const link = element("a", "", item.type === "voice" ? `🎤 Voice message${item.text ? `: ${item.text}` : ""}` : `▶ ${item.text || "Video"}`);
      link.href = item.mediaUrl;
      bubble.append(link);
    } else if (item.type === "image" || item.type === "voice" || item.type === "video") {
      bubble.textContent = `(${item.type}: the media is not in the simulator)`;
    } else {
      const icon = { location: "📍 ", link: "🔗 ", miniprogrampage: "🧩 " }[item.type] || "";
      bubble.textContent = icon + (item.text || "");
    }
    return bubble;
  }

  function eventText(item) {
    if (item.event === "CLICK") return `You tapped the menu “${item.eventKey}”`;
    if (item.event === "subscribe") return "You followed the account";
    if (item.event === "unsubscribe") return "You unfollowed the account";
    return item.event;
  }

  function customerItem(item) {
    const isEvent = item.type === "event";
    const li = element("li", isEvent ? "item note" : "item mine");
    li.append(isEvent ? element("div", "bubble", eventText(item)) : content(item, "customer"));
    const answer = item.appAnswer;
    const accepted = answer.status === 200;
    const said = accepted ? answer.body || "(empty)" : `${answer.status === null ? "no answer" : answer.status} ${answer.body}`;
    li.append(element("div", accepted ? "meta" : "meta failed", `${time(item.at)} · the app answered ${said}`));
    if (item.wechatShows) li.append(element("div", "unavailable", `WeChat shows: ${item.wechatShows}`));
    return li;
  }

  function appItem(item) {
    const li = element("li", item.delivered ? "item theirs" : "item theirs refused");
    li.append(content(item, "app"));
    if (item.delivered) {
      li.append(element("div", "meta", time(item.at)));
    } else {
      li.append(element("div", "meta",
        `${time(item.at)} · not delivered: ${item.errcode} ${item.errmsg} (the customer never sees it)`));
    }
    return li;
  }

  function showThread(items) {
    $("thread").replaceChildren(...items.map((item) => item.from === "customer" ? customerItem(item) : appItem(item)));
    followBottom();
  }

  function followBottom() {
    const thread = $("thread");
    if (stickToBottom) thread.scrollTop = thread.scrollHeight;
  }

  // --- wiring ----------------------------------------------------------------------------

  function start() {
    $("open-id").value = sessionStorage.getItem("playground.openId") || newOpenId();
    sessionStorage.setItem("playground.openId", $("open-id").value);
    $("thread").addEventListener("scroll", () => {
      const thread = $("thread");
      stickToBottom = thread.scrollHeight - thread.scrollTop - thread.clientHeight < 40;
    });
    $("account").addEventListener("change", accountChanged);
    $("open-id").addEventListener("change", () => setOpenId(openId()));
    $("new-customer").addEventListener("click", () => setOpenId(newOpenId()));
    $("text-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = $("message").value;
      if (text.trim() === "") { say("Write a message first.", true); return; }
      if (await act({ type: "text", text }, "Sent")) $("message").value = "";
    });
    $("message").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        $("text-form").requestSubmit();
      }
    });
    $("image-form").addEventListener("submit", (event) => { event.preventDefault(); sendImage(); });
    $("click-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const key = $("menu-key").value.trim();
      if (key === "") { say("Give the menu key (EventKey) first.", true); return; }
      act({ type: "click", eventKey: key }, "Menu tapped");
    });
    $("send-voice").addEventListener("click", async () => {
      const recognition = $("message").value.trim();
      if (await act({ type: "voice", recognition: recognition || null }, "Voice sent")) $("message").value = "";
    });
    $("send-location").addEventListener("click", () =>
      act({ type: "location", latitude: 31.2304, longitude: 121.4737, label: "上海市黄浦区中山东一路" }, "Location shared"));
    $("send-link").addEventListener("click", () =>
      act({ type: "link", url: "https://example.com/product/42", title: "这个商品还有货吗", description: "商品页面" }, "Link shared"));
    $("send-miniprogram").addEventListener("click", () =>
      act({ type: "miniprogrampage", title: "订单详情", pagePath: "pages/order/detail?id=42" }, "Mini Program page shared"));
    $("follow").addEventListener("click", () => act({ type: "subscribe" }, "Followed"));
    $("unfollow").addEventListener("click", () => act({ type: "unsubscribe" }, "Unfollowed"));
    $("lapse-window").addEventListener("click", () =>
      changeWeChat("lapse-window", "The reply window lapsed: WeChat refuses sends with 45015."));
    $("use-up-quota").addEventListener("click", () =>
      changeWeChat("use-up-quota", "The quota is used up: WeChat refuses sends with 45047."));
    $("register-form").addEventListener("submit", register);
    loadAccounts();
    setInterval(poll, POLL_MS);
    setInterval(() => loadAccounts(), 10 * POLL_MS);
  }

  start();
})();
