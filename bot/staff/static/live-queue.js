/* Live-chat page: the queue, its previews and the waiting count (alert and
   navigation) refresh by themselves. The page works without it: the link
   "Liste aktualisieren" reloads it. The polls go to state.json, which does
   not count as activity for the idle timeout (bot/staff/middlewares.py). */
(function () {
  "use strict";
  var EVERY_MS = 10000;
  var alertBox = document.getElementById("live-alert");
  var list = document.getElementById("live-queue");
  if (!alertBox || !list) { return; }
  var count = document.getElementById("live-waiting");
  var news = document.getElementById("live-news");
  var empty = document.getElementById("live-queue-empty");
  var navBadge = document.getElementById("nav-live-waiting");
  var stateUrl = alertBox.getAttribute("data-state-url");
  var selected = list.getAttribute("data-selected");
  var title = document.title;
  var known = null;

  function text(tag, className, value) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    node.textContent = value;  // never markup: previews are the citizen's words
    return node;
  }

  function entry(chat) {
    var item = document.createElement("li");
    var current = String(chat.id) === selected;
    item.className = current ? "current" : "";
    var link = text("a", "", "Gespräch " + chat.id);
    link.href = chat.url;
    if (current) { link.setAttribute("aria-current", "true"); }
    item.appendChild(link);
    item.appendChild(document.createTextNode(" · " + chat.summary + " "));
    if (chat.preview) {
      item.appendChild(text("span", "preview", chat.preview));
      var when = text("time", "", chat.said_ago);
      when.setAttribute("datetime", chat.said_at);
      when.title = chat.said_at_local;
      var small = text("span", "small", "");
      small.appendChild(when);
      item.appendChild(small);
    } else {
      item.appendChild(text("span", "preview none", chat.no_preview));
    }
    return item;
  }

  function setText(node, value) {
    // Unchanged text is left alone, so the live region speaks only on change.
    if (node && node.textContent !== value) { node.textContent = value; }
  }

  function showCounts(data) {
    setText(count, data.alert_text);
    alertBox.className = "message " + (data.waiting ? "hint" : "quiet");
    if (navBadge) {
      setText(navBadge, data.waiting_text);
      navBadge.hidden = !data.waiting;
    }
  }

  function showNews(chats) {
    var now = {};
    chats.forEach(function (c) { now[c.id] = c.last_message_at + "|" + c.status; });
    if (known !== null) {
      var fresh = chats.filter(function (c) { return known[c.id] !== now[c.id]; });
      if (fresh.length) {
        setText(news, "Neu: Gespräch " + fresh.map(function (c) { return c.id; }).join(", ") + ".");
        document.title = "(Neu) " + title;
      }
    }
    known = now;
  }

  function render(data) {
    list.textContent = "";
    data.chats.forEach(function (c) { list.appendChild(entry(c)); });
    if (empty) { empty.hidden = data.chats.length > 0; }
    showCounts(data);
    showNews(data.chats);
  }

  function poll() {
    fetch(stateUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { render(data); } })
      .catch(function () { /* offline for a moment: try again next time */ });
  }

  window.addEventListener("focus", function () {
    document.title = title;
    setText(news, "");
  });
  poll();
  setInterval(poll, EVERY_MS);
})();
