//! The projector: a 1920×1080 screen read from the back of a room. Join code and QR code, the
//! number of participants who joined per group, the phase question, live statements, dots after the
//! reveal, rules with their support, the countdown, and the item in focus highlighted. With the
//! workshop method: clusters (title and number of statements, dots after the reveal), the
//! status of each rule, how many are ready, and the review of a follow-up once revealed.
//!
//! It joins with the code only and sends no intents. The main area is rebuilt when what it shows
//! changes (nobody types here). After every render and on every resize `fit` looks for the
//! number of columns (from one to five) and the largest font size (up to a little above the base size, down to a
//! floor that is still readable) at which everything fits the screen. Only when even the floor
//! does not fit does the content move: a slow scroll from top to bottom and back, or, for a
//! viewer who prefers reduced motion, whole pages at a time. An item in focus stops the
//! movement and is scrolled into view.

import { h, replace, setText } from '../dom.js';
import { t, lang, loc, levelName, groupName, onLangChange } from '../i18n.js';
import { Store } from '../store.js';
import { Connection } from '../connection.js';
import { langSwitch, connectionBanner, timerDisplay, qrImage } from '../widgets.js';
import { rankedStatements, levelRules, priorities, supportResults, priorityItems, statusBadge, reviewResults, assessmentResults, carriedRules } from '../results.js';

/**
 * Readable from the back of the room: never smaller than 1.5 % of the screen's height (the same
 * size on the wall at 720p as at 1080p: 16 px and 11 px), and never below 10 px.
 */
const FLOOR_VH = 0.015;
/** How far the text may grow above the base size when there is room. */
const MAX_SCALE = 1.25;
/** Auto-scroll: pixels per second (as a share of the screen height) and the pause at each end. */
const SCROLL_SPEED_VH = 0.03;
const SCROLL_PAUSE_MS = 2000;
/** Paging (reduced motion): how long each page stays. */
const PAGE_MS = 6000;

/**
 * Fit `content` into its box: try 1 to 5 columns (when it holds a list that can flow in
 * columns; a summary flows through the columns as a whole) and for each the largest font size between the
 * floor and the maximum that fits; keep the fewest columns that reach the largest size.
 * Returns the font size when everything fits without scrolling, else 0.
 */
export function fit(content, base) {
  const floor = Math.max(10, window.innerHeight * FLOOR_VH);
  const max = Math.max(floor, base * MAX_SCALE);
  // scrollHeight is never less than clientHeight; the last child's bottom tells how much room
  // is left, with a pixel to spare (columns are balanced in whole pixels).
  // A word wider than its card does not fit either: words are never cut (the projector's text
  // does not wrap inside a word, so such a word sticks out of its box, which is measurable).
  const texts = content.querySelectorAll('.user-text, .rank-bar, .support-row');
  const wordsFit = () => Array.prototype.every.call(texts, (el) => el.scrollWidth <= el.clientWidth + 1);
  const fits = () => {
    if (content.scrollHeight > content.clientHeight || content.scrollWidth > content.clientWidth + 1) return false;
    const last = content.lastElementChild;
    if (last && last.getBoundingClientRect().bottom > content.getBoundingClientRect().bottom - 1) return false;
    return wordsFit();
  };
  content.classList.remove('break-words');
  const set = (cols, size) => {
    content.style.setProperty('--cols', String(cols));
    content.style.fontSize = `${size.toFixed(2)}px`;
  };
  let options = [1];
  if (content.classList.contains('summary')) options = [1, 2, 3, 4];
  else if (content.querySelector('.cards')) options = [1, 2, 3, 4, 5];
  else if (content.querySelector('.ranking, .support-list')) options = [1, 2, 3, 4];
  let best = null;
  for (const cols of options) {
    set(cols, max);
    if (fits()) {
      best = { cols, size: max };
      break;
    }
    set(cols, floor);
    if (!fits()) continue;
    let lo = floor;
    let hi = max;
    for (let i = 0; i < 9 && hi - lo > 0.5; i += 1) {
      const mid = (lo + hi) / 2;
      set(cols, mid);
      if (fits()) lo = mid;
      else hi = mid;
    }
    if (!best || lo > best.size + 0.25) best = { cols, size: lo };
  }
  const fitted = !!best;
  // Nothing fits even at the floor: the most columns whose words fit (a word longer than a
  // whole card may then break), at the floor, and let it move.
  if (!best) {
    best = { cols: options[0], size: floor };
    for (const cols of options) {
      set(cols, floor);
      if (wordsFit()) best = { cols, size: floor };
    }
    set(best.cols, best.size);
    if (!wordsFit()) content.classList.add('break-words');
  }
  set(best.cols, best.size);
  return fitted && fits() ? best.size : 0;
}

