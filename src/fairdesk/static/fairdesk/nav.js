/* The menu button of narrow screens (base.html, site.css).
 *
 * On a phone the navigation (the site's and the section's: portal, console) folds behind one
 * button, so that the header takes one row instead of four. The button says whether the menu is
 * open (aria-expanded) and controls the elements named in its aria-controls; Escape closes the
 * menu and gives the focus back to the button. Wide screens show everything and no button.
 * Without this script nothing folds (the class "js" on <html> is what site.css folds on).
 * No inline code: the Content-Security-Policy allows none.
 */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function controlled(button) {
    return (button.getAttribute("aria-controls") || "")
      .split(/\s+/)
      .map(function (id) { return id && document.getElementById(id); })
      .filter(Boolean);
  }

  function setOpen(button, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    controlled(button).forEach(function (element) {
      element.classList.toggle("open", open);
    });
  }

  function wire(button) {
    button.addEventListener("click", function () {
      setOpen(button, button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        setOpen(button, false);
        button.focus();
      }
    });
  }

  function start() {
    document.querySelectorAll("[data-menu-toggle]").forEach(wire);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
