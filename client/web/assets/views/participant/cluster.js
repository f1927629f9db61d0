//! The participant's cluster phase: the clustering board shared with the console (cluster.js),
//! usable while the facilitator keeps clustering open.

import { h } from '../../dom.js';
import { clusterBoard } from '../../cluster.js';

/** The clustering board of `level` (cluster.js), open while the facilitator allows it. */
export function cluster(ctx, level) {
  const { store, conn, toast } = ctx;
  const board = clusterBoard(store, (intent) => conn.intent(intent), { canEdit: (view) => view.clustering_open && !view.locked && !view.closed, toast });
  const el = h('div', { class: 'phase-body' }, board.el);
  return { el, update: () => board.update(level) };
}
