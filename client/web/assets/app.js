//! The app's entry point: every page is the same `index.html`; the path picks the view.
//!
//! `/` start page · `/join/{code}` participant · `/facilitator/{code}` console ·
//! `/projector/{code}` big screen. Join codes are normalised like the server does (upper case,
//! spaces and dashes removed). A facilitator link carries the secret in its fragment
//! (`/facilitator/{code}#key=…`), which never reaches a server.

import { mountStart } from './views/start.js';
import { mountJoin } from './views/join.js';
import { mountFacilitator } from './views/facilitator.js';
import { mountProjector } from './views/projector.js';
import { normaliseCode, secrets } from './connection.js';

const root = document.getElementById('app');
const m = location.pathname.match(/^\/(join|facilitator|projector)\/([^/]+)\/?$/);
if (!m) mountStart(root);
else {
  const code = normaliseCode(m[2]);
  if (m[1] === 'join') mountJoin(root, code);
  else if (m[1] === 'facilitator') {
    // A facilitator link (`#key=<secret>`, from the console's "second device" panel): keep the
    // secret like one this browser made, and take it out of the address bar and the history.
    const key = new URLSearchParams(location.hash.slice(1)).get('key');
    if (key) {
      secrets.setSecret(code, key);
      history.replaceState(null, '', location.pathname);
    }
    mountFacilitator(root, code);
  }
  else mountProjector(root, code);
}
