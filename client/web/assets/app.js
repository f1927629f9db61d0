//! The app's entry point: every page is the same `index.html`; the path picks the view.
//!
//! `/` start page · `/join/{code}` participant · `/facilitator/{code}` console ·
//! `/projector/{code}` big screen. Join codes are normalised like the server does (upper case,
//! spaces and dashes removed).

import { mountStart } from './views/start.js';
import { mountJoin } from './views/join.js';
import { mountFacilitator } from './views/facilitator.js';
import { mountProjector } from './views/projector.js';
import { normaliseCode } from './connection.js';

const root = document.getElementById('app');
const m = location.pathname.match(/^\/(join|facilitator|projector)\/([^/]+)\/?$/);
if (!m) mountStart(root);
else {
  const code = normaliseCode(m[2]);
  if (m[1] === 'join') mountJoin(root, code);
  else if (m[1] === 'facilitator') mountFacilitator(root, code);
  else mountProjector(root, code);
}
