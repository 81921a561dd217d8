(function () {
  "use strict";
  var form = document.getElementById("filters");
  if (form) {
    form.hidden = false;
    var apply = function () {
      var wanted = {};
      form.querySelectorAll("input[type=checkbox]").forEach(function (box) {
        wanted[box.name + ":" + box.value] = box.checked;
      });
      document.querySelectorAll("[data-severity][data-kind]").forEach(function (el) {
        el.hidden = !(wanted["severity:" + el.dataset.severity] && wanted["kind:" + el.dataset.kind]);
      });
      document.querySelectorAll("details.role, section.severity").forEach(function (group) {
        group.hidden = !group.querySelector("details.finding:not([hidden])");
      });
    };
    form.addEventListener("change", apply);
  }
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
