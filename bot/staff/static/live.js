/* Live-chat page: a visible, sound-free alert for new conversations and
   messages, and the open transcript kept current. Works without it too:
   the page shows the same after a reload. */
(function () {
  "use strict";
  var EVERY_MS = 2000;
  var alertBox = document.getElementById("live-alert");
  var queue = document.querySelector("[data-state-url]");
  var transcript = document.querySelector("[data-messages-url]");
  var stateUrl = queue ? queue.getAttribute("data-state-url") : location.pathname.replace(/\/?$/, "/state.json");
  var title = document.title;
  var known = null;
  var shown = transcript ? transcript.children.length : 0;

  function snapshot(chats) {
    var map = {};
    chats.forEach(function (c) { map[c.id] = c.last_message_at + "|" + c.status; });
    return map;
  }

  function announce(text) {
    alertBox.textContent = "";
    alertBox.appendChild(document.createTextNode(text + " "));
    var link = document.createElement("a");
    link.href = location.pathname + location.search;
    link.textContent = "Liste aktualisieren";
    alertBox.appendChild(link);
    alertBox.hidden = false;
    document.title = "(Neu) " + title;
  }

  function checkQueue() {
    fetch(stateUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var now = snapshot(data.chats);
        if (known !== null) {
          var fresh = data.chats.filter(function (c) { return known[c.id] !== now[c.id]; });
          var waiting = data.chats.filter(function (c) { return c.status === "waiting"; }).length;
          if (fresh.length) {
            announce(waiting ? waiting + " Gespräch(e) warten auf eine Person." : "Neue Nachricht im Live-Chat (Gespräch " + fresh[0].id + ").");
          }
        }
        known = now;
      })
      .catch(function () { /* offline for a moment: try again next time */ });
  }

  function render(messages) {
    if (messages.length === shown) { return; }
    transcript.textContent = "";
    messages.forEach(function (m) {
      var item = document.createElement("li");
      item.className = m.from;
      var who = document.createElement("span");
      who.className = "who";
      who.textContent = { citizen: "Bürger/in:", team: "Team:", assistant: "Assistent:" }[m.from] + " ";
      item.appendChild(who);
      item.appendChild(document.createTextNode(m.text));
      transcript.appendChild(item);
    });
    shown = messages.length;
    transcript.scrollTop = transcript.scrollHeight;
  }

  function checkTranscript() {
    if (!transcript) { return; }
    fetch(transcript.getAttribute("data-messages-url"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { render(data.messages); } })
      .catch(function () {});
  }

  if (transcript) { transcript.scrollTop = transcript.scrollHeight; }
  window.addEventListener("focus", function () { document.title = title; });
  checkQueue();
  setInterval(function () { checkQueue(); checkTranscript(); }, EVERY_MS);
})();