/**
 * Moves content that does not fit: a slow scroll down, a pause, back to the top; or with
 * reduced motion a page at a time. `data-scroll` says which ("auto" or "page").
 */
function mover(content) {
  const reduced = window.matchMedia('(prefers-reduced-motion: reduce)');
  let raf = 0;
  let timer = 0;
  const stop = () => {
    cancelAnimationFrame(raf);
    clearTimeout(timer);
    raf = 0;
    timer = 0;
    delete content.dataset.scroll;
  };
  const start = () => {
    stop();
    const maxTop = () => content.scrollHeight - content.clientHeight;
    if (reduced.matches) {
      content.dataset.scroll = 'page';
      const page = () => {
        const step = Math.max(1, content.clientHeight - parseFloat(getComputedStyle(content).fontSize) * 2);
        content.scrollTop = content.scrollTop >= maxTop() - 1 ? 0 : Math.min(maxTop(), content.scrollTop + step);
        timer = setTimeout(page, PAGE_MS);
      };
      timer = setTimeout(page, PAGE_MS);
      return;
    }
    content.dataset.scroll = 'auto';
    let pos = content.scrollTop;
    let last = 0;
    const tick = (now) => {
      const dt = last ? Math.min(100, now - last) : 0;
      last = now;
      pos += (window.innerHeight * SCROLL_SPEED_VH * dt) / 1000;
      content.scrollTop = pos;
      if (pos >= maxTop()) {
        // At the bottom: wait, jump back to the top, wait, go on.
        timer = setTimeout(() => {
          pos = 0;
          content.scrollTop = 0;
          timer = setTimeout(() => { last = 0; raf = requestAnimationFrame(tick); }, SCROLL_PAUSE_MS);
        }, SCROLL_PAUSE_MS);
        return;
      }
      raf = requestAnimationFrame(tick);
    };
    timer = setTimeout(() => { raf = requestAnimationFrame(tick); }, SCROLL_PAUSE_MS);
  };
  return { start, stop };
}

