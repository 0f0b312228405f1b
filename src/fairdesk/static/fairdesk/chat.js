/* A conversation page — the customer's chat (portal/contact_chat.html) and the agent's
 * (console/contact_conversation.html): the newest message in view.
 *
 * On opening the page (and after sending, which reloads it), the newest message is brought into
 * view with the reply box under it. The conversation refreshes itself every few seconds (htmx
 * polling swaps #conversation's content): when a new message arrives and the reader was
 * following the end of the conversation, it is brought into view too; a reader who scrolled up
 * to read earlier messages is left where they are. No inline code: the CSP allows none.
 */
(function () {
  "use strict";

  function newest(conversation) {
    var messages = conversation.querySelectorAll("[data-message]");
    return messages.length ? messages[messages.length - 1] : null;
  }

  function visible(element) {
    var box = element.getBoundingClientRect();
    return box.bottom > 0 && box.top < window.innerHeight;
  }

  function reveal(conversation) {
    var last = newest(conversation);
    if (!last) { return; }
    var reply = document.getElementById("say") || document.getElementById("reply");
    if (reply) { reply.scrollIntoView({ block: "end" }); }
    if (!visible(last) || last.getBoundingClientRect().top < 0) {
      last.scrollIntoView({ block: "end" });
    }
  }

  function start() {
    var conversation = document.querySelector("[data-conversation]");
    if (!conversation) { return; }
    var following = true;
    var lastId = null;
    reveal(conversation);
    /* after the browser's own jump to #say, once the page has its final height */
    window.addEventListener("load", function () { reveal(conversation); });
    document.body.addEventListener("htmx:beforeSwap", function (event) {
      if (event.detail.target !== conversation) { return; }
      var last = newest(conversation);
      lastId = last ? last.getAttribute("data-message") : null;
      following = !last || visible(last);
    });
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target !== conversation) { return; }
      var last = newest(conversation);
      if (following && last && last.getAttribute("data-message") !== lastId) {
        reveal(conversation);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
