// Walk Me Through: runs a tour the server describes (portal/state/tour_catalog.py) with driver.js.
//
// The tour arrives as a prop: {key, run, route, steps: [{title, text, element: [selectors],
// action, wait}]}. `run` changes each time the contact starts a tour, so a page that mounts this
// component again (every page does) does not start the same tour twice. The driver lives here at
// module level, not in the component, so a tour survives the page changing under it.
//
// A step highlights the first of its selectors that is visible on this screen (the desktop menu
// on a desktop, the menu button on a phone); a step with none visible is skipped. A step with an
// `action` ("click", or "change": a value chosen, a field filled in and left) hides Next and waits
// for the contact to do it on the element. driver.js's keyboard control stays on: ArrowRight and
// ArrowLeft move (not while the caret is in a field), Escape closes.
import { useEffect } from "react";
import { driver } from "driver.js";
import "driver.js/dist/driver.css";

const ACTIONS = ["click", "change"];

let active = null; // {tour, drv, ended}
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

// A pop-up (the list of tours) has just closed: Radix keeps the page inert until its closing
// animation ends, and the tour must not start under it.
const settled = () =>
  new Promise((resolve) => {
    const started = Date.now();
    const check = () => {
      const blocked =
        document.body.style.pointerEvents === "none" ||
        document.querySelector("[role=dialog][data-state=open]");
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

const listen = (on) => {
  const method = on ? "addEventListener" : "removeEventListener";
  window[method]("keyup", keepArrowsInFields, true);
  for (const name of ACTIONS) document[method](name, onAction, true);
};

// Finished (Done, or the last step's action) or closed (Escape, the close button): reported once.
const end = (state, finished) => {
  if (state.ended) return;
  state.ended = true;
  state.drv.destroy();
  if (active !== state) return;
  active = null;
  listen(false);
  if (report) report(state.tour.key, finished);
};

// The contact did what the current step waits for, on its element (found again by its selectors,
// since the page may have drawn the element anew since it was highlighted).
function onAction(event) {
  const state = active;
  const index = state ? state.drv.getActiveIndex() : undefined;
  const step = index === undefined ? undefined : state.tour.steps[index];
  const target = event.target;
  if (!step || step.action !== event.type || !(target instanceof Element)) return;
  if (!step.element.some((selector) => target.closest(selector))) return;
  // After the page has handled the event (a save, a choice) and only if nothing moved meanwhile.
  window.setTimeout(() => {
    if (active !== state || state.drv.getActiveIndex() !== index) return;
    if (index === state.tour.steps.length - 1) end(state, true);
    else state.drv.moveNext();
  }, 0);
}

const toDriverStep = (step) => {
  const waits = !!step.action;
  return {
    element: step.element && step.element.length ? () => firstVisible(step.element) : undefined,
    waitForElement: step.wait || 0,
    // A link or button the tour only points at is not followed by a stray click (the tour would
    // lose its page); a field stays usable, so the contact can fill the form in as it goes.
    onHighlightStarted: (element) => {
      if (element && !waits && !editable(element)) element.classList.add("driver-no-interaction");
    },
    popover: {
      title: step.title,
      description: step.text,
      showButtons: waits ? ["previous", "close"] : ["next", "previous", "close"],
      // Next, ArrowRight and Done on a step that waits do nothing: the contact's action moves on.
      ...(waits ? { onNextClick: () => {}, onDoneClick: () => {} } : {}),
    },
  };
};

const start = async (tour) => {
  await settled();
  if (active) {
    const previous = active;
    active = null;
    previous.ended = true;
    previous.drv.destroy();
  }
  const state = { tour, drv: null, ended: false };
  state.drv = driver({
    steps: tour.steps.map(toDriverStep),
    animate: !window.matchMedia("(prefers-reduced-motion: reduce)").matches,
    allowKeyboardControl: true,
    allowClose: true,
    skipMissingElement: true,
    overlayClickBehavior: () => {},
    popoverClass: "portal-tour",
    nextBtnText: "Next",
    prevBtnText: "Back",
    doneBtnText: "Done",
    stagePadding: 6,
    onDoneClick: () => end(state, true),
    // Escape, the close button, or running past the last step.
    onDestroyStarted: () => end(state, false),
  });
  active = state;
  listen(true);
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
