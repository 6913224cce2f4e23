/* The public board: "Im Chat unterstützen" opens the widget and sends
 * "Ich unterstütze V-…", so a support counts once for the chat's citizen;
 * "Im Chat folgen" sends "V-… folgen", which the chat asks about first;
 * "Idee einreichen" opens it at the suggestion form. The board in English
 * (?sprache=en) says both in English, as the page does.
 * Without JavaScript the page says what to type instead. */
(function () {
  "use strict";
  var english = document.documentElement.lang === "en";
  document.querySelectorAll("[data-support]").forEach(function (button) {
    if (!window.StadtAssistent) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      window.StadtAssistent.say((english ? "I support " : "Ich unterstütze ") + button.dataset.support);
    });
  });
  // Following asks first in the chat: what comes, how often, how to stop.
  document.querySelectorAll("[data-follow]").forEach(function (button) {
    if (!window.StadtAssistent) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      window.StadtAssistent.say((english ? "Follow " : "") + button.dataset.follow + (english ? "" : " folgen"));
    });
  });
  document.querySelectorAll("[data-submit-idea]").forEach(function (button) {
    if (!window.StadtAssistent) return;
    button.hidden = false;
    var fallback = button.parentElement.querySelector("[data-submit-idea-fallback]");
    if (fallback) fallback.hidden = true;
    button.addEventListener("click", function () {
      window.StadtAssistent.say("/submit_suggestion", english ? "I would like to submit an idea" : "Ich möchte eine Idee einreichen");
    });
  });
})();
