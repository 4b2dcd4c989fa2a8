/* The assistant chat: suggestion buttons ask their question, the form clears after an answer, the
 * conversation id is kept for follow-ups, and the newest answer scrolls into view. Charts are drawn by
 * charts.js on htmx:load like everywhere else. */
(function () {
  "use strict";
  var form = document.getElementById("ask-form");
  if (!form) { return; }
  var input = document.getElementById("question");

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-question]");
    if (!button) { return; }
    input.value = button.dataset.question;
    form.requestSubmit();
  });

  document.body.addEventListener("assistant:answered", function (event) {
    document.getElementById("ask-conversation").value = event.detail.conversation;
    var errors = document.getElementById("ask-error");
    if (errors) { errors.innerHTML = ""; }
    var empty = document.getElementById("assistant-empty");
    if (empty) { empty.remove(); }
    input.value = "";
    input.focus();
    var answers = document.querySelectorAll("#messages .bubble-assistant");
    if (answers.length) { answers[answers.length - 1].scrollIntoView({ block: "nearest" }); }
  });

  document.body.addEventListener("htmx:responseError", function (event) {
    var box = document.getElementById("ask-error");
    if (!box) { return; }
    var xhr = event.detail.xhr;
    if (xhr.status === 400) {
      box.innerHTML = xhr.responseText;  // the server's own error fragment (assistant/_error.html)
    } else {
      box.textContent = xhr.status === 429 ? xhr.responseText : "Something went wrong (" + xhr.status + "); try again.";
    }
  });
})();
