/* The final's ranking ballot: drag to reorder, or Up/Down buttons (which also work without
   JavaScript, as submit buttons the server answers by re-rendering the order). Here the
   buttons move the item in place, keep the keyboard focus on it and announce the move. */
(function () {
  "use strict";
  var list = document.getElementById("ballot");
  var live = document.getElementById("ballot-live");
  if (!list) { return; }

  function items() { return Array.prototype.slice.call(list.querySelectorAll(".ballot-item")); }

  function refresh() {
    var all = items();
    all.forEach(function (item, index) {
      item.querySelector(".ballot-position").textContent = String(index + 1);
      item.querySelector("[data-position]").textContent = String(index + 1);
      item.querySelector('[data-move="up"]').disabled = index === 0;
      item.querySelector('[data-move="down"]').disabled = index === all.length - 1;
    });
  }

  function announce(item) {
    var position = items().indexOf(item) + 1;
    var title = item.querySelector(".ballot-title strong").textContent;
    if (live) { live.textContent = title + " is now at position " + position + " of " + items().length + "."; }
  }

  list.addEventListener("click", function (event) {
    var button = event.target.closest("[data-move]");
    if (!button) { return; }
    event.preventDefault();
    var item = button.closest(".ballot-item");
    var direction = button.getAttribute("data-move");
    if (direction === "up" && item.previousElementSibling) {
      list.insertBefore(item, item.previousElementSibling);
    } else if (direction === "down" && item.nextElementSibling) {
      list.insertBefore(item.nextElementSibling, item);
    }
    refresh();
    var same = item.querySelector('[data-move="' + direction + '"]');
    (same.disabled ? item.querySelector("[data-move]:not([disabled])") : same).focus();
    announce(item);
  });

  var dragged = null;
  list.addEventListener("dragstart", function (event) {
    dragged = event.target.closest(".ballot-item");
    if (dragged) { dragged.classList.add("dragging"); event.dataTransfer.effectAllowed = "move"; }
  });
  list.addEventListener("dragover", function (event) {
    if (!dragged) { return; }
    event.preventDefault();
    var over = event.target.closest(".ballot-item");
    if (!over || over === dragged) { return; }
    var box = over.getBoundingClientRect();
    var after = event.clientY > box.top + box.height / 2;
    list.insertBefore(dragged, after ? over.nextElementSibling : over);
  });
  list.addEventListener("dragend", function () {
    if (!dragged) { return; }
    dragged.classList.remove("dragging");
    refresh();
    announce(dragged);
    dragged = null;
  });
})();
