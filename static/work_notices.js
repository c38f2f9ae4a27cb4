// Notices that a download or load you started has ended (live/_work_notice.html), added to
// #work-notices by your live socket on whatever page you have open; they follow the tab from
// page to page. Each is dismissed with its button (or all at once); only the newest few stay.
// If you allowed it (asked only when you click the notice's button for it), each is also a
// browser notification while the panel is not in front: one per notice, however many of your
// tabs get it (they share its tag).
(() => {
  "use strict";

  const KEPT = 5;
  const TITLE = "Pieces OS model panel";

  const canNotify = () => "Notification" in window;

  function lookingAtThePanel() {
    return document.visibilityState === "visible" && document.hasFocus();
  }

  // The offer to turn browser notifications on: on the newest notice, while the browser has not
  // been asked.
  function showPermissionOffers() {
    const ask = canNotify() && Notification.permission === "default";
    const offers = [...document.querySelectorAll("#work-notices .notify-permission")];
    offers.forEach((button, index) => {
      button.hidden = !ask || index !== offers.length - 1;
    });
  }

  // Said once to screen readers, in the page's one status area; not where the model's own row
  // or card is shown, which says it already (static/live.js).
  function announce(notice) {
    const announcer = document.getElementById("announcer");
    if (announcer && !document.getElementById(`model-${notice.dataset.model}`)) {
      announcer.textContent = notice.dataset.notify;
    }
  }

  function notify(notice) {
    if (!canNotify() || Notification.permission !== "granted" || lookingAtThePanel()) return;
    const shown = new Notification(TITLE, { body: notice.dataset.notify, tag: notice.id });
    shown.addEventListener("click", () => window.focus());
  }

  // "Dismiss all" while two or more are shown; and room at the page's end as tall as the
  // stack, so that the last rows can be scrolled out from under it.
  function layout() {
    const area = document.getElementById("work-notices");
    const stack = area.parentElement;
    const count = area.querySelectorAll(".work-notice").length;
    stack.querySelector(".notices-dismiss-all").hidden = count < 2;
    document.body.style.paddingBottom = count ? `${stack.offsetHeight + 16}px` : "";
  }

  // A notice stays with its tab until dismissed: the page being left hands those it shows to
  // the tab's next page (one may come as the page is being left, when an action's answer is a
  // new page). The panel may also send the next page one of them: it is shown once.
  const CARRIED = "panel.workNotices";

  function carryOver() {
    const area = document.getElementById("work-notices");
    const notices = [...area.querySelectorAll(".work-notice")].map((notice) => notice.outerHTML);
    const account = area.dataset.account;
    sessionStorage.setItem(CARRIED, JSON.stringify({ account, notices }));
  }

  // Only to the same account's next page: whoever logs in next in this tab sees none of them.
  function takeCarried(area) {
    const carried = JSON.parse(sessionStorage.getItem(CARRIED) || "null");
    sessionStorage.removeItem(CARRIED);
    if (!carried || carried.account !== area.dataset.account) return;
    const template = document.createElement("template");
    template.innerHTML = carried.notices.join("");
    template.content.querySelectorAll(".work-notice").forEach((notice) => {
      notice.dataset.seen = ""; // told on the page it came to
      area.append(notice);
    });
    htmx.process(area);
  }

  function dropRepeats(area) {
    const ids = new Set();
    area.querySelectorAll(".work-notice[id]").forEach((notice) => {
      if (ids.has(notice.id)) notice.remove();
      else ids.add(notice.id);
    });
  }

  function noticesArrived(area) {
    dropRepeats(area);
    area.querySelectorAll(".work-notice[data-notify]:not([data-seen])").forEach((notice) => {
      notice.dataset.seen = "";
      announce(notice);
      notify(notice);
    });
    // A retry's answer took its notice's place, and the focus with it: back to the answer.
    area.querySelectorAll(".work-notice[data-retried]:not([data-seen])").forEach((answer) => {
      answer.dataset.seen = "";
      const focused = document.activeElement;
      if (!focused || focused === document.body) answer.querySelector(".notice-dismiss").focus();
    });
    const notices = [...area.querySelectorAll(".work-notice")];
    notices.slice(0, Math.max(0, notices.length - KEPT)).forEach((old) => old.remove());
    showPermissionOffers();
    layout();
  }

  function dismiss(notice) {
    const hadFocus = notice.contains(document.activeElement);
    const next = notice.nextElementSibling || notice.previousElementSibling;
    notice.remove();
    showPermissionOffers();
    layout();
    if (!hadFocus) return;
    const target = next && next.querySelector(".notice-dismiss");
    if (target) target.focus();
    else document.getElementById("main").focus();
  }

  function dismissAll() {
    document.querySelectorAll("#work-notices .work-notice").forEach((notice) => notice.remove());
    layout();
    document.getElementById("main").focus();
  }

  document.addEventListener("click", (event) => {
    if (event.target.closest && event.target.closest(".notices-dismiss-all")) {
      dismissAll();
      return;
    }
    const button = event.target.closest && event.target.closest("#work-notices button[type=button]");
    if (!button) return;
    if (button.classList.contains("notice-dismiss")) dismiss(button.closest(".work-notice"));
    if (button.classList.contains("notify-permission") && canNotify()) {
      Notification.requestPermission().then(showPermissionOffers);
    }
  });

  document.addEventListener("DOMContentLoaded", () => {
    const area = document.getElementById("work-notices");
    if (!area) return;
    takeCarried(area);
    showPermissionOffers();
    layout();
    new MutationObserver(() => noticesArrived(area)).observe(area, { childList: true });
    window.addEventListener("pagehide", carryOver);
  });
})();
