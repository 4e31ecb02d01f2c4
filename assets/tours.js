// Walk Me Through: runs a tour the server describes (portal/state/tours.py) with driver.js.
//
// The tour arrives as a prop: {key, run, route, steps: [{title, text, element: [selectors],
// action, wait}]}. `run` changes each time the contact starts a tour, so a page that mounts this
// component again (every page does) does not start the same tour twice. The driver lives here at
// module level, not in the component, so a tour survives the page changing under it.
//
// A step highlights the first of its selectors that is visible on this screen (the desktop menu
// on a desktop, the menu button on a phone); a step with none visible is skipped. A step with an
// `action` ("click", "change", "input") hides Next and waits for the contact to do it on the
// element. driver.js's keyboard control stays on: ArrowRight/ArrowLeft move, Escape closes.
import { useEffect } from "react";
import { driver } from "driver.js";
import "driver.js/dist/driver.css";

let active = null; // {drv, run, key, finished}
let lastRun = null;
let report = null; // the newest component's onEnd: (key, finished) => void

const visible = (el) =>
  !!el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";

const firstVisible = (selectors) => {
  for (const selector of selectors) {
    for (const el of document.querySelectorAll(selector)) {
      if (visible(el)) return el;
    }
  }
  return undefined;
};

const samePath = (a, b) => (a || "/").replace(/\/+$/, "") === (b || "/").replace(/\/+$/, "");

// A pop-up (the tour list, the first-login offer) has just closed: Radix keeps the page inert
// until its closing animation ends, and the tour must not start under it.
const settled = () =>
  new Promise((resolve) => {
    const started = Date.now();
    const check = () => {
      const blocked =
        document.body.style.pointerEvents === "none" ||
        document.querySelector("[role=dialog][data-state=open], [role=alertdialog][data-state=open]");
      if (!blocked || Date.now() - started > 3000) resolve();
      else window.setTimeout(check, 50);
    };
    window.setTimeout(check, 50);
  });

const editable = (el) =>
  !!el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));

// Arrow keys move the caret in a field the contact is typing in, not the tour.
const keepArrowsInFields = (event) => {
  if ((event.key === "ArrowRight" || event.key === "ArrowLeft") && editable(event.target)) {
    event.stopImmediatePropagation();
  }
};

const finish = (how) => {
  if (!active) return;
  const { key, finished } = active;
  active = null;
  window.removeEventListener("keyup", keepArrowsInFields, true);
  if (report) report(key, finished || how === "finished");
};

const toDriverStep = (step, index, steps, state) => {
  const waits = !!step.action;
  let detach = null;
  const last = index === steps.length - 1;
  return {
    element: step.element && step.element.length ? () => firstVisible(step.element) : undefined,
    waitForElement: step.wait || 0,
    popover: {
      title: step.title,
      description: step.text,
      showButtons: waits ? ["previous", "close"] : ["next", "previous", "close"],
      // Next, ArrowRight and Done on a step that waits do nothing: the contact's action moves on.
      ...(waits ? { onNextClick: () => {}, onDoneClick: () => {} } : {}),
    },
    onHighlighted: (element) => {
      if (!waits || !element) return;
      const go = () => {
        if (state.drv.getActiveIndex() !== index) return;
        if (last) {
          state.finished = true;
          state.drv.destroy();
        } else {
          state.drv.moveNext();
        }
      };
      const eventName = step.action === "click" ? "click" : step.action;
      element.addEventListener(eventName, go);
      detach = () => element.removeEventListener(eventName, go);
    },
    onDeselected: () => {
      if (detach) detach();
      detach = null;
    },
  };
};

const start = async (tour) => {
  await settled();
  if (active) active.drv.destroy();
  const state = { run: tour.run, key: tour.key, finished: false, drv: null };
  const steps = tour.steps.map((step, i) => toDriverStep(step, i, tour.steps, state));
  state.drv = driver({
    steps,
    allowKeyboardControl: true,
    allowClose: true,
    skipMissingElement: true,
    overlayClickBehavior: () => {},
    popoverClass: "portal-tour",
    onDoneClick: () => {
      state.finished = true;
      state.drv.destroy();
    },
    nextBtnText: "Next",
    prevBtnText: "Back",
    doneBtnText: "Done",
    stagePadding: 6,
    onDestroyed: () => {
      if (active === state) finish(state.finished ? "finished" : "closed");
    },
  });
  active = state;
  window.addEventListener("keyup", keepArrowsInFields, true);
  state.drv.drive();
};

export function PortalTour({ tour, onEnd }) {
  report = onEnd;
  const run = tour ? tour.run : null;
  useEffect(() => {
    if (!tour || !run || run === lastRun || !tour.steps || !tour.steps.length) return;
    if (tour.route && !samePath(window.location.pathname, tour.route)) return;
    lastRun = run;
    start(tour);
  });
  return null;
}
