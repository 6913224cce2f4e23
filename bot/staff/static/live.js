/* Live-chat page: the open transcript kept current. Works without it too:
   the page shows the same after a reload. The queue, its previews and the
   waiting count are kept current by live-queue.js. */
(function () {
  "use strict";
  var EVERY_MS = 2000;
  var transcript = document.querySelector("[data-messages-url]");
  if (!transcript) { return; }
  var shown = transcript.children.length;

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
    fetch(transcript.getAttribute("data-messages-url"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { render(data.messages); } })
      .catch(function () {});
  }

  transcript.scrollTop = transcript.scrollHeight;
  setInterval(checkTranscript, EVERY_MS);
})();
