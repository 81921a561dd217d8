(function () {
  "use strict";
  // Everything here only adds conveniences; with scripts off the page shows every finding, folded or not.
  var box = document.getElementById("filters");
  var form = box && box.querySelector("form");
  var toolbar = document.getElementById("toolbar");
  var search = document.getElementById("search");
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-anchor]"));
  var apply = function () {
    var wanted = {};
    if (form) {
      form.querySelectorAll("input[type=checkbox]").forEach(function (box) {
        wanted[box.name + ":" + box.value] = box.checked;
      });
    }
    var query = search ? search.value.trim().toLowerCase() : "";
    var shown = {};
    rows.forEach(function (row) {
      var kept = (!form || (wanted["severity:" + row.dataset.severity] && wanted["kind:" + row.dataset.kind])) &&
        (!query || row.textContent.toLowerCase().indexOf(query) !== -1);
      row.hidden = !kept;
      shown[row.dataset.anchor] = kept;
    });
    document.querySelectorAll("details.finding").forEach(function (finding) {
      finding.hidden = shown[finding.id] === false;
    });
    document.querySelectorAll("details.role, section.severity").forEach(function (group) {
      group.hidden = !group.querySelector("details.finding:not([hidden])");
    });
  };
  if (form) {
    box.hidden = false;
    form.addEventListener("change", apply);
    var fold = function (open) {
      document.querySelectorAll("details.finding").forEach(function (finding) { finding.open = open; });
    };
    document.getElementById("expand-all").addEventListener("click", function () { fold(true); });
    document.getElementById("collapse-all").addEventListener("click", function () { fold(false); });
  }
  if (toolbar) {
    toolbar.hidden = false;
    search.addEventListener("input", apply);
  }
  // A link to a folded finding opens it; printing opens them all.
  var reveal = function () {
    var target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target && target.tagName === "DETAILS") { target.open = true; }
  };
  window.addEventListener("hashchange", reveal);
  reveal();
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (details) { details.open = true; });
  });
  document.querySelectorAll("pre").forEach(function (pre) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.textContent = "Copy";
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(pre.innerText).then(function () {
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = "Copy"; }, 1500);
      });
    });
    pre.parentNode.insertBefore(button, pre);
  });
})();
