/* Stadt-Assistent: the chat widget for the city website.
 *
 * Embed: <script src="https://assistent.stadt.example/widget.js"
 *                 data-server="https://assistent.stadt.example" defer></script>
 * Optional: data-privacy-url="https://www.stadt.example/datenschutz".
 *
 * Vanilla JavaScript, no build step. Every string from the server or the user is
 * rendered with textContent; links are made from http(s) URLs only.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var server = (script.dataset.server || new URL(script.src).origin).replace(/\/$/, "");
  // The embedding site's own privacy page, else ours in the widget's language.
  var privacyUrl = script.dataset.privacyUrl;
  var STORE = "stadtAssistent.";
  var MAX_LENGTH = 2000;
  var MAX_HISTORY = 200;
  var MAX_PHOTO_BYTES = 10 * 1024 * 1024;
  var NEWS_EVERY_MS = 20000;
  // Closed, the widget still looks for news now and then, but only for a
  // citizen who has a conversation: the launcher then shows them as unread.
  var NEWS_CLOSED_EVERY_MS = 60000;
  var THUMB_PX = 160;
  var MAX_THUMB_CHARS = 60000;
  var LIVE_POLL_MS = 3000; // only if the browser cannot keep the live stream
  // The widget's own words: German in standard German and in Leichter
  // Sprache (the server words the answers), English in English.
  var TEXTS = {
    de: {
      launcher: "Chat mit dem Stadt-Assistenten",
      title: "Stadt-Assistent",
      note: "Hier antwortet ein KI-Assistent, kein Mensch. ",
      privacy: "Datenschutzhinweise",
      easyPage: "Erklärung in Leichter Sprache",
      languages: "Sprache des Chats",
      log: "Chatverlauf",
      label: "Ihre Nachricht",
      placeholder: "Ihre Frage oder Idee",
      send: "Senden",
      close: "Chat schließen",
      clear: "Verlauf löschen",
      forgetTitle: "Was möchten Sie löschen?",
      forgetConversation: "Den Verlauf dieses Gesprächs.",
      forgetNothingElse: "Vorschläge oder Nachrichten an das Team von Ihnen gibt es in diesem Gespräch nicht.",
      forgetSuggestions: "Ihre Vorschläge: ",
      forgetPublished: "öffentlich",
      forgetSupporters: function (count) { return count + "-mal unterstützt"; },
      forgetSupports: "Ihre Unterstützung für andere Vorschläge: ",
      forgetMessages: "Ihre Nachrichten an das Team: ",
      forgetFollows: "Was Sie verfolgen (Neuigkeiten einmal am Tag): ",
      forgetAll: "Alles löschen",
      forgetAllNote: "Löscht den Verlauf und alles oben Genannte. Das lässt sich nicht rückgängig machen.",
      forgetOnly: "Nur den Verlauf löschen",
      forgetOnlyNote: "Ihre Vorschläge und Nachrichten bleiben bei der Stadt. Neuigkeiten dazu bekommen Sie dann nicht mehr hier im Chat.",
      forgetCancel: "Abbrechen",
      typing: "Der Assistent schreibt …",
      retry: "Erneut versuchen",
      rate: "War die Antwort hilfreich?",
      offline: "Der Assistent ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.",
      offlineEasy: "Ich kann gerade nicht antworten.\nBitte versuchen Sie es gleich noch einmal.",
      you: "Sie",
      bot: "Assistent",
      team: "Smart-City-Team",
      unread: function (count) {
        return count === 1 ? "1 neue Nachricht vom Team" : count + " neue Nachrichten vom Team";
      },
      liveWaiting: "Wir suchen eine Person aus dem Team …",
      liveTaken: "Eine Person aus dem Team schreibt mit Ihnen.",
      liveBack: "Zum Assistenten",
      liveBackSaid: "zurück zum Assistenten",
      liveNew: "Neue Nachricht vom Team: ",
      sending: "Wird gesendet …",
      attach: "Foto anhängen",
      attached: "Foto: ",
      photoAlt: "Ihr Foto ",
      removePhoto: "Foto entfernen",
      photoTooBig: "Das Foto ist zu groß. Bitte wählen Sie ein Bild bis 10 MB.",
      locate: "Meinen Standort verwenden",
      locateNote: "Ihr Browser fragt Sie dann nach Ihrem Standort. Gespeichert werden nur die Koordinaten, auf etwa 10 Meter gerundet, mit Ihrem Vorschlag.",
      locating: "Ihr Standort wird ermittelt …",
      located: "Mein Standort",
      locationDenied: "Sie haben den Standort nicht freigegeben. Schreiben Sie den Ort einfach in das Textfeld.",
      noLocation: "Ihr Standort ist gerade nicht verfügbar. Schreiben Sie den Ort einfach in das Textfeld.",
      welcome: "Hallo! Ich bin der Stadt-Assistent. Fragen Sie mich nach Smart-City-Projekten und Terminen, oder machen Sie einen Vorschlag.",
      time: "de-DE",
    },
    en: {
      launcher: "Chat with the city assistant",
      title: "City Assistant",
      note: "An AI assistant answers here, not a person. ",
      privacy: "Privacy notice",
      easyPage: "Explanation in Leichte Sprache (easy German)",
      languages: "Chat language",
      log: "Chat history",
      label: "Your message",
      placeholder: "Your question or idea",
      send: "Send",
      close: "Close chat",
      clear: "Delete history",
      forgetTitle: "What would you like to delete?",
      forgetConversation: "The history of this conversation.",
      forgetNothingElse: "There are no suggestions or messages to the team from you in this conversation.",
      forgetSuggestions: "Your suggestions: ",
      forgetPublished: "public",
      forgetSupporters: function (count) { return "supported " + count + (count === 1 ? " time" : " times"); },
      forgetSupports: "Your support for other suggestions: ",
      forgetMessages: "Your messages to the team: ",
      forgetFollows: "What you follow (news once a day): ",
      forgetAll: "Delete everything",
      forgetAllNote: "Deletes the history and everything listed above. This cannot be undone.",
      forgetOnly: "Delete only the history",
      forgetOnlyNote: "Your suggestions and messages stay with the city. You will then no longer get news about them here in the chat.",
      forgetCancel: "Cancel",
      typing: "The assistant is writing …",
      retry: "Try again",
      rate: "Was this answer helpful?",
      offline: "The assistant cannot be reached right now. Please try again in a moment.",
      you: "You",
      bot: "Assistant",
      team: "Smart City team",
      unread: function (count) {
        return count === 1 ? "1 new message from the team" : count + " new messages from the team";
      },
      liveWaiting: "We are looking for a person from the team …",
      liveTaken: "A person from the team is writing with you.",
      liveBack: "Back to the assistant",
      liveBackSaid: "Back to the assistant",
      liveNew: "New message from the team: ",
      sending: "Sending …",
      attach: "Attach a photo",
      attached: "Photo: ",
      photoAlt: "Your photo ",
      removePhoto: "Remove photo",
      photoTooBig: "The photo is too large. Please choose a picture of up to 10 MB.",
      locate: "Use my location",
      locateNote: "Your browser will then ask you for your location. Only the coordinates are stored, rounded to about 10 metres, with your suggestion.",
      locating: "Finding your location …",
      located: "My location",
      locationDenied: "You did not share your location. Please type the place into the text box instead.",
      noLocation: "Your location is not available right now. Please type the place into the text box instead.",
      welcome: "Hello! I'm the city assistant. Ask me about smart city projects and events, or make a suggestion.",
      time: "en-US",
    },
  };
  var TEXT = TEXTS.de;

  // The conversation's languages (core.protocol.LANGUAGES), in the order of
  // the header's buttons: each named in itself, with the message that
  // switches to it and the wish the log shows for that message.
  var LANGUAGES = {
    standard: { name: "Deutsch", lang: "de", message: "/standard_sprache", wish: "Bitte auf Deutsch" },
    en: { name: "English", lang: "en", message: "/english", wish: "English, please" },
    leicht: { name: "Leichte Sprache", lang: "de", message: "/rephrase", wish: "Bitte in Leichter Sprache" },
  };
  var BACK_FROM_EASY = "Bitte wieder normale Sprache";

  function isLanguage(code) {
    return typeof code === "string" && Object.prototype.hasOwnProperty.call(LANGUAGES, code);
  }

  // English for a browser whose first language is English, else German.
  function browserLanguage() {
    var preferred = (navigator.languages && navigator.languages[0]) || navigator.language || "";
    return /^en(-|$)/i.test(preferred) ? "en" : "standard";
  }

  function load(key, fallback) {
    try {
      var value = JSON.parse(localStorage.getItem(STORE + key));
      return value === null ? fallback : value;
    } catch (e) {
      return fallback;
    }
  }

  function save(key, value) {
    try {
      localStorage.setItem(STORE + key, JSON.stringify(value));
    } catch (e) { /* private mode or full: the chat still works */ }
  }

  function drop(key) {
    try {
      localStorage.removeItem(STORE + key);
    } catch (e) { /* nothing stored, nothing to drop */ }
  }

  function newSession() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  var session = load("session", null) || newSession();
  save("session", session);
  var history = load("history", []);
  // The language as the server last confirmed it; none stored until then.
  // Widgets before English stored only whether Leichte Sprache was on.
  if (load("easy", false) === true && !isLanguage(load("language", null))) save("language", "leicht");
  drop("easy");
  function storedLanguage() {
    var stored = load("language", null);
    return isLanguage(stored) ? stored : null;
  }
  // Until a first conversation, the browser's language names the launcher (preselect).
  var language = storedLanguage() || (history.length ? "standard" : browserLanguage());

  function el(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Text with links, never as HTML: http(s) URLs, e-mail addresses (mailto:)
  // and phone numbers (tel:), so that a phone can call or write at a tap.
  var LINK_PATTERN = /https?:\/\/[^\s<>"']+|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}|(?:\+\d{2}|\(?0\d)[\d ()\/-]{4,}\d/g;
  var MIN_PHONE_DIGITS = 6;

  function linkFor(match) {
    if (/^https?:/.test(match)) {
      var url = match.replace(/[.,;:!?)\]]+$/, "");
      try {
        var parsed = new URL(url);
        if (parsed.protocol === "http:" || parsed.protocol === "https:") {
          return { shown: url, href: parsed.href, external: true };
        }
      } catch (e) { /* not a URL after all: plain text */ }
      return null;
    }
    if (match.indexOf("@") > 0) return { shown: match, href: "mailto:" + match };
    var digits = match.replace(/[^\d+]/g, "");
    if (digits.replace("+", "").length < MIN_PHONE_DIGITS) return null;
    return { shown: match, href: "tel:" + digits };
  }

  function richText(parent, text) {
    var last = 0;
    text.replace(LINK_PATTERN, function (match, offset) {
      var link = linkFor(match);
      if (!link) return match;
      parent.appendChild(document.createTextNode(text.slice(last, offset)));
      var attributes = { href: link.href };
      if (link.external) { attributes.target = "_blank"; attributes.rel = "noopener noreferrer"; }
      parent.appendChild(el("a", attributes, link.shown));
      last = offset + link.shown.length;
      return match;
    });
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  var css = el("link", { rel: "stylesheet", href: server + "/widget.css" });
  document.head.appendChild(css);

  var root = el("div", { class: "sa-root" });
  var launcher = el("button", {
    type: "button", class: "sa-launcher", "aria-expanded": "false", "aria-controls": "sa-panel",
  });
  var launcherText = el("span");
  launcher.appendChild(launcherText);
  // The number is for the eye; the words after it are the button's name for a screen reader.
  var badge = el("span", { class: "sa-badge" });
  var badgeCount = el("span", { class: "sa-badge-count", "aria-hidden": "true" });
  var badgeWords = el("span", { class: "sa-visually-hidden" });
  badge.appendChild(badgeCount);
  badge.appendChild(badgeWords);
  badge.hidden = true;
  launcher.appendChild(badge);
  // Room below the page's own end (its footer links), which the fixed launcher would cover.
  var spacer = el("div", { class: "sa-spacer", "aria-hidden": "true" });
  var panel = el("section", { id: "sa-panel", class: "sa-panel", role: "dialog", "aria-labelledby": "sa-title" });
  panel.hidden = true;

  var header = el("div", { class: "sa-header" });
  var title = el("h2", { id: "sa-title", class: "sa-title" });
  var clear = el("button", { type: "button", class: "sa-clear" });
  var close = el("button", { type: "button", class: "sa-close" }, "×");
  // The conversation's language: a row of toggle buttons, each named in its
  // own language; aria-pressed marks the one the assistant answers in.
  var languages = el("div", { class: "sa-languages", role: "group" });
  var languageButtons = {};
  Object.keys(LANGUAGES).forEach(function (code) {
    var button = el("button", {
      type: "button", class: "sa-language", lang: LANGUAGES[code].lang, "aria-pressed": "false",
    }, LANGUAGES[code].name);
    button.addEventListener("click", function () { choose(code); });
    languageButtons[code] = button;
    languages.appendChild(button);
  });
  [title, clear, close, languages].forEach(function (node) { header.appendChild(node); });

  var note = el("p", { class: "sa-note" });

  var log = el("div", { class: "sa-log", role: "log", "aria-live": "polite", tabindex: "0" });
  var typing = el("p", { class: "sa-typing", "aria-live": "polite" });
  // Shown while a person from the team has the conversation; announces their replies.
  var liveBar = el("div", { class: "sa-live", role: "status", "aria-live": "polite" });
  liveBar.hidden = true;
  var liveText = el("p", { class: "sa-live-text" });
  var liveBack = el("button", { type: "button", class: "sa-choice" });
  var liveAnnounce = el("p", { class: "sa-visually-hidden" });
  liveBar.appendChild(liveText);
  liveBar.appendChild(liveBack);
  liveBar.appendChild(liveAnnounce);
  var problem = el("div", { class: "sa-error", role: "alert" });
  problem.hidden = true;
  var problemText = el("span");
  var retry = el("button", { type: "button", class: "sa-retry" });
  problem.appendChild(problemText);
  problem.appendChild(retry);

  var form = el("form", { class: "sa-form" });
  var label = el("label", { for: "sa-input", class: "sa-label" });
  var input = el("input", {
    id: "sa-input", type: "text", maxlength: String(MAX_LENGTH), autocomplete: "off",
    "aria-describedby": "sa-counter",
  });
  var counter = el("span", { id: "sa-counter", class: "sa-counter" }, "0/" + MAX_LENGTH);
  var send = el("button", { type: "submit", class: "sa-send" });
  // "Foto anhängen": a real button for the keyboard; the file input stays hidden.
  var photoInput = el("input", { id: "sa-photo", type: "file", accept: "image/*", class: "sa-visually-hidden", tabindex: "-1", "aria-hidden": "true" });
  var attach = el("button", { type: "button", class: "sa-attach" });
  var attachment = el("div", { class: "sa-attachment", "aria-live": "polite" });
  attachment.hidden = true;
  var attachmentThumb = el("img", { class: "sa-thumb", alt: "" });
  attachmentThumb.hidden = true;
  var attachmentName = el("span", { class: "sa-attachment-name" });
  var removePhoto = el("button", { type: "button", class: "sa-remove-photo" });
  attachment.appendChild(attachmentThumb);
  attachment.appendChild(attachmentName);
  attachment.appendChild(removePhoto);
  [label, input, send, counter, attach, photoInput, attachment].forEach(function (node) { form.appendChild(node); });

  [header, note, liveBar, log, typing, problem, form].forEach(function (node) { panel.appendChild(node); });
  root.appendChild(panel);
  root.appendChild(launcher);
  document.body.appendChild(spacer);
  document.body.appendChild(root);

  // The `lang` of the widget's own words; each message keeps the one it was written in.
  function uiLang() {
    return LANGUAGES[language].lang;
  }

  // Every word of the widget's own in the current language.
  function relabel() {
    root.setAttribute("lang", uiLang());
    launcherText.textContent = TEXT.launcher;
    title.textContent = TEXT.title;
    clear.textContent = TEXT.clear;
    close.setAttribute("aria-label", TEXT.close);
    languages.setAttribute("aria-label", TEXT.languages);
    Object.keys(languageButtons).forEach(function (code) {
      languageButtons[code].setAttribute("aria-pressed", code === language ? "true" : "false");
    });
    note.textContent = TEXT.note;
    var privacy = privacyUrl || server + (language === "en" ? "/privacy" : "/datenschutz");
    note.appendChild(el("a", { href: privacy, target: "_blank", rel: "noopener" }, TEXT.privacy));
    note.appendChild(document.createTextNode(" · "));
    note.appendChild(el("a", {
      href: server + "/leichte-sprache", hreflang: "de", target: "_blank", rel: "noopener",
    }, TEXT.easyPage));
    log.setAttribute("aria-label", TEXT.log);
    liveBack.textContent = TEXT.liveBack;
    if (live) liveText.textContent = liveTaken ? TEXT.liveTaken : TEXT.liveWaiting;
    retry.textContent = TEXT.retry;
    label.textContent = TEXT.label;
    input.setAttribute("placeholder", TEXT.placeholder);
    send.textContent = TEXT.send;
    attach.textContent = TEXT.attach;
    removePhoto.textContent = TEXT.removePhoto;
    if (photo) attachmentName.textContent = TEXT.attached + photo.name + " ";
  }

  function showLanguage(code) {
    language = code;
    TEXT = code === "en" ? TEXTS.en : TEXTS.de;
    relabel();
  }
  showLanguage(language);

  function time(at) {
    var moment = new Date(at);
    return el("time", { datetime: moment.toISOString(), class: "sa-time", lang: uiLang() },
      moment.toLocaleTimeString(TEXT.time, { hour: "2-digit", minute: "2-digit" }));
  }

  function render() {
    log.textContent = "";
    if (!history.length) {
      var hello = el("div", { class: "sa-msg sa-bot", lang: uiLang() });
      hello.appendChild(el("p", {}, TEXT.welcome));
      log.appendChild(hello);
    }
    history.forEach(function (entry, index) {
      var fromTeam = entry.from === "team" || entry.news === true;
      // Entries from before English are German.
      var bubble = el("div", { class: "sa-msg sa-" + (fromTeam ? "team" : entry.from), lang: entry.lang || "de" });
      if (fromTeam) {
        bubble.appendChild(el("p", { class: "sa-sender", lang: uiLang() }, TEXT.team));
      } else {
        var who = entry.from === "user" ? TEXT.you : TEXT.bot;
        bubble.appendChild(el("span", { class: "sa-visually-hidden", lang: uiLang() }, who + ": "));
      }
      if (entry.photo) bubble.appendChild(photoFigure(entry.photo));
      if (entry.text) {
        var body = el("p");
        richText(body, entry.text);
        bubble.appendChild(body);
      }
      bubble.appendChild(time(entry.at));
      var isLast = index === history.length - 1;
      if (isLast && entry.buttons && entry.buttons.length) {
        var own = entry.buttons.filter(function (b) { return !isRating(b); });
        var rating = entry.buttons.filter(isRating);
        if (own.length) bubble.appendChild(choiceRow(own, "sa-choices"));
        if (rating.length) {
          var rate = choiceRow(rating, "sa-choices sa-rating");
          rate.setAttribute("role", "group");
          rate.setAttribute("aria-labelledby", "sa-rate-label");
          rate.insertBefore(el("span", { id: "sa-rate-label", class: "sa-rating-label", lang: uiLang() }, TEXT.rate), rate.firstChild);
          bubble.appendChild(rate);
        }
      }
      if (isLast && entry.askLocation) bubble.appendChild(locateOffer());
      log.appendChild(bubble);
    });
    showNewest();
    showUnread();
  }

  // The newest answer in view, from its start: a long answer is read from
  // its first line, a short one leaves the log at its end.
  function showNewest() {
    var bubbles = log.querySelectorAll(".sa-msg");
    var start = null;
    for (var i = bubbles.length - 1; i >= 0 && !bubbles[i].classList.contains("sa-user"); i--) {
      start = bubbles[i];
    }
    var end = log.scrollHeight - log.clientHeight;
    log.scrollTop = start ? Math.min(end, start.offsetTop - 8) : end;
  }

  // Only a JPEG made by thumbnail() below is shown: the history is stored data.
  function photoFigure(photo) {
    var figure = el("figure", { class: "sa-photo", lang: uiLang() });
    if (/^data:image\/jpeg;base64,[A-Za-z0-9+\/=]+$/.test(String(photo.thumb || ""))) {
      figure.appendChild(el("img", { class: "sa-thumb", src: photo.thumb, alt: TEXT.photoAlt + String(photo.name || "") }));
    }
    figure.appendChild(el("figcaption", {}, TEXT.attached + String(photo.name || "")));
    return figure;
  }

  // A small copy of the chosen photo, to show what was sent; null if it cannot be made.
  function thumbnail(file) {
    if (!window.createImageBitmap) return Promise.resolve(null);
    return createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, THUMB_PX / Math.max(bitmap.width, bitmap.height));
      var canvas = el("canvas", {
        width: String(Math.max(1, Math.round(bitmap.width * scale))),
        height: String(Math.max(1, Math.round(bitmap.height * scale))),
      });
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      if (bitmap.close) bitmap.close();
      var url = canvas.toDataURL("image/jpeg", 0.7);
      return url.length <= MAX_THUMB_CHARS ? url : null;
    }).catch(function () { return null; });
  }

  function unreadCount() {
    return history.filter(function (entry) { return entry.unread === true; }).length;
  }

  function showUnread() {
    var count = panel.hidden ? unreadCount() : 0;
    badge.hidden = count === 0;
    badgeCount.textContent = count > 9 ? "9+" : String(count);
    badgeWords.textContent = count ? " (" + TEXT.unread(count) + ")" : "";
  }

  // Keyboard users stay in the text box after a choice; on a touch screen
  // the log takes the focus instead, so that no keyboard pops up.
  function backToTyping() {
    var touch = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
    (touch ? log : input).focus({ preventScroll: true });
  }

  // 👍/👎 under an answer (core.protocol.rating_buttons) sit apart from its choices.
  function isRating(button) {
    return String(button.payload || "").indexOf("/rate{") === 0;
  }

  function choiceRow(buttons, className) {
    var row = el("div", { class: className });
    buttons.forEach(function (button) {
      var choice = el("button", { type: "button", class: "sa-choice" }, button.title);
      choice.addEventListener("click", function () {
        ask(button.payload, button.title);
        backToTyping();
      });
      row.appendChild(choice);
    });
    return row;
  }

  // "Meinen Standort verwenden": says first what is stored; the browser asks
  // for the position only when the button is pressed.
  function locateOffer() {
    var offer = el("div", { class: "sa-locate", lang: uiLang() });
    var button = el("button", { type: "button", class: "sa-choice sa-locate-button", "aria-describedby": "sa-locate-note" }, TEXT.locate);
    offer.appendChild(button);
    offer.appendChild(el("p", { id: "sa-locate-note", class: "sa-locate-note" }, TEXT.locateNote));
    button.addEventListener("click", function () { locate(button); });
    return offer;
  }

  function typeInstead(message) {
    showProblem(message, false);
    input.focus();
  }

  function locate(button) {
    if (busy) return;
    if (!navigator.geolocation) { typeInstead(TEXT.noLocation); return; }
    button.disabled = true;
    typing.textContent = TEXT.locating;
    navigator.geolocation.getCurrentPosition(function (position) {
      typing.textContent = "";
      var place = {
        latitude: Math.round(position.coords.latitude * 1e4) / 1e4,
        longitude: Math.round(position.coords.longitude * 1e4) / 1e4,
      };
      ask("/share_location" + JSON.stringify(place), TEXT.located);
    }, function (error) {
      typing.textContent = "";
      button.disabled = false;
      typeInstead(error.code === 1 ? TEXT.locationDenied : TEXT.noLocation);
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  // Each message with the language it was written in: a reply in the one
  // in force when it came, the citizen's in the widget's at the time.
  function remember(entry) {
    entry.at = entry.at || new Date().toISOString();
    entry.lang = entry.lang || uiLang();
    history.push(entry);
    history = history.slice(-MAX_HISTORY);
    save("history", history);
  }

  // In Leichter Sprache and in English the server words its own errors so too.
  function api(path) {
    if (language === "standard") return server + path;
    return server + path + (path.indexOf("?") < 0 ? "?" : "&") + "sprache=" + language;
  }

  function offline() {
    return language === "leicht" ? TEXT.offlineEasy : TEXT.offline;
  }

  function post(path, body) {
    return fetch(api(path), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw new Error(data.error || offline());
        return data;
      });
    }, function () { throw new Error(offline()); });
  }

  var pending = null;
  var busy = false;

  function showProblem(message, canRetry) {
    problemText.textContent = message + " ";
    retry.hidden = canRetry === false;
    problem.hidden = false;
  }

  var photo = null;
  var photoThumb = null;

  function showPhoto(file) {
    photo = file;
    photoThumb = null;
    attachment.hidden = !file;
    attachmentName.textContent = file ? TEXT.attached + file.name + " " : "";
    attachmentThumb.hidden = true;
    attachmentThumb.removeAttribute("src");
    if (!file) { photoInput.value = ""; return; }
    thumbnail(file).then(function (url) {
      if (photo !== file || !url) return;
      photoThumb = url;
      attachmentThumb.src = url;
      attachmentThumb.hidden = false;
    });
  }

  attach.addEventListener("click", function () { photoInput.click(); });
  photoInput.addEventListener("change", function () {
    var file = photoInput.files && photoInput.files[0];
    if (file && file.size > MAX_PHOTO_BYTES) {
      showPhoto(null);
      showProblem(TEXT.photoTooBig, false);
      return;
    }
    problem.hidden = true;
    showPhoto(file || null);
    if (file) removePhoto.focus();
  });
  removePhoto.addEventListener("click", function () {
    showPhoto(null);
    attach.focus();
  });

  function upload(file, caption) {
    var body = new FormData();
    body.append("session", session);
    body.append("caption", caption);
    body.append("photo", file, file.name);
    return fetch(api("/api/photos"), { method: "POST", body: body }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw new Error(data.error || offline());
        return data;
      });
    }, function () { throw new Error(offline()); });
  }

  function rememberReplies(data) {
    // Written in the language the turn switched to, else in the one in force
    // (also a confirmation of "Meine Daten löschen", after which it is German).
    var lang = isLanguage(data.language) ? LANGUAGES[data.language].lang : uiLang();
    // "Meine Daten löschen" in the chat: on a shared computer, the next
    // person must not read the conversation. Only the confirmation stays.
    if (data.forgotten === true) startAnew();
    // The server says when the language changed (tapped or typed); the control follows.
    if (isLanguage(data.language)) {
      showLanguage(data.language);
      save("language", data.language);
    }
    (data.messages || []).forEach(function (m) {
      remember({
        from: "bot", text: String(m.text || ""), buttons: m.buttons || [], askLocation: m.ask_location === true, lang: lang,
      });
    });
    if (data.live === true) startLive(); else if (data.live === false) stopLive();
    render();
  }

  // A new session with nothing shown or stored of the old one: it starts in
  // standard German, and the browser's language may choose again (preselect).
  function startAnew() {
    showLanguage("standard");
    drop("language");
    stopLive();
    showPhoto(null);
    pending = null;
    history = [];
    held = [];
    session = newSession();
    save("session", session);
    save("history", history);
    save("held", held);
  }

  function deliverPhoto(file, caption) {
    busy = true;
    send.disabled = true;
    problem.hidden = true;
    typing.textContent = TEXT.typing;
    return upload(file, caption).then(function (data) {
      // Outside the suggestion form the server keeps no photo: it stays
      // attached here, to be sent once the form asks (bot/shared/photo_intake.py).
      if (data.photo_kept !== false) showPhoto(null);
      rememberReplies(data);
    }, function (error) {
      showProblem(error.message);
    }).then(function () {
      busy = false;
      send.disabled = false;
      typing.textContent = "";
    });
  }

  function deliver(message) {
    busy = true;
    send.disabled = true;
    problem.hidden = true;
    typing.textContent = live ? TEXT.sending : TEXT.typing;
    return post("/api/chat", { session: session, message: message }).then(function (data) {
      pending = null;
      rememberReplies(data);
    }, function (error) {
      pending = message;
      showProblem(error.message);
    }).then(function () {
      busy = false;
      send.disabled = false;
      typing.textContent = "";
    });
  }

  // `lang`: of `shown`, when that is not in the widget's language.
  function ask(message, shown, lang) {
    if (busy) return;
    remember({ from: "user", text: shown || message, lang: lang });
    render();
    deliver(message);
  }

  // The wish is shown in the language chosen; the control changes with the reply.
  function choose(code) {
    if (code === language) return;
    var wish = code === "standard" && language === "leicht" ? BACK_FROM_EASY : LANGUAGES[code].wish;
    ask(LANGUAGES[code].message, wish, LANGUAGES[code].lang);
  }

  // A first conversation in a browser that prefers English starts in English,
  // unasked: the widget's words at once, the assistant's with its reply.
  // Stored only once the server confirms; a promise while it is under way.
  function preselect() {
    if (busy || history.length || storedLanguage() || browserLanguage() !== "en") return null;
    showLanguage("en");
    render();
    return deliver(LANGUAGES.en.message);
  }

  retry.addEventListener("click", function () {
    if (pending !== null && !busy) deliver(pending);
    input.focus();
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (busy || !(text || photo)) return;
    input.value = "";
    counter.textContent = "0/" + MAX_LENGTH;
    if (photo) {
      remember({ from: "user", text: text, photo: { name: photo.name, thumb: photoThumb } });
      render();
      deliverPhoto(photo, text);
      return;
    }
    ask(text);
  });

  input.addEventListener("input", function () {
    counter.textContent = input.value.length + "/" + MAX_LENGTH;
  });

  function known(id) {
    return history.some(function (entry) { return entry.id === id; });
  }

  // Notifications (news about a suggestion, a message or live reply) come
  // from the team. While the widget is closed they stay unread and unconfirmed:
  // the launcher counts them, and opening the widget confirms them.
  var held = load("held", []);

  function showNotification(item) {
    if (known(item.id)) return false;
    var closed = panel.hidden;
    remember({ id: item.id, from: "team", text: String(item.text), at: item.created_at, unread: closed });
    if (closed) {
      held = held.concat([item.id]).slice(-MAX_HISTORY);
      save("held", held);
    } else if (live) {
      liveAnnounce.textContent = TEXT.liveNew + String(item.text);
    }
    return true;
  }

  // The API takes at most 20 ids a request; unconfirmed ones would block newer news.
  function confirmSeen(ids) {
    for (var at = 0; at < ids.length; at += 20) {
      post("/api/notifications/seen", { session: session, ids: ids.slice(at, at + 20) }).catch(function () {});
    }
  }

  function fetchNews() {
    fetch(server + "/api/notifications?session=" + encodeURIComponent(session))
      .then(function (response) { return response.ok ? response.json() : { notifications: [] }; })
      .then(function (data) {
        if (data.live === true) startLive(data.live_taken === true); else if (data.live === false) stopLive();
        var shown = [];
        (data.notifications || []).forEach(function (item) {
          if (showNotification(item)) shown.push(item.id);
        });
        if (shown.length) {
          render();
          if (!panel.hidden) confirmSeen(shown);
        }
      })
      .catch(function () { /* news come next time */ });
  }

  // Opening the widget reads what came while it was closed.
  function readHeld() {
    history.forEach(function (entry) { delete entry.unread; });
    save("history", history);
    confirmSeen(held);
    held = [];
    save("held", held);
  }

  var newsTimer = null;

  function lookForNews(everyMs) {
    clearInterval(newsTimer);
    newsTimer = setInterval(fetchNews, everyMs);
  }

  // Live chat: the team's replies arrive as Server-Sent Events while it lasts.
  var live = false;
  var stream = null;
  var livePoll = null;

  var liveTaken = false;

  // The bar takes the place of "Hier antwortet ein KI-Assistent": a person
  // answers now, or is being looked for. `taken` undefined keeps what is known.
  function startLive(taken) {
    if (taken !== undefined) liveTaken = taken;
    liveText.textContent = liveTaken ? TEXT.liveTaken : TEXT.liveWaiting;
    liveBar.hidden = false;
    note.hidden = true;
    if (live && (stream || livePoll)) return;
    live = true;
    if (window.EventSource) {
      stream = new EventSource(server + "/api/live?session=" + encodeURIComponent(session));
      stream.addEventListener("reply", function (event) {
        var item = JSON.parse(event.data);
        if (showNotification(item)) {
          render();
          if (!panel.hidden) confirmSeen([item.id]);
        }
      });
      stream.addEventListener("taken", function () { startLive(true); });
      stream.addEventListener("ended", function () { stopLive(); fetchNews(); });
      stream.onerror = function () {
        if (stream && stream.readyState === EventSource.CLOSED) {
          stream = null;
          livePoll = setInterval(fetchNews, LIVE_POLL_MS);
        }
      };
    } else {
      livePoll = setInterval(fetchNews, LIVE_POLL_MS);
    }
  }

  function stopLive() {
    live = false;
    liveTaken = false;
    liveBar.hidden = true;
    note.hidden = false;
    if (stream) { stream.close(); stream = null; }
    if (livePoll) { clearInterval(livePoll); livePoll = null; }
  }

  liveBack.addEventListener("click", function () {
    ask(TEXTS.de.liveBackSaid, TEXT.liveBackSaid);
    backToTyping();
  });

  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    readHeld();
    render();
    fetchNews();
    lookForNews(NEWS_EVERY_MS);
    input.focus();
    save("open", true);
    return preselect();
  }

  function shut() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    clearInterval(newsTimer);
    if (history.length) lookForNews(NEWS_CLOSED_EVERY_MS);
    launcher.focus();
    save("open", false);
  }

  launcher.addEventListener("click", function () {
    if (panel.hidden) open(); else shut();
  });
  close.addEventListener("click", shut);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") shut();
  });

  // "Verlauf löschen" names what would go, and offers the conversation alone.
  var forgetBox = el("div", { class: "sa-forget", role: "alertdialog", "aria-modal": "false", "aria-labelledby": "sa-forget-title", "aria-describedby": "sa-forget-what" });
  forgetBox.hidden = true;
  panel.insertBefore(forgetBox, log);

  function forgetList(data) {
    var list = el("ul", { id: "sa-forget-what", class: "sa-forget-what" });
    list.appendChild(el("li", {}, TEXT.forgetConversation));
    var own = data.suggestions || [];
    if (own.length) {
      list.appendChild(el("li", {}, TEXT.forgetSuggestions + own.map(function (s) {
        var facts = [s.status];
        if (s.published) facts.push(TEXT.forgetPublished);
        if (s.supporters) facts.push(TEXT.forgetSupporters(s.supporters));
        return s.reference + " (" + facts.join(", ") + ")";
      }).join("; ")));
    }
    if (data.supports) list.appendChild(el("li", {}, TEXT.forgetSupports + data.supports));
    if (data.messages) list.appendChild(el("li", {}, TEXT.forgetMessages + data.messages));
    var followed = data.follows || [];
    if (followed.length) list.appendChild(el("li", {}, TEXT.forgetFollows + followed.join(", ")));
    if (!own.length && !data.supports && !data.messages && !followed.length) {
      list.appendChild(el("li", {}, TEXT.forgetNothingElse));
    }
    return list;
  }

  function closeForget() {
    forgetBox.hidden = true;
    forgetBox.textContent = "";
    clear.focus();
  }

  function forget(scope) {
    post("/api/forget", { session: session, scope: scope }).then(function () {
      forgetBox.hidden = true;
      forgetBox.textContent = "";
      startAnew();
      problem.hidden = true;
      render();
      input.focus();
      preselect();
    }, function (error) { closeForget(); showProblem(error.message); });
  }

  function askForget(data) {
    forgetBox.textContent = "";
    forgetBox.appendChild(el("h3", { id: "sa-forget-title", class: "sa-forget-title" }, TEXT.forgetTitle));
    forgetBox.appendChild(forgetList(data));
    var handedIn = (data.suggestions || []).length || data.supports || data.messages;
    var all = el("button", { type: "button", class: "sa-choice sa-danger" }, TEXT.forgetAll);
    all.addEventListener("click", function () { forget("all"); });
    forgetBox.appendChild(all);
    forgetBox.appendChild(el("p", { class: "sa-forget-note" }, TEXT.forgetAllNote));
    if (handedIn) {
      var only = el("button", { type: "button", class: "sa-choice" }, TEXT.forgetOnly);
      only.addEventListener("click", function () { forget("conversation"); });
      forgetBox.appendChild(only);
      forgetBox.appendChild(el("p", { class: "sa-forget-note" }, TEXT.forgetOnlyNote));
    }
    var cancel = el("button", { type: "button", class: "sa-choice" }, TEXT.forgetCancel);
    cancel.addEventListener("click", closeForget);
    forgetBox.appendChild(cancel);
    forgetBox.hidden = false;
    all.focus();
  }

  clear.addEventListener("click", function () {
    fetch(api("/api/forget?session=" + encodeURIComponent(session)))
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (!response.ok) throw new Error(data.error || offline());
          return data;
        });
      }, function () { throw new Error(offline()); })
      .then(askForget, function (error) { showProblem(error.message); });
  });
  forgetBox.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { event.stopPropagation(); closeForget(); }
  });

  // Unstyled, the widget would flash at the page's end: it shows with its
  // stylesheet (or without, if that cannot load). Only then can the log scroll.
  root.hidden = true;
  function styled() {
    root.hidden = false;
    if (!panel.hidden) showNewest();
  }
  css.addEventListener("load", styled);
  css.addEventListener("error", styled);

  if (load("open", false)) {
    open();
  } else if (history.length) {
    fetchNews();
    lookForNews(NEWS_CLOSED_EVERY_MS);
    showUnread();
  }

  // For the city's own pages: the board's "Im Chat unterstützen" and
  // "Idee einreichen". `shown` is what the log shows instead of a payload.
  window.StadtAssistent = {
    say: function (text, shown) {
      var switching = panel.hidden ? open() : null;
      if (switching) switching.then(function () { ask(text, shown); }); else ask(text, shown);
    },
  };
})();
