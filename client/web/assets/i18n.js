//! Texts of the app in Dutch and English: two message catalogues, one lookup.
//!
//! Dutch is the default; English when the browser's first language is English, or when the
//! person chose it with the switch on every view (kept in localStorage). No text of the app is
//! written in markup: everything a person reads comes from here, or from the server's own
//! localized fields (phase titles and questions carry `nl` and `en`).

const catalogues = {
  nl: {
    'app.name': 'Draagvlak',
    'lang.switch': 'English',
    'lang.switch.label': 'Switch to English',
    'skip': 'Naar de inhoud',
    'start.tagline': 'Werksessies over ICT-strategie, samen met ICT en business.',
    'start.join.title': 'Meedoen',
    'start.join.code': 'Code van de sessie',
    'start.join.code.hint': 'Zes tekens, zoals K7M4QP. Staat op het scherm voorin de zaal.',
    'start.join.submit': 'Meedoen',
    'start.create.title': 'Nieuwe sessie starten',
    'start.create.intro': 'Je wordt de facilitator: je bestuurt de fases, de timer en het projectiescherm.',
    'start.create.session_title': 'Titel',
    'start.create.organisation': 'Organisatie (mag leeg)',
    'start.create.language': 'Taal van de sessie',
    'start.create.submit': 'Sessie starten',
    'start.demo.title': 'Probeer een demo',
    'start.demo.intro': 'Een sessie met voorbeeldinhoud: deelnemers, uitspraken, stippen en vuistregels. Open daarna het deelnemersscherm en de projectie in andere tabbladen.',
    'start.demo.nl': 'Demo in het Nederlands',
    'start.demo.en': 'Demo in het Engels',
    'start.error': 'Dat lukte niet: {message}',
    'language.nl': 'Nederlands',
    'language.en': 'Engels',
    'join.title': 'Meedoen aan {title}',
    'join.name': 'Je naam',
    'join.name.hint': 'Zoals anderen je kennen; maximaal 60 tekens.',
    'join.group': 'Je groep',
    'join.submit': 'Meedoen',
    'join.not_found': 'Er is geen sessie met code {code}.',
    'join.other_code': 'Andere code invoeren',
    'join.closed': 'Deze sessie is gesloten.',
    'join.loading': 'Sessie laden…',
    'conn.offline': 'Geen verbinding. Je kunt doorwerken: wat je doet wordt bewaard en verstuurd zodra de verbinding terug is.',
    'conn.connecting': 'Verbinden…',
    'conn.pending': '{n} wijziging(en) wachten op verzending.',
    'conn.online': 'Verbonden',
    'phase': 'Fase',
    'phase.of': 'Fase {n} van {total}',
    'phase.locked': 'De facilitator heeft de invoer even gepauzeerd.',
    'level.richten': 'Richten',
    'level.inrichten': 'Inrichten',
    'level.verrichten': 'Verrichten',
    'group.ict': 'ICT',
    'group.business': 'Business',
    'you.are': 'Je doet mee als {name} ({group}).',
    'lobby.wait': 'We beginnen zo. Houd dit scherm open.',
    'statement.new': 'Nieuwe uitspraak',
    'statement.add': 'Toevoegen',
    'statement.mine': 'Jouw uitspraken',
    'statement.others': 'Uitspraken van anderen',
    'statement.none': 'Nog geen uitspraken.',
    'statement.edit': 'Jouw uitspraak {n} bewerken',
    'statement.delete': 'Verwijderen',
    'statement.delete.label': 'Uitspraak {n} verwijderen',
    'statement.pending': 'Wacht op verzending',
    'statement.hidden': 'Verborgen',
    'statement.anonymous': 'Anoniem',
    'dots.left': 'Nog {left} van {budget} stippen',
    'dots.left.short': '{left} stippen over',
    'dots.place': 'Stip erbij',
    'dots.remove': 'Stip eraf',
    'dots.mine': 'Jouw stippen: {n}',
    'dots.count': '{n} stippen',
    'dots.hint': 'Maximaal {max} stippen per uitspraak.',
    'rule.new': 'Nieuwe vuistregel',
    'rule.propose': 'Voorstellen',
    'rule.list': 'Vuistregels',
    'rule.none': 'Nog geen vuistregels.',
    'rule.edit': 'Vuistregel {n} bewerken (iedereen mag schaven)',
    'rule.by': 'Voorgesteld door {name}',
    'rule.raters': '{n} beoordeeld',
    'rule.rate': 'Hoeveel draagvlak zie jij?',
    'rule.pending': 'Wacht op verzending',
    'scale.1': 'Helemaal oneens',
    'scale.2': 'Oneens',
    'scale.3': 'Neutraal',
    'scale.4': 'Eens',
    'scale.5': 'Helemaal eens',
    'results.priorities': 'Prioriteiten: {level}',
    'results.support': 'Draagvlak: {level}',
    'results.overall': 'Iedereen',
    'results.gap': 'Grootste verschil tussen de groepen',
    'results.no_ratings': 'Nog geen beoordelingen',
    'results.share': '{share} steunt',
    'results.hidden_until_reveal': 'De resultaten verschijnen zodra de facilitator ze toont.',
    'results.voters': '{n} deelnemers hebben gestemd',
    'results.raters': '{n} deelnemers hebben beoordeeld',
    'summary.title': 'Resultaten',
    'timer': 'Timer',
    'timer.left': 'Nog {time}',
    'timer.paused': 'Gepauzeerd: {time}',
    'timer.done': 'Tijd is om',
    'timer.start5': 'Start 5 minuten',
    'timer.pause': 'Pauzeren',
    'timer.resume': 'Hervatten',
    'timer.add1': '+1 minuut',
    'timer.clear': 'Wissen',
    'timer.none': 'Geen timer',
    'fac.title': 'Facilitator',
    'fac.agenda': 'Agenda',
    'fac.current': 'nu',
    'fac.goto': 'Ga naar fase {n}: {title}',
    'fac.prev': 'Vorige fase',
    'fac.next': 'Volgende fase',
    'fac.lock': 'Invoer pauzeren',
    'fac.unlock': 'Invoer hervatten',
    'fac.locked': 'Invoer is gepauzeerd',
    'fac.reveal': 'Stemmen tonen',
    'fac.reveal.dots': 'Stippen tonen',
    'fac.reveal.ratings': 'Beoordelingen tonen',
    'fac.revealed': 'Getoond',
    'fac.controls': 'Besturing',
    'fac.participants': 'Deelnemers',
    'fac.report': 'Verslag',
    'fac.report.hint': 'Download het verslag voor de beleidsnotitie. Druk de HTML-versie af als PDF.',
    'fac.report.failed': 'Het verslag kon niet worden opgehaald.',
    'fac.participants.none': 'Nog niemand.',
    'fac.connected': 'verbonden',
    'fac.disconnected': 'niet verbonden',
    'fac.voted': 'gestemd',
    'fac.rated': 'beoordeeld',
    'fac.hide': 'Verbergen',
    'fac.show': 'Tonen',
    'fac.hide.label': 'Uitspraak {n} verbergen',
    'fac.show.label': 'Uitspraak {n} weer tonen',
    'fac.focus': 'In beeld',
    'fac.unfocus': 'Uit beeld',
    'fac.focus.label': '{n} in beeld zetten op alle schermen',
    'fac.unfocus.label': '{n} uit beeld halen',
    'fac.join': 'Meedoen',
    'fac.join.code': 'Code',
    'fac.links': 'Links',
    'fac.link.join': 'Deelnemerslink',
    'fac.link.projector': 'Projectiescherm openen',
    'fac.link.participant': 'Deelnemersscherm openen',
    'fac.no_secret': 'Dit apparaat heeft de facilitatorsleutel van sessie {code} niet. Open de console in de browser waarin je de sessie hebt gemaakt.',
    'fac.bad_secret': 'De facilitatorsleutel klopt niet.',
    'fac.statements': 'Uitspraken',
    'fac.rules': 'Vuistregels',
    'fac.group.count': '{connected} van {joined} verbonden',
    'proj.join': 'Doe mee op {host}',
    'proj.code': 'Code',
    'proj.participants': 'Deelnemers',
    'qr.alt': 'QR-code met de link om mee te doen aan sessie {code}',
    'focus': 'In beeld',
    'error.generic': 'Er ging iets mis ({code}).',
    'error.budget_exhausted': 'Je stippen voor dit niveau zijn op. Haal er eerst een weg.',
    'error.item_limit': 'Meer stippen op deze uitspraak kan niet.',
    'error.input_locked': 'De facilitator heeft de invoer gepauzeerd; je wijziging wordt verstuurd zodra het weer kan.',
    'error.wrong_phase': 'Dat kan in deze fase niet meer.',
    'error.text_too_long': 'De tekst is te lang (maximaal 1000 tekens).',
    'error.empty_text': 'Typ eerst een tekst.',
    'error.not_found': 'Dit bestaat niet meer.',
    'error.not_owner': 'Alleen de schrijver mag dit wijzigen.',
    'error.invalid_name': 'Kies een naam van 1 tot 60 tekens.',
    'error.invalid_group': 'Kies een groep.',
    'error.session_closed': 'Deze sessie is gesloten.',
    'error.hidden': 'Deze uitspraak is verborgen.',
    'error.limit_reached': 'Het maximum is bereikt.',
    'error.no_change': 'Er is niets te veranderen.',
    'dismiss': 'Sluiten',
  },
  en: {
    'app.name': 'Draagvlak',
    'lang.switch': 'Nederlands',
    'lang.switch.label': 'Wissel naar Nederlands',
    'skip': 'Skip to content',
    'start.tagline': 'Workshops on ICT strategy, with ICT and business together.',
    'start.join.title': 'Join',
    'start.join.code': 'Session code',
    'start.join.code.hint': 'Six characters, such as K7M4QP. It is on the screen at the front of the room.',
    'start.join.submit': 'Join',
    'start.create.title': 'Start a new session',
    'start.create.intro': 'You become the facilitator: you steer the phases, the timer and the projector.',
    'start.create.session_title': 'Title',
    'start.create.organisation': 'Organisation (optional)',
    'start.create.language': 'Language of the session',
    'start.create.submit': 'Start session',
    'start.demo.title': 'Try a demo',
    'start.demo.intro': 'A session with sample content: participants, statements, dots and rules of thumb. Then open the participant and projector views in other tabs.',
    'start.demo.nl': 'Demo in Dutch',
    'start.demo.en': 'Demo in English',
    'start.error': 'That did not work: {message}',
    'language.nl': 'Dutch',
    'language.en': 'English',
    'join.title': 'Join {title}',
    'join.name': 'Your name',
    'join.name.hint': 'As others know you; at most 60 characters.',
    'join.group': 'Your group',
    'join.submit': 'Join',
    'join.not_found': 'There is no session with code {code}.',
    'join.other_code': 'Enter another code',
    'join.closed': 'This session is closed.',
    'join.loading': 'Loading session…',
    'conn.offline': 'No connection. You can keep working: what you do is kept and sent as soon as the connection is back.',
    'conn.connecting': 'Connecting…',
    'conn.pending': '{n} change(s) waiting to be sent.',
    'conn.online': 'Connected',
    'phase': 'Phase',
    'phase.of': 'Phase {n} of {total}',
    'phase.locked': 'The facilitator has paused input for a moment.',
    'level.richten': 'Direction',
    'level.inrichten': 'Design',
    'level.verrichten': 'Delivery',
    'group.ict': 'ICT',
    'group.business': 'Business',
    'you.are': 'You take part as {name} ({group}).',
    'lobby.wait': 'We will start shortly. Keep this screen open.',
    'statement.new': 'New statement',
    'statement.add': 'Add',
    'statement.mine': 'Your statements',
    'statement.others': 'Statements by others',
    'statement.none': 'No statements yet.',
    'statement.edit': 'Edit your statement {n}',
    'statement.delete': 'Delete',
    'statement.delete.label': 'Delete statement {n}',
    'statement.pending': 'Waiting to be sent',
    'statement.hidden': 'Hidden',
    'statement.anonymous': 'Anonymous',
    'dots.left': '{left} of {budget} dots left',
    'dots.left.short': '{left} dots left',
    'dots.place': 'Add dot',
    'dots.remove': 'Remove dot',
    'dots.mine': 'Your dots: {n}',
    'dots.count': '{n} dots',
    'dots.hint': 'At most {max} dots per statement.',
    'rule.new': 'New rule of thumb',
    'rule.propose': 'Propose',
    'rule.list': 'Rules of thumb',
    'rule.none': 'No rules of thumb yet.',
    'rule.edit': 'Edit rule of thumb {n} (anyone may refine it)',
    'rule.by': 'Proposed by {name}',
    'rule.raters': '{n} rated',
    'rule.rate': 'How much do you support it?',
    'rule.pending': 'Waiting to be sent',
    'scale.1': 'Strongly disagree',
    'scale.2': 'Disagree',
    'scale.3': 'Neutral',
    'scale.4': 'Agree',
    'scale.5': 'Strongly agree',
    'results.priorities': 'Priorities: {level}',
    'results.support': 'Support: {level}',
    'results.overall': 'Everyone',
    'results.gap': 'Largest difference between the groups',
    'results.no_ratings': 'No ratings yet',
    'results.share': '{share} support',
    'results.hidden_until_reveal': 'The results appear as soon as the facilitator shows them.',
    'results.voters': '{n} participants voted',
    'results.raters': '{n} participants rated',
    'summary.title': 'Results',
    'timer': 'Timer',
    'timer.left': '{time} left',
    'timer.paused': 'Paused: {time}',
    'timer.done': 'Time is up',
    'timer.start5': 'Start 5 minutes',
    'timer.pause': 'Pause',
    'timer.resume': 'Resume',
    'timer.add1': '+1 minute',
    'timer.clear': 'Clear',
    'timer.none': 'No timer',
    'fac.title': 'Facilitator',
    'fac.agenda': 'Agenda',
    'fac.current': 'now',
    'fac.goto': 'Go to phase {n}: {title}',
    'fac.prev': 'Previous phase',
    'fac.next': 'Next phase',
    'fac.lock': 'Pause input',
    'fac.unlock': 'Resume input',
    'fac.locked': 'Input is paused',
    'fac.reveal': 'Reveal votes',
    'fac.reveal.dots': 'Reveal dots',
    'fac.reveal.ratings': 'Reveal ratings',
    'fac.revealed': 'Revealed',
    'fac.controls': 'Controls',
    'fac.participants': 'Participants',
    'fac.report': 'Report',
    'fac.report.hint': 'Download the report for the policy note. Print the HTML version to PDF.',
    'fac.report.failed': 'The report could not be fetched.',
    'fac.participants.none': 'Nobody yet.',
    'fac.connected': 'connected',
    'fac.disconnected': 'not connected',
    'fac.voted': 'voted',
    'fac.rated': 'rated',
    'fac.hide': 'Hide',
    'fac.show': 'Show',
    'fac.hide.label': 'Hide statement {n}',
    'fac.show.label': 'Show statement {n} again',
    'fac.focus': 'Focus',
    'fac.unfocus': 'Unfocus',
    'fac.focus.label': 'Put {n} in focus on every screen',
    'fac.unfocus.label': 'Take {n} out of focus',
    'fac.join': 'Join',
    'fac.join.code': 'Code',
    'fac.links': 'Links',
    'fac.link.join': 'Participant link',
    'fac.link.projector': 'Open the projector view',
    'fac.link.participant': 'Open the participant view',
    'fac.no_secret': 'This device does not have the facilitator key of session {code}. Open the console in the browser where you created the session.',
    'fac.bad_secret': 'The facilitator key is not valid.',
    'fac.statements': 'Statements',
    'fac.rules': 'Rules of thumb',
    'fac.group.count': '{connected} of {joined} connected',
    'proj.join': 'Join at {host}',
    'proj.code': 'Code',
    'proj.participants': 'Participants',
    'qr.alt': 'QR code with the link to join session {code}',
    'focus': 'In focus',
    'error.generic': 'Something went wrong ({code}).',
    'error.budget_exhausted': 'Your dots for this level are used up. Take one back first.',
    'error.item_limit': 'No more dots on this statement.',
    'error.input_locked': 'The facilitator has paused input; your change is sent as soon as possible.',
    'error.wrong_phase': 'That is no longer possible in this phase.',
    'error.text_too_long': 'The text is too long (at most 1000 characters).',
    'error.empty_text': 'Type a text first.',
    'error.not_found': 'This no longer exists.',
    'error.not_owner': 'Only the author may change this.',
    'error.invalid_name': 'Choose a name of 1 to 60 characters.',
    'error.invalid_group': 'Choose a group.',
    'error.session_closed': 'This session is closed.',
    'error.hidden': 'This statement is hidden.',
    'error.limit_reached': 'The maximum has been reached.',
    'error.no_change': 'There is nothing to change.',
    'dismiss': 'Close',
  },
};

