// Click to enlarge: every image in the article that is shown smaller than its natural width
// gets the class gb-zoomable and opens, on a click, in a full-window overlay at its natural
// size (scrollable if larger than the window). A click or Escape closes the overlay.
// Styles in book.css. tools/check_book.py checks that every shrunk image is marked.
(function () {
  "use strict";
  const HINT = "Click to enlarge";

  function mark(img) {
    const shown = img.getBoundingClientRect().width;
    const zoomable = img.naturalWidth > 0 && shown > 0 && shown < img.naturalWidth - 1;
    img.classList.toggle("gb-zoomable", zoomable);
    if (zoomable && !img.title) img.title = HINT;
    if (!zoomable && img.title === HINT) img.removeAttribute("title");
  }

  function close() {
    const overlay = document.querySelector(".gb-overlay");
    if (overlay) overlay.remove();
  }

  function open(img) {
    close();
    const overlay = document.createElement("div");
    overlay.className = "gb-overlay";
    const copy = document.createElement("img");
    copy.src = img.currentSrc || img.src;
    copy.alt = img.alt;
    overlay.appendChild(copy);
    overlay.addEventListener("click", close);
    document.body.appendChild(overlay);
  }

  function start() {
    const article = document.querySelector("article") || document.body;
    // Sizes change when an image loads, when the window is resized and when a hidden part
    // of the page is opened: watch every image, and images added later (animations, widgets).
    const resized = new ResizeObserver((entries) => entries.forEach((e) => mark(e.target)));
    function watch(img) {
      img.addEventListener("load", () => mark(img));
      resized.observe(img);
      mark(img);
    }
    article.querySelectorAll("img").forEach(watch);
    new MutationObserver((changes) => changes.forEach((change) => change.addedNodes.forEach((node) => {
      if (node.nodeType !== Node.ELEMENT_NODE) return;
      if (node.tagName === "IMG") watch(node);
      else node.querySelectorAll("img").forEach(watch);
    }))).observe(article, {childList: true, subtree: true});
    article.addEventListener("click", (event) => {
      if (!(event.target.classList && event.target.classList.contains("gb-zoomable"))) return;
      event.preventDefault(); // a figure may link to its file: enlarge it instead
      open(event.target);
    });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape") close();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
