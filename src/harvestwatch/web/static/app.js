// Workbench behaviour: show the extracted item behind a highlight, scroll cited spans into view.
(function () {
  "use strict";
  function text(el, value) { el.textContent = value == null ? "" : String(value); return el; }
  function showItem(mark) {
    var data = document.getElementById("items-data");
    var panel = document.getElementById("item-panel");
    if (!data || !panel) return;
    var items = JSON.parse(data.textContent);
    var item = items[mark.dataset.item];
    if (!item) return;
    panel.replaceChildren();
    panel.appendChild(text(document.createElement("h2"), item.item_type + " · " + item.label));
    var q = document.createElement("blockquote");
    panel.appendChild(text(q, item.text));
    var dl = document.createElement("dl");
    var fields = [["canonical", item.canonical], ["span", item.start + "–" + item.end]];
    Object.keys(item.data || {}).forEach(function (k) {
      var v = item.data[k];
      if (k === "decided_by" && Array.isArray(v)) {  // the words that decided what a quantity counts
        if (v.length) fields.push(["why: " + (item.data.what || ""), v.map(function (c) { return "“" + c.word + "” (" + c.role + ")"; }).join(", ")]);
        return;
      }
      if (v !== null && v !== "" && !(Array.isArray(v) && !v.length)) fields.push([k, typeof v === "object" ? JSON.stringify(v) : v]);
    });
    fields.forEach(function (f) {
      if (f[1] == null) return;
      dl.appendChild(text(document.createElement("dt"), f[0]));
      dl.appendChild(text(document.createElement("dd"), f[1]));
    });
    panel.appendChild(dl);
    var tpl = document.getElementById("review-form");
    if (tpl) {
      var form = tpl.content.firstElementChild.cloneNode(true);
      form.action = "/review/" + item.id;
      panel.appendChild(form);
    }
    document.querySelectorAll("mark.selected").forEach(function (m) { m.classList.remove("selected"); });
    mark.classList.add("selected");
  }
  document.addEventListener("click", function (ev) {
    var mark = ev.target.closest("mark[data-item]");
    if (mark) { ev.stopPropagation(); showItem(mark); }
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && ev.target.matches && ev.target.matches("mark[data-item]")) showItem(ev.target);
  });
  function scrollToHash() {
    if (!location.hash.startsWith("#span-")) return;
    var el = document.getElementById(location.hash.slice(1));
    if (el) { el.classList.add("target"); el.scrollIntoView({block: "center"}); }
  }
  window.addEventListener("hashchange", scrollToHash);
  document.addEventListener("DOMContentLoaded", scrollToHash);
})();