const KEY = 'draagvlak:lang';
const listeners = new Set();

function initial() {
  const chosen = localStorage.getItem(KEY);
  if (chosen === 'nl' || chosen === 'en') return chosen;
  const first = (navigator.languages && navigator.languages[0]) || navigator.language || '';
  return first.toLowerCase().startsWith('en') ? 'en' : 'nl';
}

let current = initial();
document.documentElement.lang = current;

/** The current language: `nl` or `en`. */
export function lang() {
  return current;
}

/** Choose a language (kept for the next visit) and tell every view to render again. */
export function setLang(l) {
  current = l === 'en' ? 'en' : 'nl';
  localStorage.setItem(KEY, current);
  document.documentElement.lang = current;
  for (const fn of listeners) fn(current);
}

/** Call `fn` after each language switch. */
export function onLangChange(fn) {
  listeners.add(fn);
}

/** The text for `key` with `{name}` placeholders filled in from `params`. */
export function t(key, params = {}) {
  let s = catalogues[current][key];
  if (s === undefined) s = catalogues.nl[key];
  if (s === undefined) return key;
  return s.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/** Whether the catalogue has `key` (for optional texts like error codes). */
export function has(key) {
  return key in catalogues[current];
}

/** A localized field from the server (`{nl, en}`). */
export function loc(field) {
  if (!field) return '';
  return field[current] || field.nl || field.en || '';
}

/** The display name of a group: known groups are translated, others shown as they are. */
export function groupName(g) {
  return has(`group.${g}`) ? t(`group.${g}`) : g;
}

/** The display name of a level. */
export function levelName(l) {
  return has(`level.${l}`) ? t(`level.${l}`) : l || '';
}

/** The readable text for an error or reject code. */
export function errorText(code) {
  return has(`error.${code}`) ? t(`error.${code}`) : t('error.generic', { code });
}

/** A share 0..1 as a percentage in the current language. */
export function percent(share) {
  if (share === null || share === undefined) return '–';
  return new Intl.NumberFormat(current, { style: 'percent', maximumFractionDigits: 0 }).format(share);
}

/** Both catalogues, for the test that checks they have the same keys. */
export const CATALOGUES = catalogues;
