// The one template tag every component uses: htm bound to preact's h.
// htm + preact render interpolated values as text (escaped), never as markup; see sanitize.js.
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);