export function mountProjector(root, code) {
  const store = new Store();
  const conn = new Connection(store, { code, role: 'projector', join: () => ({ role: 'projector' }) });
  let ui = null;
  let uiLang = null;

  function build() {
    uiLang = lang();
    const sw = langSwitch();
    const banner = connectionBanner(store);
    const title = h('p', { class: 'proj-title' });
    const timer = timerDisplay(store);
    const eyebrow = h('p', { class: 'eyebrow' });
    const phaseTitle = h('h1', {});
    const question = h('p', { class: 'proj-question' });
    // Input paused by the facilitator: the room sees it too (issue 13).
    const paused = h('p', { class: 'proj-locked', 'data-testid': 'proj-locked', hidden: true });
    const content = h('div', { class: 'proj-content', 'data-testid': 'proj-content' });
    const groups = h('ul', { class: 'proj-groups', 'data-testid': 'proj-groups' });
    const host = location.host;
    // The organisation's logo, when the facilitator uploaded one: looked up when the projector
    // opens and at every phase change (a logo set meanwhile shows at the next phase).
    const logo = h('img', { class: 'proj-logo', 'data-testid': 'proj-logo', alt: '', hidden: true });
    let logoPhase = -1;
    const checkLogo = async (organisation) => {
      const res = await fetch(`/api/sessions/${encodeURIComponent(code)}`, { cache: 'no-store' }).catch(() => null);
      const facts = res && res.ok ? await res.json() : null;
      logo.hidden = !(facts && facts.logo);
      if (!logo.hidden) {
        logo.alt = organisation ? t('logo.of', { org: organisation }) : t('logo.title');
        logo.src = `/api/sessions/${encodeURIComponent(code)}/logo?phase=${logoPhase}`;
      }
    };
    const join = h('aside', { class: 'proj-join', 'aria-label': t('fac.join') }, logo,
      h('p', { class: 'proj-join-text', text: t('proj.join', { host: `${host}/join` }) }),
      h('p', { class: 'proj-code' }, h('span', { class: 'visually-hidden', text: `${t('proj.code')}: ` }), h('span', { 'data-testid': 'proj-code', text: code })),
      qrImage(code),
      h('h2', { class: 'proj-groups-h', text: t('proj.participants') }), groups,
      h('p', { class: 'proj-ready', 'data-testid': 'proj-ready' }));
    const main = h('main', { id: 'main', class: 'projector' },
      h('div', { class: 'proj-main' },
        h('header', { class: 'proj-head' }, h('div', {}, title, eyebrow, phaseTitle, question, paused), timer.el),
        content),
      h('div', { class: 'proj-side' }, join, sw.el));
    replace(root, banner.el, main);
    document.body.classList.add('projector-body');
    const move = mover(content);
    // Fit again when the content box changes size (window resized, a timer appears in the
    // header); the font size set on the content does not change its box, so this cannot loop.
    let queued = 0;
    const refit = () => {
      queued = 0;
      move.stop();
      content.scrollTop = 0;
      const base = parseFloat(getComputedStyle(main).fontSize);
      // A full screen gets a smaller heading, which leaves more room for what people wrote.
      main.classList.remove('dense');
      let fitted = fit(content, base);
      // The summary holds every level: it always takes the smaller heading.
      if (!fitted || fitted < base * 0.8 || main.classList.contains('summary-screen')) {
        main.classList.add('dense');
        fitted = fit(content, base);
      }
      const f = content.querySelector('.focused');
      if (f) {
        const top = f.getBoundingClientRect().top - content.getBoundingClientRect().top;
        if (top + f.offsetHeight > content.clientHeight) content.scrollTop = top - content.clientHeight / 2 + f.offsetHeight / 2;
      } else if (!fitted) move.start();
    };
    const queueFit = () => {
      if (!queued) queued = requestAnimationFrame(refit);
    };
    let lastBox = '';
    if (typeof ResizeObserver === 'function') {
      new ResizeObserver(() => {
        const box = `${content.clientWidth}x${content.clientHeight}`;
        if (box !== lastBox) {
          lastBox = box;
          queueFit();
        }
      }).observe(content);
    }
    let sig = '';
    let timerSig = '';
    return {
      update() {
        const { view } = store;
        banner.update();
        if (!view) return;
        const phase = store.phase();
        const level = phase.level;
        document.title = view.session.title;
        if (view.current_phase !== logoPhase) {
          logoPhase = view.current_phase;
          checkLogo(view.session.organisation);
        }
        setText(title, [view.session.title, view.session.organisation].filter(Boolean).join(' — '));
        setText(eyebrow, [t('phase.of', { n: view.current_phase + 1, total: view.phases.length }), level ? levelName(level) : null].filter(Boolean).join(' · '));
        setText(phaseTitle, loc(phase.title));
        setText(question, loc(phase.question));
        paused.hidden = !view.locked || !!view.closed;
        setText(paused, view.locked ? t('proj.locked') : '');
        // The lobby: the QR code large, for people to scan from their seats.
        main.classList.toggle('lobby', phase.kind === 'lobby');
        // The summary (and a closed session): nobody joins any more, so the side column keeps the
        // code but not the QR code, and the results get the room (issue 13).
        main.classList.toggle('summary-screen', phase.kind === 'summary' || !!view.closed);
        const tsig = JSON.stringify(view.timer);
        if (tsig !== timerSig) {
          timerSig = tsig;
          timer.update();
        }
        replace(groups, ...view.session.groups.map((g) => {
          const c = view.groups[g] || { joined: 0, connected: 0 };
          // Everyone who joined (not only who is connected right now: a phone that went to
          // sleep still counts as taking part).
          return h('li', {}, h('span', { class: 'proj-group-name', text: groupName(g) }), h('span', { class: 'proj-group-count', text: String(c.joined) }));
        }));

        setText(main.querySelector('.proj-ready'), t('proj.ready', { n: view.ready }));
        // Nobody says "ready" in the lobby (issue 13).
        main.querySelector('.proj-ready').hidden = phase.kind === 'lobby';
        const next = JSON.stringify([lang(), view.current_phase, view.focus, view.statements, view.rules, view.progress, view.clusters, view.closed, view.equal_group_weight, view.assessment]);
        if (next === sig) return;
        sig = next;
        const progress = level ? view.progress[level] : null;
        const parts = [];
        const focus = view.focus;
        // A closed session shows its summary, whatever phase it was closed in.
        const summary = phase.kind === 'summary' || !!view.closed;
        content.classList.toggle('summary', summary);
        // What people wrote is in the session's language: hyphenate it as such.
        content.lang = view.session.language || lang();
        if (view.closed) parts.push(h('p', { class: 'proj-closed', 'data-testid': 'proj-closed', text: t('closed.title') }));
        if (phase.kind === 'assessment' && !view.closed && view.assessment) {
          parts.push(view.assessment.revealed ? assessmentResults(view)
            : h('p', { class: 'proj-note', 'data-testid': 'assessment-respondents', text: t('assessment.respondents', { n: view.assessment.respondents, complete: view.assessment.complete }) }));
        } else if (phase.kind === 'review' && !view.closed) {
          const rs = carriedRules(view);
          if (rs.some((r) => r.review)) parts.push(reviewResults(view, { focus }));
          else {
            parts.push(h('ul', { class: 'cards', 'data-testid': 'proj-reviews' }, ...rs.map((r) => h('li', { class: ['card-item', r.id === focus && 'focused'], 'data-id': r.id },
              h('p', { class: 'user-text', text: r.text }),
              h('p', { class: 'meta', text: t('review.reviewers', { n: r.reviewers || 0 }) })))));
          }
        } else if (summary) {
          // One column per level: the top priorities and the rules' support.
          const assessed = assessmentResults(view);
          if (assessed) parts.push(h('section', { class: 'summary-level' }, assessed));
          if (carriedRules(view).some((r) => r.review)) parts.push(h('section', { class: 'summary-level' }, reviewResults(view, { focus })));
          // Each level explained in one line; the note on equal weight once, not under every rule.
          if (view.equal_group_weight) parts.push(h('p', { class: 'proj-note', text: t('results.equal_weight') }));
          const before = parts.length;
          for (const l of ['richten', 'inrichten', 'verrichten']) {
            const pr = view.progress[l];
            if (!pr || (!pr.dots_revealed && !pr.ratings_revealed)) continue;
            parts.push(h('section', { class: 'summary-level' },
              h('p', { class: 'level-explain', text: t(`level.explain.${l}`) }),
              pr.dots_revealed ? priorities(view, l, { focus, limit: 3 }) : null,
              pr.ratings_revealed ? supportResults(view, l, { focus, weightNote: false, brief: true }) : null));
          }
          // Nothing revealed yet: say so, instead of an empty wall under "these are today's".
          if (parts.length === before && !carriedRules(view).some((r) => r.review) && !assessed) {
            parts.push(h('p', { class: 'proj-note', 'data-testid': 'summary-empty', text: t('summary.empty') }));
          }
        } else if (phase.kind === 'rules' && level) {
          const rs = levelRules(view, level);
          if (progress.ratings_revealed) parts.push(supportResults(view, level, { focus }));
          else {
            parts.push(h('ul', { class: 'cards' }, ...rs.map((r) => h('li', { class: ['card-item', r.id === focus && 'focused'], 'data-id': r.id },
              r.id === focus ? h('span', { class: 'focus-badge', text: t('focus') }) : null,
              h('p', { class: 'user-text', text: r.text }),
              h('p', { class: 'meta' }, statusBadge(r), r.status && r.status !== 'proposed' ? ' ' : null, [r.author ? r.author.name : null, r.round > 1 ? t('rule.round.n', { n: r.round }) : null, t('rule.raters', { n: r.raters })].filter(Boolean).join(' · '))))));
          }
        } else if (level && (phase.kind === 'cluster' || phase.kind === 'vote') && !(progress && progress.dots_revealed)) {
          // Clusters first (title and size), then the statements left alone.
          const items = priorityItems(view, level).sort((a, b) => (b.cluster ? 1 : 0) - (a.cluster ? 1 : 0) || a.seq - b.seq);
          parts.push(h('ul', { class: 'cards', 'data-testid': 'proj-statements' }, ...items.map((it) => h('li', { class: ['card-item', it.cluster && 'card-cluster', it.id === focus && 'focused'], 'data-id': it.id },
            it.id === focus ? h('span', { class: 'focus-badge', text: t('focus') }) : null,
            h('p', { class: 'user-text', text: it.text }),
            // The statements inside a cluster, small, so the room sees what was merged.
            it.cluster ? h('ul', { class: 'proj-members', 'data-testid': 'proj-members' }, ...it.members.map((m) => h('li', { class: 'user-text', text: m.text }))) : null,
            it.cluster ? h('p', { class: 'meta', text: t('cluster.count', { n: it.members.length }) }) : null))));
          if (phase.kind === 'vote' && progress) parts.push(h('p', { class: 'proj-progress', text: t('results.voters', { n: progress.voters }) }));
        } else if (level) {
          const sts = rankedStatements(view, level);
          if (progress && progress.dots_revealed) parts.push(priorities(view, level, { focus, limit: 12 }));
          else {
            sts.sort((a, b) => a.seq - b.seq);
            parts.push(h('ul', { class: 'cards', 'data-testid': 'proj-statements' }, ...sts.map((st) => h('li', { class: ['card-item', st.id === focus && 'focused'], 'data-id': st.id },
              st.id === focus ? h('span', { class: 'focus-badge', text: t('focus') }) : null,
              h('p', { class: 'user-text', text: st.text })))));
            if (phase.kind === 'vote' && progress) parts.push(h('p', { class: 'proj-progress', text: t('results.voters', { n: progress.voters }) }));
          }
        }
        // A summary flows through columns as a whole (in a box of its own height: columns in
        // the fixed-height content box would overflow sideways).
        if (summary) replace(content, h('div', { class: 'summary-flow' }, ...parts));
        else replace(content, ...parts);
        // Once per frame, before it is painted: several changes in one frame (a snapshot, a
        // resize) share one fit, which lays the page out a few dozen times.
        queueFit();
      },
    };
  }

  const render = () => {
    if (!ui || uiLang !== lang()) ui = build();
    ui.update();
  };
  store.subscribe(render);
  onLangChange(render);
  render();
  conn.start();
}
