//! The projector: a 1920×1080 screen read from the back of a room. Join code and QR code, the
//! number of participants per group, the phase question, live statements, dots after the
//! reveal, rules with their support, the countdown, and the item in focus highlighted. With the
//! workshop method: clusters (title and number of statements, dots after the reveal), the
//! status of each rule, how many are ready, and the review of a follow-up once revealed.
//!
//! It joins with the code only and sends no intents. The main area is rebuilt when what it shows
//! changes (nobody types here), and the font size steps down as the number of items grows so
//! everything fits on one screen.

import { h, replace, setText } from '../dom.js';
import { t, lang, loc, levelName, groupName, onLangChange } from '../i18n.js';
import { Store } from '../store.js';
import { Connection } from '../connection.js';
import { langSwitch, connectionBanner, timerDisplay, qrImage } from '../widgets.js';
import { rankedStatements, levelRules, priorities, supportResults, priorityItems, statusBadge, reviewResults, carriedRules } from '../results.js';

function density(n) {
  if (n <= 6) return 'few';
  if (n <= 12) return 'some';
  if (n <= 24) return 'many';
  return 'lots';
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
    const content = h('div', { class: 'proj-content', 'data-testid': 'proj-content' });
    const groups = h('ul', { class: 'proj-groups', 'data-testid': 'proj-groups' });
    const host = location.host;
    const join = h('aside', { class: 'proj-join', 'aria-label': t('fac.join') },
      h('p', { class: 'proj-join-text', text: t('proj.join', { host: `${host}/join` }) }),
      h('p', { class: 'proj-code' }, h('span', { class: 'visually-hidden', text: `${t('proj.code')}: ` }), h('span', { 'data-testid': 'proj-code', text: code })),
      qrImage(code),
      h('h2', { class: 'proj-groups-h', text: t('proj.participants') }), groups,
      h('p', { class: 'proj-ready', 'data-testid': 'proj-ready' }));
    const main = h('main', { id: 'main', class: 'projector' },
      h('div', { class: 'proj-main' },
        h('header', { class: 'proj-head' }, h('div', {}, title, eyebrow, phaseTitle, question), timer.el),
        content),
      join, sw.el);
    replace(root, banner.el, main);
    document.body.classList.add('projector-body');
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
        setText(title, [view.session.title, view.session.organisation].filter(Boolean).join(' — '));
        setText(eyebrow, [t('phase.of', { n: view.current_phase + 1, total: view.phases.length }), level ? levelName(level) : null].filter(Boolean).join(' · '));
        setText(phaseTitle, loc(phase.title));
        setText(question, loc(phase.question));
        const tsig = JSON.stringify(view.timer);
        if (tsig !== timerSig) {
          timerSig = tsig;
          timer.update();
        }
        replace(groups, ...view.session.groups.map((g) => {
          const c = view.groups[g] || { joined: 0, connected: 0 };
          return h('li', {}, h('span', { class: 'proj-group-name', text: groupName(g) }), h('span', { class: 'proj-group-count', text: String(c.connected) }));
        }));

        setText(main.querySelector('.proj-ready'), t('proj.ready', { n: view.ready }));
        const next = JSON.stringify([lang(), view.current_phase, view.focus, view.statements, view.rules, view.progress, view.clusters, view.closed]);
        if (next === sig) return;
        sig = next;
        const progress = level ? view.progress[level] : null;
        const parts = [];
        const focus = view.focus;
        content.classList.toggle('summary', phase.kind === 'summary');
        if (view.closed) parts.push(h('p', { class: 'proj-closed', text: t('closed.title') }));
        if (phase.kind === 'review') {
          const rs = carriedRules(view);
          if (rs.some((r) => r.review)) parts.push(reviewResults(view, { focus }));
          else {
            parts.push(h('ul', { class: ['cards', density(rs.length)], 'data-testid': 'proj-reviews' }, ...rs.map((r) => h('li', { class: ['card-item', r.id === focus && 'focused'], 'data-id': r.id },
              h('p', { class: 'user-text', text: r.text }),
              h('p', { class: 'meta', text: t('review.reviewers', { n: r.reviewers || 0 }) })))));
          }
        } else if (phase.kind === 'summary') {
          // One column per level: the top priorities and the rules' support.
          if (carriedRules(view).some((r) => r.review)) parts.push(h('section', { class: 'summary-level' }, reviewResults(view, { focus })));
          for (const l of ['richten', 'inrichten', 'verrichten']) {
            const pr = view.progress[l];
            if (!pr || (!pr.dots_revealed && !pr.ratings_revealed)) continue;
            parts.push(h('section', { class: 'summary-level' },
              pr.dots_revealed ? priorities(view, l, { focus, limit: 3 }) : null,
              pr.ratings_revealed ? supportResults(view, l, { focus }) : null));
          }
        } else if (phase.kind === 'rules' && level) {
          const rs = levelRules(view, level);
          if (progress.ratings_revealed) parts.push(supportResults(view, level, { focus }));
          else {
            parts.push(h('ul', { class: ['cards', density(rs.length)] }, ...rs.map((r) => h('li', { class: ['card-item', r.id === focus && 'focused'], 'data-id': r.id },
              r.id === focus ? h('span', { class: 'focus-badge', text: t('focus') }) : null,
              h('p', { class: 'user-text', text: r.text }),
              h('p', { class: 'meta' }, statusBadge(r), r.status && r.status !== 'proposed' ? ' ' : null, [r.author ? r.author.name : null, r.round > 1 ? t('rule.round.n', { n: r.round }) : null, t('rule.raters', { n: r.raters })].filter(Boolean).join(' · '))))));
          }
        } else if (level && (phase.kind === 'cluster' || phase.kind === 'vote') && !(progress && progress.dots_revealed)) {
          // Clusters first (title and size), then the statements left alone.
          const items = priorityItems(view, level).sort((a, b) => (b.cluster ? 1 : 0) - (a.cluster ? 1 : 0) || a.seq - b.seq);
          parts.push(h('ul', { class: ['cards', density(items.length)], 'data-testid': 'proj-statements' }, ...items.map((it) => h('li', { class: ['card-item', it.cluster && 'card-cluster', it.id === focus && 'focused'], 'data-id': it.id },
            it.id === focus ? h('span', { class: 'focus-badge', text: t('focus') }) : null,
            h('p', { class: 'user-text', text: it.text }),
            it.cluster ? h('p', { class: 'meta', text: t('cluster.count', { n: it.members.length }) }) : null))));
          if (phase.kind === 'vote' && progress) parts.push(h('p', { class: 'proj-progress', text: t('results.voters', { n: progress.voters }) }));
        } else if (level) {
          const sts = rankedStatements(view, level);
          if (progress && progress.dots_revealed) parts.push(priorities(view, level, { focus, limit: 12 }));
          else {
            sts.sort((a, b) => a.seq - b.seq);
            parts.push(h('ul', { class: ['cards', density(sts.length)], 'data-testid': 'proj-statements' }, ...sts.map((st) => h('li', { class: ['card-item', st.id === focus && 'focused'], 'data-id': st.id },
              st.id === focus ? h('span', { class: 'focus-badge', text: t('focus') }) : null,
              h('p', { class: 'user-text', text: st.text })))));
            if (phase.kind === 'vote' && progress) parts.push(h('p', { class: 'proj-progress', text: t('results.voters', { n: progress.voters }) }));
          }
        }
        replace(content, ...parts);
        const f = content.querySelector('.focused');
        if (f) f.scrollIntoView({ block: 'nearest' });
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
